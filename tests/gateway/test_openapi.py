"""The merged OpenAPI document is valid and complete; a client generated from it scores seed 001."""

import asyncio
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from tests.gateway.conftest import ADMIN_KEY, Client

pytestmark = pytest.mark.parametrize("new_database", ["sqlite"], indirect=True)
SEED = Path(__file__).parents[2] / "examples" / "seed001"
METHODS = ("get", "post", "put", "patch", "delete")


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


PROBLEM = "application/problem+json"


async def test_the_document_is_valid_and_every_operation_declares_security_and_problems(
    clients: Client,
) -> None:
    document = (await clients(None).get("/openapi.json")).json()
    validate(document)
    assert set(document["components"]["securitySchemes"]) == {"ApiKey", "OAuth2"}
    for method, path, operation in _operations(document):
        assert "security" in operation, (method, path)
        problems = {
            status: response
            for status, response in operation["responses"].items()
            if status[0] in "45"
        }
        assert problems or path.endswith("healthz"), (method, path)
        for status, response in problems.items():
            content = response["content"]
            # problem+json; OAuth2's own error model; or the answer page's HTML
            assert set(content) <= {PROBLEM, "application/json", "text/html"}, (method, path)
            media = content.get(PROBLEM) or content.get("application/json") or content["text/html"]
            assert "example" in media or "schema" in media, (method, path, status)
        if operation["security"]:
            assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)
        if method == "post" and path.startswith("/api/v1/"):
            names = [p["name"] for p in operation.get("parameters", [])]
            assert "Idempotency-Key" in names, path


async def test_a_generated_client_scores_seed001(clients: Client, tmp_path: Path) -> None:
    document = (await clients(None).get("/openapi.json")).json()
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    config = tmp_path / "config.yml"
    names = "project_name_override: jixiao-client\npackage_name_override: jixiao_client\n"
    config.write_text(names)
    generated = await asyncio.to_thread(
        subprocess.run,
        [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate",
            "--path",
            str(spec),
            "--config",
            str(config),
            "--output-path",
            str(tmp_path / "jixiao_client"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    sys.path.insert(0, str(tmp_path))  # --meta none: the output folder is the package
    try:
        await _score_with_generated_client(clients)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("jixiao_client")]:
            del sys.modules[name]


async def _score_with_generated_client(clients: Client) -> None:
    package = importlib.import_module("jixiao_client")
    copies = importlib.import_module(
        "jixiao_client.api.scoring_templates.scoring_copy_template_templates_name_copies_post"
    )
    scores = importlib.import_module("jixiao_client.api.scoring_scores.scoring_score_scores_post")
    models = importlib.import_module("jixiao_client.models")
    transport = clients()._transport  # the in-process gateway, as in the other tests
    # The generated client's own httpx client would go to the network: hand it one that
    # calls the in-process gateway, with the key header its ApiKey scheme names.
    http = httpx.AsyncClient(
        transport=transport, base_url="http://test", headers={"X-API-Key": ADMIN_KEY}
    )
    client = package.Client(base_url="http://test").set_async_httpx_client(http)
    system = await copies.asyncio(name="seed001", client=client)
    assert hasattr(system, "key"), system.to_dict()
    body = models.ScoringScoreRequest.from_dict(
        {
            "system_key": str(system.key),
            "version": 1,
            "facts": json.loads((SEED / "facts.json").read_text(encoding="utf-8")),
            "judgements": json.loads((SEED / "judgements.json").read_text(encoding="utf-8")),
        }
    )
    result = await scores.asyncio(client=client, body=body)
    assert (result.total, result.grade) == ("88.00", "良")
    await http.aclose()
