"""What an import made, as the API and CLI show it: each indicator's rule and how it was read."""

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from services.scoring import rules
from services.scoring.system import IndicatorSystem, Issue

Source = Literal["standard", "rules_sheet", "not_recognised"]


class ReportModel(BaseModel):
    """Base of the report models: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class IndicatorReport(ReportModel):
    """How one level-3 indicator's 评分标准 became its rule."""

    code: str
    name: str
    cell: str  # the 评分标准 cell (or the name cell when there is no such column)
    kind: str
    form: str  # the recognised form, in words; why not, when it was not recognised
    source: Source
    reads: list[str]  # the facts and derived rates the rule reads
    notes: list[str]


class ImportReport(ReportModel):
    """The import report: what was made, and what a person should still turn into a rule."""

    sheet: str
    header_row: int
    indicators: list[IndicatorReport]
    judged: list[str]  # codes left to the evaluator because the standard was not recognised
    facts: list[str]
    derived: list[str]
    notes: list[str]


class Imported(ReportModel):
    """An imported system with its report, and the judgements and facts read when asked."""

    system: IndicatorSystem
    report: ImportReport
    judgements: dict[str, rules.Judgement] = {}
    facts: dict[str, Decimal | bool] = {}


class ImportFailed(ValueError):
    """The sheet cannot become a system; each issue's path is an Excel cell or range."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(f"{issue.path}: {issue.message}" for issue in issues))
        self.issues = issues
