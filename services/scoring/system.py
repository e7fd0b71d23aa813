"""Indicator systems (指标体系) as data: the models, and every reason one cannot be scored."""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    field_validator,
)

from services.kit.texts import Printable
from services.scoring import formula, grades, rules

MAX_INDICATORS = 500
MAX_FACTS = 500
MAX_TEXT = 10_000
MAX_FORMULA = 1_000
LEVELS = 3


def _plain(value: Decimal) -> Decimal:
    """Drop the exponent so that 1E+1 is kept, and printed, as 10."""
    return Decimal(format(value, "f"))


Points = Annotated[Decimal, Field(ge=0, le=1000, decimal_places=4), AfterValidator(_plain)]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Printable
]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), Printable
]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT), Printable]
Source = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_FORMULA), Printable
]
FactType = Literal["amount", "count", "number", "rate", "boolean"]
# The funds table of a report (BRIEF §7): 年初预算, 调整预算, 实际到位资金, 实际支出.
FactRole = Literal["budget", "adjusted_budget", "arrived", "spent"]
PresetName = Literal["four_band", "five_band", "four_band_excellent"]


class SystemModel(BaseModel):
    """Base of the system models: unknown fields refused, immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FactSpec(SystemModel):
    """A fact the evaluator supplies: 预算资金 (amount, 万元), 较大以上安全事故发生数 (count)…"""

    name: Name
    type: FactType
    unit: Name | None = None
    description: Text | None = None
    role: FactRole | None = Field(
        default=None, description="What the fact is in the report's funds table, if anything"
    )


class Derived(SystemModel):
    """A value computed from facts and earlier derived values, such as 资金到位率."""

    name: Name
    formula: Source
    format: Literal["percent", "number"] = "number"


class Indicator(SystemModel):
    """A node of the tree: level 1 and 2 have children, level 3 has a rule."""

    code: Code
    name: Name
    weight: Points
    explanation: Text = ""
    standard: Text = ""
    evidence: Text = ""
    rule: rules.Rule | None = None
    children: Annotated[list["Indicator"], Field(max_length=MAX_INDICATORS)] = []


def _scale_tag(value: Any) -> str:
    return "preset" if isinstance(value, str) else "scale"


ScaleRef = Annotated[
    Annotated[PresetName, Tag("preset")] | Annotated[grades.GradeScale, Tag("scale")],
    Discriminator(_scale_tag),
]


class IndicatorSystem(SystemModel):
    """A three-level indicator system with its facts, derived values and grade scale."""

    name: Name
    total_weight: Annotated[Points, Field(gt=0)] = Decimal(100)
    grade_scale: ScaleRef = "four_band"
    facts: Annotated[list[FactSpec], Field(max_length=MAX_FACTS)] = []
    derived: Annotated[list[Derived], Field(max_length=MAX_FACTS)] = []
    indicators: Annotated[list[Indicator], Field(min_length=1, max_length=MAX_INDICATORS)]

    @field_validator("indicators")
    @classmethod
    def _at_most_500_indicators(cls, indicators: list[Indicator]) -> list[Indicator]:
        count = sum(1 for _ in walk(indicators))
        if count > MAX_INDICATORS:
            raise ValueError(f"at most {MAX_INDICATORS} indicators; this system has {count}")
        return indicators

    def scale(self) -> grades.GradeScale:
        """Return the grade scale, resolving a preset name."""
        if isinstance(self.grade_scale, str):
            return grades.preset(self.grade_scale)
        return self.grade_scale


class Issue(BaseModel):
    """One reason a system or an evaluation is refused, at a JSON path into the request."""

    model_config = ConfigDict(frozen=True)

    path: str
    message: str


class InvalidSystem(ValueError):
    """The system cannot be scored; `issues` lists every reason."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(
            f"{len(issues)} issue(s): " + "; ".join(f"{i.path}: {i.message}" for i in issues)
        )
        self.issues = issues


def walk(
    nodes: Sequence[Indicator], path: str = "indicators", level: int = 1
) -> Iterator[tuple[str, int, Indicator]]:
    """Yield (path, level, node) for every node of the tree, depth first in order."""
    for index, node in enumerate(nodes):
        node_path = f"{path}[{index}]"
        yield node_path, level, node
        yield from walk(node.children, f"{node_path}.children", level + 1)


def join(path: str, relative: str) -> str:
    """Append a dotted relative path (`value`, `parts.0.points`, empty) to a JSON path."""
    for part in relative.split(".") if relative else ():
        path += f"[{part}]" if part.isdigit() else f".{part}"
    return path


def parse_system(data: object) -> IndicatorSystem:
    """Validate raw JSON data into a system; InvalidSystem lists every problem found."""
    try:
        system = IndicatorSystem.model_validate(data)
    except ValidationError as error:
        raise InvalidSystem(issues_from_validation_error(error, data)) from None
    issues = validate_system(system)
    if issues:
        raise InvalidSystem(issues)
    return system


def issues_from_validation_error(error: ValidationError, data: object = None) -> list[Issue]:
    """Turn pydantic's errors into Issues, with JSON paths into `data` when it is given."""
    return issues_from_errors(error.errors(include_url=False), data)


def issues_from_errors(errors: Iterable[Mapping[str, Any]], data: object = None) -> list[Issue]:
    """Turn pydantic error dicts (`loc`, `msg`) into Issues; union tags are dropped from paths."""
    return [
        Issue(path=_json_path(e["loc"], data, e["type"] == "missing"), message=e["msg"])
        for e in errors
    ]


