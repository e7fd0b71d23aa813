"""A system compiled for scoring: formulas parsed once, level-3 results cached by their inputs."""

import operator
from collections.abc import Hashable, Mapping
from decimal import Decimal
from typing import TypeVar

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
        self._walk = [(leaf, leaf.code, leaf.shown) for leaf in self.leaves]
        # Level-2 leaves are consecutive: a level-2 score is the sum of a slice of level-3 scores.
        self._plan = [
            (one, [(two, two.leaves[0], two.leaves[-1] + 1) for two in one.children])
            for one in self.groups
        ]
        # Level-3 results by their code and inputs (the values they show, the judgement).
        self._cache: dict[Hashable, IndicatorResult] = {}
        self._derivations: list[dict[tuple[vals.Value | None, ...], vals.Value | vals.Missing]] = [
            {} for _ in self.derived
        ]
        # Built results by what they depend on: level-3 results (by identity), scores, totals.
        self._results: dict[tuple[int, ...], tuple[list[IndicatorResult], Result]] = {}
        self._level1: dict[tuple[str, tuple[Decimal, ...]], GroupResult] = {}
        self._level2: dict[tuple[str, Decimal], GroupResult] = {}
        self._grades: dict[Decimal, str] = {}

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
        for (name, parsed, read), known in zip(self.derived, self._derivations, strict=True):
            # A derived value depends on the facts it reads, through other derived values too.
            key = tuple(map(values.get, read))
            value = known.get(key)
            if value is None:
                value = vals.evaluate(parsed, read, values, missing)
                _remember(known, key, value)
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
        issues = derivation.issues
        if not judgements.keys() <= self.codes:
            issues = issues + self.unknown_codes(judgements)
        results: list[IndicatorResult] = []
        failed: list[Issue] = []
        value, judged, cached = derivation.values.get, judgements.get, self._cache.get
        for leaf, code, shown in self._walk:
            # The cache lookup of score_indicator, inlined: most indicators are found here.
            judgement = judged(code)
            judged_key = None if judgement is None else _judgement_key(judgement)
            key = (code, tuple(map(value, shown)), judged_key)
            scored = cached(key) or self._score_leaf(leaf, derivation, judgement, key)
            if isinstance(scored, IndicatorResult):
                results.append(scored)
            else:
                failed += scored
        if failed:
            # A fact refused for its type is missing to the rules; say so once, not per rule.
            refused = {issue.path for issue in derivation.issues}
            issues = issues + [issue for issue in failed if issue.path not in refused]
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
        key = (leaf.code, tuple(map(derivation.values.get, leaf.shown)), _judgement_key(judgement))
        return self._cache.get(key) or self._score_leaf(leaf, derivation, judgement, key)

    def _score_leaf(
        self,
        leaf: Leaf,
        derivation: Derivation,
        judgement: rules.Judgement | None,
        key: Hashable,
    ) -> IndicatorResult | list[Issue]:
        """Score a level-3 indicator not found in its cache, and keep the result there."""
        values, missing = derivation.values, derivation.missing
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
            _remember(self._cache, key, result, CACHE_SIZE)
        return result

    def _result(self, scored: list[IndicatorResult]) -> Result:
        """Add the rounded level-3 scores up the tree and grade the total once complete."""
        # The very same level-3 results as an earlier call (all cached) give the same Result.
        key = tuple(map(id, scored))
        hit = self._results.get(key)
        if hit is not None and all(map(operator.is_, hit[0], scored)):
            return hit[1]
        finals = [result.final_score or ZERO for result in scored]
        groups = [self._group(one, twos, finals) for one, twos in self._plan]
        total = sum([group.score for group in groups], ZERO)
        pending = [result.code for result in scored if result.pending]
        weight = self.system.total_weight
        # Built from the engine's own validated parts: validating them again costs half again.
        result = Result.model_construct(
            system_name=self.system.name,
            total_weight=weight,
            total=total,
            score_rate=score_rate(total, weight),
            grade=None if pending else self._grade(total),
            complete=not pending,
            groups=groups,
            indicators=scored,
            pending=pending,
        )
        _remember(self._results, key, (scored, result))
        return result

    def _group(
        self, one: Group, twos: list[tuple[Group, int, int]], finals: list[Decimal]
    ) -> GroupResult:
        """Return a level-1 result; it holds only scores and fixed fields: equal sums share one."""
        sums = tuple([sum(finals[start:end], ZERO) for _, start, end in twos])
        found = self._level1.get((one.code, sums))
        if found is None:
            children = [
                self._child(two, score) for (two, _, _), score in zip(twos, sums, strict=True)
            ]
            found = group_result(one, sum(sums, ZERO), children, [])
            _remember(self._level1, (one.code, sums), found)
        return found

    def _child(self, two: Group, score: Decimal) -> GroupResult:
        found = self._level2.get((two.code, score))
        if found is None:
            codes = [self.leaves[i].code for i in two.leaves]
            found = group_result(two, score, [], codes)
            _remember(self._level2, (two.code, score), found)
        return found

    def _grade(self, total: Decimal) -> str:
        grade = self._grades.get(total)
        if grade is None:
            grade = grades.grade_for(self.scale, total * numbers.HUNDRED / self.system.total_weight)
            _remember(self._grades, total, grade)
        return grade


K = TypeVar("K")
V = TypeVar("V")


def _remember(cache: dict[K, V], key: K, value: V, size: int = MEMO_SIZE) -> None:
    """Keep a built value, emptying the cache first when it is full (bounded memory)."""
    if len(cache) >= size:
        cache.clear()
    cache[key] = value


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
    key: tuple[object, ...] = _judgement_fields(judgement)
    if judgement.checkpoints is None:
        return key
    return (*key[:_AWARDS], tuple(judgement.checkpoints.items()), *key[_AWARDS + 1 :])
