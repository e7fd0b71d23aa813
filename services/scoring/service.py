"""Evaluation workflow: merging changes, scoring stored inputs, status changes, the audit trail."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.kit.models import utcnow
from services.scoring import engine, errors, rules
from services.scoring.engine import values
from services.scoring.models import AuditEntry, EvaluationRecord
from services.scoring.system import Issue

Change = tuple[str | None, Any, Any]  # (field, old, new) of one audit entry
# Allowed status changes: (from, action) -> to.
TRANSITIONS = {
    ("draft", "submit"): "submitted",
    ("submitted", "return"): "draft",
    ("submitted", "finalize"): "finalized",
    ("finalized", "reopen"): "draft",
}


def dump_facts(facts: Mapping[str, Decimal | bool]) -> dict[str, str | bool]:
    """Store facts as JSON: decimals as exact strings."""
    return {k: v if isinstance(v, bool) else format(v, "f") for k, v in facts.items()}


def load_facts(stored: Mapping[str, Any]) -> dict[str, Decimal | bool]:
    """Read stored facts back into decimals and booleans."""
    return {k: v if isinstance(v, bool) else Decimal(v) for k, v in stored.items()}


def load_judgements(stored: Mapping[str, Any]) -> dict[str, rules.Judgement]:
    """Read stored judgements back into models."""
    return {code: rules.Judgement.model_validate(j) for code, j in stored.items()}


def dump_judgements(judgements: Mapping[str, rules.Judgement]) -> dict[str, Any]:
    """Store judgements as JSON without empty fields."""
    return {c: j.model_dump(mode="json", exclude_none=True) for c, j in judgements.items()}


def merged(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Apply changes to a mapping: a value sets an entry, None removes it."""
    out = dict(current)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def refusals(
    compiled: engine.CompiledSystem,
    facts: Mapping[str, Decimal | bool],
    judgements: Mapping[str, rules.Judgement],
) -> list[Issue]:
    """Return what makes inputs unfit to store: facts of the wrong type, bad judgements.

    Missing facts and pending judgements are not refusals: a draft fills in over time.
    """
    _, issues = values.check_facts(compiled.types, facts)
    issues += compiled.unknown_codes(judgements)
    if issues:
        return issues
    try:
        compiled.score(facts, judgements)
    except engine.ScoringFailed as failed:
        return [issue for issue in failed.issues if issue.path.startswith("judgements.")]
    return []


def score(
    compiled: engine.CompiledSystem, record: EvaluationRecord
) -> tuple[engine.Result | None, list[Issue]]:
    """Score an evaluation's stored inputs: the result, or why it cannot be scored yet."""
    if record.result is not None:  # frozen at finalization
        return engine.Result.model_validate(record.result), []
    try:
        facts, judgements = load_facts(record.facts), load_judgements(record.judgements)
        return compiled.score(facts, judgements), []
    except engine.ScoringFailed as failed:
        return None, failed.issues


def refuse_if_finalized(record: EvaluationRecord) -> None:
    """Raise EvaluationFinalized unless the evaluation may still change."""
    if record.status == "finalized":
        raise errors.EvaluationFinalized(
            f"Evaluation {record.id} is finalized; reopen it (with a reason) to change it"
        )


def record_changes(
    session: AsyncSession,
    record: EvaluationRecord,
    who: str,
    action: str,
    changes: list[Change],
    reason: str | None,
) -> None:
    """Bump the revision and append one audit entry per (field, old, new) change."""
    record.revision += 1
    record.updated_at = utcnow()
    for position, (field, old, new) in enumerate(changes):
        session.add(
            AuditEntry(
                evaluation_id=record.id,
                revision=record.revision,
                position=position,
                actor=who,
                action=action,
                field=field,
                old=old,
                new=new,
                reason=reason,
            )
        )


def diff(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """List the entries that differ between two mappings, as (name.key, old, new)."""
    keys = sorted(old.keys() | new.keys())
    return [(f"{name}.{k}", old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


def transition(record: EvaluationRecord, action: str) -> str:
    """Return the status an action leads to, or raise InvalidTransition."""
    target = TRANSITIONS.get((record.status, action))
    if target is None:
        allowed = sorted(a for (s, a) in TRANSITIONS if s == record.status)
        raise errors.InvalidTransition(
            f"Cannot {action} an evaluation that is {record.status}; allowed: {', '.join(allowed)}"
        )
    return target