def _json_path(loc: Sequence[str | int], data: object, missing: bool) -> str:
    # A discriminated union puts its tag (`rate`, `preset`…) in `loc`. A walk through the data
    # tells tags from keys: a tag is the value of the node's discriminator (`"kind": "target"`,
    # even where a key has the same name) or names no key at all. The one key that is not in
    # the data either is the last one of a `missing` error: the required field.
    path, node, tagged = "", data, None
    for index, part in enumerate(loc):
        if isinstance(node, Mapping) and node is not tagged:
            if part in (node.get("kind"), node.get("outcome")):
                tagged = node
                continue
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif data is not None and not (missing and index == len(loc) - 1):
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


class _Found(list[Issue]):
    """The issues found so far."""

    def add(self, path: str, message: str) -> None:
        self.append(Issue(path=path, message=message))


def validate_system(system: IndicatorSystem) -> list[Issue]:
    """Return every problem of a parsed system (empty when it can be scored)."""
    found = _Found()
    names = _check_values(system, found)
    _check_tree(system, names, found)
    return list(found)


def _check_values(system: IndicatorSystem, found: _Found) -> set[str]:
    """Check fact and derived names and formulas; return every name a formula may use."""
    known: dict[str, str] = {}
    for index, fact in enumerate(system.facts):
        _check_name(fact.name, f"facts[{index}].name", known, found)
    order = {derived.name: index for index, derived in enumerate(system.derived)}
    reads: dict[str, frozenset[str]] = {}
    for index, derived in enumerate(system.derived):
        path = f"derived[{index}]"
        parsed = _parse(derived.formula, f"{path}.formula", found)
        if parsed is not None:
            reads[derived.name] = parsed.names
            for name in sorted(parsed.names - known.keys()):
                if name == derived.name:
                    found.add(f"{path}.formula", f"{name!r} refers to itself")
                elif name not in order:
                    found.add(f"{path}.formula", f"unknown name {name!r}")
        _check_name(derived.name, f"{path}.name", known, found)
    for index, derived in enumerate(system.derived):
        for name in sorted(reads.get(derived.name, frozenset())):
            if name != derived.name and order.get(name, -1) > index:
                found.add(f"derived[{index}].formula", _later(derived.name, name, reads))
    return set(known)


def _later(name: str, later: str, reads: Mapping[str, frozenset[str]]) -> str:
    """Explain a reference to a later derived value, naming the cycle when there is one."""
    cycle = _cycle_back(later, name, reads, [name, later])
    if cycle:
        return "derived values form a cycle: " + " → ".join(cycle)
    return f"{later!r} is derived later; derived values may use only facts and earlier ones"


def _cycle_back(
    current: str, target: str, reads: Mapping[str, frozenset[str]], trail: list[str]
) -> list[str]:
    for name in sorted(reads.get(current, frozenset())):
        if name == target:
            return [*trail, target]
        if name in reads and name not in trail:
            cycle = _cycle_back(name, target, reads, [*trail, name])
            if cycle:
                return cycle
    return []


def _check_name(name: str, path: str, known: dict[str, str], found: _Found) -> None:
    if name in known:
        found.add(path, f"{name!r} is already declared at {known[name]}")
        return
    known[name] = path
    try:  # every name can be written in brackets: [避免经济损失（万元）], [max]
        usable = formula.parse(f"[{name}]").names == frozenset({name})
    except formula.FormulaError:
        usable = False
    if not usable:
        found.add(path, f"{name!r} cannot be used as a name in formulas, even as [{name}]")


def _parse(source: str, path: str, found: _Found) -> formula.Formula | None:
    try:
        return formula.parse(source)
    except formula.FormulaError as error:
        found.add(path, f"{error.message} (at character {error.position})")
        return None


def _check_tree(system: IndicatorSystem, names: set[str], found: _Found) -> None:
    codes: dict[str, str] = {}
    for path, level, node in walk(system.indicators):
        if node.code in codes:
            found.add(f"{path}.code", f"code {node.code!r} is already used at {codes[node.code]}")
        codes.setdefault(node.code, path)
        if level < LEVELS:
            _check_parent(path, level, node, found)
        elif level == LEVELS:
            _check_leaf(path, node, names, found)
    level1 = sum((node.weight for node in system.indicators), Decimal(0))
    if level1 != system.total_weight:
        message = f"level-1 weights sum to {level1}, not to the total weight {system.total_weight}"
        found.add("total_weight", message)


def _check_parent(path: str, level: int, node: Indicator, found: _Found) -> None:
    if node.rule is not None:
        found.add(f"{path}.rule", f"a level-{level} indicator has children, not a rule")
    if not node.children:
        found.add(f"{path}.children", f"a level-{level} indicator needs children")
        return
    total = sum((child.weight for child in node.children), Decimal(0))
    if total != node.weight:
        found.add(
            f"{path}.weight", f"weight {node.weight} is not the sum of its children's, {total}"
        )


def _check_leaf(path: str, node: Indicator, names: set[str], found: _Found) -> None:
    if node.children:
        found.add(f"{path}.children", "a level-3 indicator has a rule, not children")
    if node.rule is None:
        found.add(f"{path}.rule", "a level-3 indicator needs a rule")
        return
    for relative, message in rules.check(node.rule, node.weight):
        found.add(join(f"{path}.rule", relative), message)
    for slot, source in rules.formulas(node.rule).items():
        slot_path = join(f"{path}.rule", slot)
        parsed = _parse(source, slot_path, found)
        for name in sorted(parsed.names - names) if parsed is not None else ():
            found.add(slot_path, f"unknown name {name!r}")
