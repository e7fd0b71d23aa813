"""docker-compose.yml and the Dockerfile, checked statically (no Docker engine runs here)."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import BaseSettings

from gateway.settings import GatewaySettings
from services.report.settings import ReportSettings
from services.scoring.settings import ScoringSettings
from services.survey.settings import SurveySettings

ROOT = Path(__file__).parents[1]
SETTINGS: dict[str, type[BaseSettings]] = {
    "scoring": ScoringSettings,
    "survey": SurveySettings,
    "report": ReportSettings,
    "gateway": GatewaySettings,
}


def _compose() -> dict[str, Any]:
    compose = Path(sys.executable).with_name("docker-compose")
    rendered = subprocess.run(
        [str(compose), "-f", str(ROOT / "docker-compose.yml"), "config"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    document: dict[str, Any] = yaml.safe_load(rendered.stdout)
    return document


def test_compose_validates_and_runs_every_part_with_a_health_check() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "scoring", "survey", "report", "gateway"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), name
    assert services["gateway"]["ports"][0]["published"] == "8000"
    for name in ("scoring", "survey", "report"):
        assert services["gateway"]["depends_on"][name]["condition"] == "service_healthy"


def test_every_environment_variable_is_a_real_setting() -> None:
    services = _compose()["services"]
    for name, settings in SETTINGS.items():
        prefix = str(settings.model_config.get("env_prefix", ""))
        fields = {prefix + field.upper() for field in settings.model_fields}
        assert set(services[name]["environment"]) <= fields, name
        assert services[name]["build"]["dockerfile"].endswith("deploy/Dockerfile")


def test_dockerfile_copies_what_the_apps_import() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    for folder in ("services", "gateway", "jixiao_cli", "examples"):
        assert f"COPY {folder} {folder}" in dockerfile
    assert "COPY deploy/debian-packages-runtime.txt" in dockerfile
    assert "USER jixiao" in dockerfile  # never run as root in the container
