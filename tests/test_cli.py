"""The `jixiao` command line: score files, migrate, load the demo once."""

import json
from pathlib import Path

import pytest

from jixiao_cli.main import main
from tests.conftest import NewDatabase

SEED = Path(__file__).parents[1] / "examples" / "seed001"


def test_score_prints_the_seed001_table(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "score",
            str(SEED / "system.json"),
            str(SEED / "facts.json"),
            "--judgements",
            str(SEED / "judgements.json"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert lines[-1] == "等级: 良"
    assert lines[-2].split() == ["合计", "100", "88.00", "88.00%"]
    assert "资金分配合理性" in out
    assert "66.67%" in out


def test_score_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "score",
            str(SEED / "system.json"),
            str(SEED / "facts.json"),
            "--judgements",
            str(SEED / "judgements.json"),
            "--format",
            "json",
        ]
    )
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (result["total"], result["grade"]) == ("88.00", "良")


def test_score_with_bad_facts_names_them_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    facts = json.loads((SEED / "facts.json").read_text(encoding="utf-8"))
    facts["预算资金"] = "-5"
    bad = tmp_path / "facts.json"
    bad.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    code = main(["score", str(SEED / "system.json"), str(bad)])
    assert code == 2
    assert "facts.预算资金" in capsys.readouterr().err


def test_migrate_then_demo_loads_seed001_once(
    new_database: NewDatabase, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for service in ("SCORING", "SURVEY", "REPORT", "GATEWAY"):
        monkeypatch.setenv(f"{service}_DATABASE_URL", new_database())
    assert main(["migrate"]) == 0
    assert main(["demo"]) == 0
    loaded = json.loads(capsys.readouterr().out.split("\n", 3)[-1])
    assert (loaded["status"], loaded["total"], loaded["grade"]) == ("loaded", "88.00", "良")
    assert main(["demo"]) == 0
    assert json.loads(capsys.readouterr().out) == {"status": "already loaded"}
