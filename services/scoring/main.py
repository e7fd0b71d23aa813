"""The scoring service app: indicator systems, facts, rules, scores, grades and evaluations."""

from pathlib import Path

from fastapi import FastAPI

from services.kit.app import create_service_app
from services.scoring import api
from services.scoring.settings import ScoringSettings


def create_app(settings: ScoringSettings | None = None) -> FastAPI:
    """Build the scoring service."""
    return create_service_app(
        name="scoring",
        title="jixiao scoring",
        description="Indicator systems, facts, rule-based and judged scores, grades, evaluations.",
        settings=settings or ScoringSettings(),
        alembic_ini=Path(__file__).with_name("alembic.ini"),
        routers=[api.router],
    )


app = create_app()
