"""A system compiled for scoring: formulas parsed once, level-3 results cached by their inputs."""

import operator
from collections.abc import Callable, Hashable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar, cast

from services.scoring import formula, grades, numbers, rules
from services.scoring import system as systems
from services.scoring.engine import values as vals
from services.scoring.engine.plan import Derivation, Group, Leaf, Slot
from services.scoring.engine.results import (
    GroupResult,
    IndicatorResult,
    Result,
    ScoringFailed,
    blame,
    group_result,
    indicator_result,
    score_rate,
)
from services.scoring.system import Issue

ZERO = Decimal(0)
CACHE_SIZE = 4_096
MEMO_SIZE = 1_024
T = TypeVar("T")
# Every field of a judgement, in a cache key; tests check that the list is complete.
JUDGEMENT_FIELDS = ("score", "option", "checkpoints", "reason", "override")
_judgement_fields = operator.attrgetter(*JUDGEMENT_FIELDS)
_AWARDS = JUDGEMENT_FIELDS.index("checkpoints")


class CompiledSystem:
    """A validated system with every formula parsed once, ready to score many evaluations."""

    def __init__(self, system: systems.IndicatorSystem) -> None:
        self.system = system
        self.scale: grades.GradeScale = system.scale()
        self.types = {fact.name: fact.type for fact in system.facts}
        self.formats: dict[str, vals.Format] = {
            fact.name: "percent" if fact.type == "rate" else "number" for fact in system.facts
        }
        self.reads: dict[str, frozenset[str]] = {}
        self.derived: list[tuple[str, formula.Formula, tuple[str, ...]]] = []
        for spec in system.derived:
            parsed = formula.parse(spec.formula)
            self.formats[spec.name] = spec.format
            self.reads[spec.name] = parsed.names.union(
                *(self.reads.get(n, ()) for n in parsed.names)
            )
            self.derived.append((spec.name, parsed, self._facts(parsed.names)))
        self.leaves: list[Leaf] = []
        self.groups: list[Group] = []
        for one in system.indicators:
            twos = []
            for two in one.children:
                start = len(self.leaves)
                self.leaves += [self._leaf(three, [one.name, two.name]) for three in two.children]
                indexes = tuple(range(start, len(self.leaves)))
                twos.append(Group(two.code, two.name, two.weight, (), indexes))
            self.groups.append(Group(one.code, one.name, one.weight, tuple(twos), ()))
        self.codes = {leaf.code for leaf in self.leaves}
        self._cache: dict[Hashable, IndicatorResult] = {}
        self._memo = _Memo(MEMO_SIZE)
        self._level2_results: dict[tuple[str, Decimal], GroupResult] = {}

    def _closure(self, names: frozenset[str]) -> tuple[str, ...]:
        """Return the names read, and all that derived values read, in declaration order."""
        found = names.union(*(self.reads.get(name, ()) for name in names))
        return tuple(name for name in self.formats if name in found)

    def _facts(self, names: frozenset[str]) -> tuple[str, ...]:
        return tuple(name for name in self._closure(names) if name in self.types)

    def _leaf(self, node: systems.Indicator, level_path: list[str]) -> Leaf:
        if node.rule is None:
            raise ValueError(f"indicator {node.code} has no rule; validate the system first")
        slots: list[Slot] = []
        shown: list[str] = []
        for key, source in rules.formulas(node.rule).items():
            parsed = formula.parse(source)
            names = self._closure(parsed.names)
            single = next(iter(parsed.names)) if len(parsed.names) == 1 else None
            if single is not None and source.strip() in (single, f"[{single}]"):
                slot = Slot(
                    key, parsed, single, single, self.formats[single], self._facts(parsed.names)
                )
            else:
                label, kind = _owner(node.rule, node.name, key)
                fmt: vals.Format = "percent" if kind == "rate" else "number"
                slot = Slot(key, parsed, None, label, fmt, self._facts(parsed.names))
            slots.append(slot)
            shown += [name for name in names if name not in shown]
        return Leaf(
            node.code, node.name, level_path, node.weight, node.rule, tuple(slots), tuple(shown)
        )

    def derive(self, facts: Mapping[str, vals.Value]) -> Derivation:
        """Check the facts and compute the derived values; a failed one is kept as missing."""
        values, issues = vals.check_facts(self.types, facts)
        missing: dict[str, vals.Missing] = {}
        for name, parsed, read in self.derived:
            value = vals.evaluate(parsed, read, values, missing)
            if isinstance(value, vals.Missing):
                missing[name] = value
            else:
                values[name] = value
        return Derivation(values, missing, issues)

    def score(
        self, facts: Mapping[str, vals.Value], judgements: Mapping[str, rules.Judgement]
    ) -> Result:
        """Score every level-3 indicator; ScoringFailed lists every fact or judgement at fault."""
        derivation = self.derive(facts)
        issues = derivation.issues + self.unknown_codes(judgements)
        # A fact refused for its type is missing to the rules; say so once, not once per rule.
        refused = {issue.path for issue in derivation.issues}
        results: list[IndicatorResult] = []
        for leaf in self.leaves:
            scored = self.score_indicator(leaf, derivation, judgements.get(leaf.code))
            if isinstance(scored, IndicatorResult):
                results.append(scored)
            else:
                issues += [issue for issue in scored if issue.path not in refused]
        if issues:
            raise ScoringFailed(issues)
        return self._result(results)

    def unknown_codes(self, judgements: Mapping[str, rules.Judgement]) -> list[Issue]:
        """Return an issue for each judgement that names no level-3 indicator."""
        message = "no level-3 indicator has this code"
        return [
            Issue(path=f"judgements.{c}", message=message)
            for c in judgements
            if c not in self.codes
        ]

    def score_indicator(
        self, leaf: Leaf, derivation: Derivation, judgement: rules.Judgement | None
    ) -> IndicatorResult | list[Issue]:
        """Score one level-3 indicator, or return what keeps it from being scored."""
        values, missing = derivation.values, derivation.missing
        key = (leaf.code, tuple(map(values.get, leaf.shown)), _judgement_key(judgement))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        shown = derivation.printed
        for name in leaf.shown:
            if name not in shown:
                shown[name] = vals.show(values.get(name, missing.get(name)), self.formats[name])
        printed = {name: shown[name] for name in leaf.shown}
        inputs: dict[str, rules.Input] = {}
        causes: dict[str, vals.Missing] = {}
        for slot in leaf.slots:
            if slot.name is None:
                value = vals.evaluate(slot.formula, slot.facts, values, missing)
                printed[slot.label] = vals.show(value, slot.format)
            else:
                value = vals.lookup(slot.name, values, missing)
            if isinstance(value, vals.Missing):
                causes[slot.key] = value
                inputs[slot.key] = rules.Input(None, slot.label, slot.format)
            else:
                inputs[slot.key] = rules.Input(value, slot.label, slot.format)
        try:
            outcome = rules.score(leaf.rule, leaf.weight, inputs, judgement)
        except rules.RuleInputError as error:
            return blame(leaf, error, causes.get(error.field))
        result = indicator_result(
            leaf, printed, outcome, None if judgement is None else judgement.override
        )
        if isinstance(result, IndicatorResult):
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = result
        return result

    def _result(self, scored: list[IndicatorResult]) -> Result:
        """Add the rounded level-3 scores up the tree and grade the total once complete."""
        # Parts identical to an earlier call's (cached level-3 results) give the same sums:
        # the memo reuses the Result, and the groups, built from them.
        return self._memo.get("", scored, partial(self._tree, scored))

    def _tree(self, scored: list[IndicatorResult]) -> Result:
        groups = []
        for one in self.groups:
            twos = [self._level2(two, scored) for two in one.children]
            score = sum([two.score for two in twos], ZERO)
            groups.append(
                self._memo.get(one.code, twos, partial(group_result, one, score, twos, []))
            )
        return self._total(groups, scored)

    def _level2(self, two: Group, scored: list[IndicatorResult]) -> GroupResult:
        # A level-2 result holds its score and fixed fields only, so equal scores share one.
        score = sum([scored[i].final_score or ZERO for i in two.leaves], ZERO)
        key = (two.code, score)
        found = self._level2_results.get(key)
        if found is None:
            if len(self._level2_results) >= MEMO_SIZE:
                self._level2_results.clear()
            codes = [self.leaves[i].code for i in two.leaves]
            found = self._level2_results[key] = group_result(two, score, [], codes)
        return found

    def _total(self, groups: list[GroupResult], scored: list[IndicatorResult]) -> Result:
        total = sum([group.score for group in groups], ZERO)
        pending = [result.code for result in scored if result.pending]
        weight = self.system.total_weight
        grade = None if pending else grades.grade_for(self.scale, total * numbers.HUNDRED / weight)
        return Result(
            system_name=self.system.name,
            total_weight=weight,
            total=total,
            score_rate=score_rate(total, weight),
            grade=grade,
            complete=not pending,
            groups=groups,
            indicators=scored,
            pending=pending,
        )


