"""Surveys by public token, kept in memory: every submit needs its survey, and surveys rarely
change. A submit checks, in the same statement that stores the sheet, that the survey's window
and groups are still the ones remembered here (writes.insert_one), so another process changing
a survey costs one extra lookup, never a wrongly taken sheet.
"""

from collections import OrderedDict

from services.survey.models import SurveyRecord


class Snapshots:
    """A bounded map from public token to the survey as last read."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._surveys: OrderedDict[str, SurveyRecord] = OrderedDict()

    def get(self, token: str) -> SurveyRecord | None:
        """Return the remembered survey of a token, if any."""
        survey = self._surveys.get(token)
        if survey is not None:
            self._surveys.move_to_end(token)
        return survey

    def put(self, survey: SurveyRecord) -> None:
        """Remember a survey as just read (a copy, free of the session that read it)."""
        self._surveys[survey.public_token] = SurveyRecord(**survey.model_dump())
        self._surveys.move_to_end(survey.public_token)
        if len(self._surveys) > self.size:
            self._surveys.popitem(last=False)

    def drop(self, token: str) -> None:
        """Forget a survey that changed."""
        self._surveys.pop(token, None)
