"""docker-compose.yml and the Dockerfile, checked statically (no Docker engine runs here)."""

import os
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


def _compose_config(secret: str | None) -> subprocess.CompletedProcess[str]:
    compose = Path(sys.executable).with_name("docker-compose")
    env = {k: v for k, v in os.environ.items() if k != "JIXIAO_INTERNAL_SECRET"}
    if secret is not None:
        env["JIXIAO_INTERNAL_SECRET"] = secret
    return subprocess.run(
        [str(compose), "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )


def _compose() -> dict[str, Any]:
    rendered = _compose_config("a-long-random-secret")
    assert rendered.returncode == 0, rendered.stderr
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


def test_compose_refuses_to_start_without_the_internal_secret() -> None:
    refused = _compose_config(None)
    assert refused.returncode != 0
    assert "JIXIAO_INTERNAL_SECRET" in refused.stderr


def test_every_environment_variable_is_a_real_setting() -> None:
    services = _compose()["services"]
    for name, settings in SETTINGS.items():
        prefix = str(settings.model_config.get("env_prefix", ""))
        fields = {prefix + field.upper() for field in settings.model_fields}
        fields.add("JIXIAO_INTERNAL_SECRET")  # shared by all: kit.identity.InternalSettings
        assert set(services[name]["environment"]) <= fields, name
        assert services[name]["build"]["dockerfile"].endswith("deploy/Dockerfile")


def test_dockerfile_copies_what_the_apps_import() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    for folder in ("services", "gateway", "jixiao_cli", "examples"):
        assert f"COPY {folder} {folder}" in dockerfile
    assert "COPY deploy/debian-packages-runtime.txt" in dockerfile
    assert "USER jixiao" in dockerfile  # never run as root in the container
