"""Each service owns its tables: three metadata objects, no table in two, none in the global one."""

from sqlmodel import SQLModel

from services.report.models import ReportModel
from services.scoring.models import ScoringModel
from services.survey.models import SurveyModel


def test_each_service_metadata_holds_only_its_tables() -> None:
    assert set(ScoringModel.metadata.tables) == {
        "indicator_system",
        "project",
        "evaluation",
        "audit_entry",
    }
    assert set(SurveyModel.metadata.tables) == {
        "questionnaire",
        "survey",
        "invitation",
        "sheet",
        "answer",
    }
    assert set(ReportModel.metadata.tables) == {"job", "document", "template"}
    all_tables = [
        *ScoringModel.metadata.tables,
        *SurveyModel.metadata.tables,
        *ReportModel.metadata.tables,
    ]
    assert len(all_tables) == len(set(all_tables))
    assert ScoringModel.metadata is not SurveyModel.metadata is not ReportModel.metadata
    assert SQLModel.metadata.tables == {}


def test_the_gateway_metadata_holds_only_its_tables() -> None:
    from gateway.models import GatewayModel

    assert set(GatewayModel.metadata.tables) == {
        "organisation",
        "org_share",
        "api_client",
        "api_key",
        "directory_revision",
        "webhook_subscription",
        "webhook_delivery",
        "webhook_attempt",
        "idempotency_record",
    }
    assert not set(GatewayModel.metadata.tables) & (
        set(ScoringModel.metadata.tables)
        | set(SurveyModel.metadata.tables)
        | set(ReportModel.metadata.tables)
    )
