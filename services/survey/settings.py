"""Settings of the survey service (environment prefix SURVEY_)."""

from pydantic_settings import SettingsConfigDict

from services.kit.app import ServiceSettings


class SurveySettings(ServiceSettings):
    """Where the survey service keeps its data."""

    model_config = SettingsConfigDict(env_prefix="SURVEY_", env_file=".env", extra="ignore")
    database_url: str = "sqlite:///./var/survey.db"
