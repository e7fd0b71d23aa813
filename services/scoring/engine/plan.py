"""The compiled shape of a system: level-3 leaves with the formulas they read, and groups."""

from dataclasses import dataclass, field
from decimal import Decimal

from services.scoring import formula, rules
from services.scoring.engine import values as vals
from services.scoring.system import Issue


@dataclass(frozen=True, slots=True)
class Slot:
    """A formula a rule reads, with the label and format its value is shown with."""

    key: str
    formula: formula.Formula
    name: str | None  # the name read, when the formula is a single name
    label: str
    format: vals.Format
    facts: tuple[str, ...]  # every fact it reads, through derived values too


@dataclass(frozen=True, slots=True)
class Leaf:
    """A level-3 indicator ready to score."""

    code: str
    name: str
    level_path: list[str]
    weight: Decimal
    rule: rules.Rule
    slots: tuple[Slot, ...]
    shown: tuple[str, ...]  # the facts and derived values listed in the result's inputs


@dataclass(frozen=True, slots=True)
class Group:
    """A level-1 or level-2 indicator: its level-2 children, or its level-3 leaf indexes."""

    code: str
    name: str
    weight: Decimal
    children: tuple["Group", ...]
    leaves: tuple[int, ...]


@dataclass(slots=True)
class Derivation:
    """The facts and derived values of one evaluation, why some are missing, and fact issues."""

    values: dict[str, vals.Value]
    missing: dict[str, vals.Missing]
    issues: list[Issue] = field(default_factory=list)
    printed: dict[str, str] = field(default_factory=dict)  # filled as indicators print them