class _Memo:
    """Reuse what was built from the very same parts (compared by identity, kept alive here)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.built: dict[tuple[object, ...], tuple[list[Any], Any]] = {}

    def get(self, tag: str, parts: list[Any], build: Callable[[], T]) -> T:
        """Return what `build` made from these parts before, or build it now."""
        key = (tag, *map(id, parts))
        hit = self.built.get(key)
        if hit is not None and all(map(operator.is_, hit[0], parts)):
            return cast(T, hit[1])
        if len(self.built) >= self.size:
            self.built.clear()
        value = build()
        self.built[key] = (parts, value)
        return value


def _owner(rule: rules.Rule, name: str, key: str) -> tuple[str, str]:
    """Return the label and rule kind of the rule, or composite part, that reads slot `key`."""
    if isinstance(rule, rules.CompositeRule):
        part = rule.parts[int(key.split(".")[1])]
        return part.label, part.rule.kind
    return name + {"current": "（本年度）", "last_year": "（上年度）"}.get(key, ""), rule.kind


def _judgement_key(judgement: rules.Judgement | None) -> Hashable:
    """Return a judgement's fields as a hashable tuple, its checkpoints dict as pairs."""
    if judgement is None:
        return None
    key = _judgement_fields(judgement)
    if judgement.checkpoints is None:
        return key
    return (*key[:_AWARDS], tuple(judgement.checkpoints.items()), *key[_AWARDS + 1 :])
