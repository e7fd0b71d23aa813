"""The values an evaluation reads: facts checked against their types, formulas, and printing."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from services.scoring import formula, numbers
from services.scoring.system import FactType, Issue

Format = Literal["percent", "number"]
Value = Decimal | bool
MAX_FACT = Decimal(10) ** 15
MAX_VALUE = Decimal(10) ** 18
NOT_SUPPLIED = "未提供"
NOT_COMPUTED = "无法计算"
_ANY_SIGN = frozenset({"number", "rate"})


@dataclass(frozen=True, slots=True)
class Missing:
    """Why a value is absent: the request paths to blame and the reason in words."""

    paths: tuple[str, ...]
    reason: str


def _number(value: object, kind: str, fits: Callable[[Decimal], bool], rule: str) -> str | None:
    if not isinstance(value, Decimal):
        return f"a {kind} fact must be a decimal number"
    if not value.is_finite() or abs(value) > MAX_FACT:
        return f"must be a finite number no larger than {MAX_FACT:,}"
    return None if fits(value) else rule


def fact_problem(kind: FactType | None, value: object) -> str | None:
    """Say how a fact value breaks its declared type, or None when it fits."""
    match kind:
        case None:
            return "the system declares no fact of this name"
        case "boolean":
            return None if isinstance(value, bool) else "a boolean fact must be true or false"
        case "count":
            whole = "a count must be a whole number ≥ 0"
            return _number(value, kind, lambda n: n >= 0 and n == n.to_integral_value(), whole)
        case "amount":
            return _number(value, kind, lambda n: n >= 0, "an amount must be ≥ 0")
        case _:
            return _number(value, kind, lambda n: True, "")


def check_facts(
    types: Mapping[str, FactType], facts: Mapping[str, Value]
) -> tuple[dict[str, Value], list[Issue]]:
    """Return the facts that fit their declared types, and an issue for each one that does not."""
    values: dict[str, Value] = {}
    issues: list[Issue] = []
    for name, value in facts.items():
        kind = types.get(name)
        # The common case inline, because every evaluation checks every fact: a finite decimal
        # within bounds, of a type it fits (whole and ≥ 0 for counts, ≥ 0 for amounts).
        if (
            type(value) is Decimal
            and value.is_finite()
            and -MAX_FACT <= value <= MAX_FACT
            and (
                kind in _ANY_SIGN
                or (kind == "amount" and value >= 0)
                or (kind == "count" and value >= 0 and value == value.to_integral_value())
            )
        ):
            values[name] = value
            continue
        problem = fact_problem(kind, value)
        if problem is None:
            values[name] = value
        else:
            issues.append(Issue(path=f"facts.{name}", message=problem))
    return values, issues


def lookup(
    name: str, values: Mapping[str, Value], missing: Mapping[str, Missing]
) -> Value | Missing:
    """Return a value, or why it is absent: not supplied, or not computable."""
    if name in values:
        return values[name]
    return missing.get(name) or Missing((f"facts.{name}",), f"未提供{name}")


def evaluate(
    parsed: formula.Formula,
    facts: tuple[str, ...],
    values: Mapping[str, Value],
    missing: Mapping[str, Missing],
) -> Value | Missing:
    """Evaluate a formula that reads `facts`, or say why it has no value."""
    if not parsed.names <= values.keys():
        causes = [lookup(name, values, missing) for name in sorted(parsed.names - values.keys())]
        absent = [cause for cause in causes if isinstance(cause, Missing)]
        paths = tuple(dict.fromkeys(path for cause in absent for path in cause.paths))
        return Missing(paths, "；".join(dict.fromkeys(cause.reason for cause in absent)))
    try:
        value = parsed.evaluate(values)
    except formula.DivisionByZero:
        zeros = [name for name in facts if _is_zero(values.get(name))] or facts
        return Missing(tuple(f"facts.{name}" for name in zeros), f"除数为零：{parsed.source}")
    except formula.FormulaError as error:
        return Missing(tuple(f"facts.{name}" for name in facts), f"{parsed.source}：{error}")
    if isinstance(value, Decimal) and abs(value) > MAX_VALUE:
        # Beyond this, rounding to cents would exceed the 28 digits of decimal arithmetic.
        reason = f"{parsed.source} = {value:.2E}，超出可计算范围"
        return Missing(tuple(f"facts.{name}" for name in facts), reason)
    return value


def _is_zero(value: Value | None) -> bool:
    return isinstance(value, Decimal) and not value


def show(value: Value | Missing | None, fmt: Format) -> str:
    """Print a value for the report (100.00%, 140, 是), or say why it has none."""
    if value is None:
        return NOT_SUPPLIED
    if isinstance(value, Missing):
        return NOT_COMPUTED
    if isinstance(value, bool):
        return "是" if value else "否"
    if fmt == "percent":
        return numbers.as_percent(value)
    exponent = value.as_tuple().exponent
    long = isinstance(exponent, int) and exponent < -4
    return numbers.as_number(numbers.round2(value) if long else value)
