"""Recognise 评分标准 texts as rules with parameters, and the facts and formulas they read.

Forms: 得分=X率×N分 (rate); X≥T得N分，否则按实际完成比例 (target); X≥T得N分，否则不得分
(pass/fail); 每下降/每超出…扣…分 with 不足…按…计算, 扣完为止, 低于…不得分 (step, overrun);
X>T得A分；X=T得B分；否则不得分 (tiers); 与上年相比…每增加…扣…每下降…增加 (change);
then the judged forms of `checkpoints`. Anything else is left to the evaluator.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from services.scoring.excel import checkpoints, wording
from services.scoring.system import FactType

_N = wording.NUMBER
_X = r"(?P<x>[^\d≥≤<>=,;:()%]+?)"
_HEAD = re.compile(
    rf"^{_X}(?P<op>≥|≤|>|<|=|达到|达|为|不低于|不少于|不高于|不超过)?(?P<t>{_N})(?P<pct>%)?"
    rf"(?P<unit>[^\d,;得计%()]{{0,4}}?)(?P<more>及以上|以上|及以下|以下)?(?:的)?,?"
    rf"(?:得|计)(?P<n>{_N}|满)分"
)
_PRO_RATA = re.compile(
    r",?否则按(?:实际)?完成(?:值占指标值的)?(?:比例|程度|情况)?(?:进行)?(?:评分|计分|得分|计算)?"
)
_NOTHING = re.compile(r",?(?:否则|未达到的?)(?:不得分|得0分)")
_STEP = re.compile(
    rf",?每(?P<dir>下降|降低|减少|低于|少|超出|超过|增加|高于|多|上升|提高)(?P<s>{_N})"
    rf"(?P<spct>%|个百分点)?[^\d,扣]{{0,3}}?,?扣(?:减)?(?P<p>{_N})分(?P<rest>.*)"
)
_WHOLE = re.compile(
    rf"\(?不足(?P<a>{_N})(?:%|个百分点)?(?:的)?按(?P<b>{_N})(?:%|个百分点)?计(?:算)?\)?"
)
_FLOOR = re.compile(r"扣完为止|最低(?:为)?0分")
_CUTOFF = re.compile(
    rf"(?P<side>低于|高于|超过|超出)(?P<z>{_N})(?P<zpct>%)?(?:的)?(?:不得分|得0分)"
)
_CHANGE = re.compile(
    rf"^{_X}与上年(?:度)?(?:相比|比较),?(?:起数|数量|人数)?(?:相同|持平|不变),?(?:计|得)(?P<base>{_N})分,"
    rf"每(?P<d1>增加|上升|下降|减少)(?P<s1>{_N})%,?(?P<a1>扣|增加|加)(?P<p1>{_N})分,"
    rf"每(?P<d2>增加|上升|下降|减少)(?P<s2>{_N})%,?(?P<a2>扣|增加|加)(?P<p2>{_N})分,"
    rf"最高(?:为)?(?P<max>{_N})分,最低(?:为)?(?P<min>{_N})分$"
)
_RATE = re.compile(rf"^得分=(?:(?P<x>[^\d*]+)\*(?P<n>{_N})分?|(?P<m>{_N})分?\*(?P<y>[^\d*]+))$")
_OTHERWISE = re.compile(rf"^(?:否则|其他|其余)(?:不得分|得(?P<o>{_N})分)$")
_SHORTFALL = ("下降", "降低", "减少", "低于", "少")
_OPS = {"≥": ">=", "≤": "<=", ">": ">", "<": "<", "=": "==", "为": "=="}


@dataclass(frozen=True)
class Recognised:
    """A standard read as a rule, with the facts and derived rates the rule reads."""

    rule: dict[str, Any]
    form: str
    facts: dict[str, FactType] = field(default_factory=dict)
    derived: dict[str, tuple[str, str]] = field(default_factory=dict)  # name: (formula, format)
    notes: tuple[str, ...] = ()


@dataclass
class _Reading:
    """What one indicator's standard defines and reads while it is being recognised."""

    name: str
    weight: Decimal
    known: Mapping[str, str]
    defs: wording.Definitions
    facts: dict[str, FactType] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def value(self, subject: str, percent: bool, unit: str = "") -> str:
        """Name the value a clause is about: a defined rate, else a fact."""
        subject = wording.unnumbered(subject)
        if subject in self.defs.formulas or subject in self.known:
            return subject
        if len(self.defs.formulas) == 1:
            defined = next(iter(self.defs.formulas))
            self.notes.append(f"“{subject}”按本指标定义的“{defined}”计算")
            return defined
        if subject in self.name:
            subject = self.name
        self.facts.setdefault(subject, wording.fact_type(subject, percent, unit))
        return subject

    def done(self, rule: dict[str, Any], form: str) -> Recognised:
        """Return the rule with every fact its formulas read."""
        derived = {
            n: (f, "percent" if self.defs.percent[n] else "number")
            for n, f in self.defs.formulas.items()
        }
        for read in self.defs.reads.values():
            for name in read:
                if name not in self.defs.formulas and name not in self.known:
                    self.facts.setdefault(name, wording.fact_type(name))
        return Recognised(rule, form, dict(self.facts), derived, tuple(self.notes))


def recognise(
    name: str, weight: Decimal, standard: str, explanation: str, known: Mapping[str, str]
) -> Recognised | str:
    """Read a standard as a rule; `known` holds rates defined by earlier indicators."""
    text, explained = wording.plain_text(standard), wording.plain_text(explanation)
    defs = wording.definitions(text, name, explained)
    for source, clauses in (
        ("", defs.rest),
        ("（评分标准取自指标解释）", wording.parts(explained)),
    ):
        reading = _Reading(name, weight, known, defs)
        found = _quantitative(reading, clauses)
        if found is not None:
            return Recognised(
                found.rule, found.form + source, found.facts, found.derived, found.notes
            )
    judged = checkpoints.recognise(standard, weight)
    if isinstance(judged, str):
        return judged
    return Recognised(judged.rule, judged.form, notes=judged.notes)


def _quantitative(reading: _Reading, clauses: list[str]) -> Recognised | None:
    if not clauses:
        return None
    if len(clauses) == 1:
        for form in (_rate, _single, _change):
            found = form(reading, clauses[0])
            if found is not None:
                return found
        return None
    return _tiers(reading, clauses) or _composite(reading, clauses)


def _rate(reading: _Reading, clause: str) -> Recognised | None:
    match = _RATE.match(clause)
    if match is None:
        return None
    subject, points = (match["x"], match["n"]) if match["x"] else (match["y"], match["m"])
    if wording.points(points) != reading.weight:
        return None
    value = reading.value(subject, percent=True)
    return reading.done({"kind": "rate", "value": value}, "得分=比率×分值（rate）")


def _single(reading: _Reading, clause: str) -> Recognised | None:
    head = _HEAD.match(clause)
    if head is None or not _full(reading, head["n"]):
        return None
    rest, percent = clause[head.end() :], bool(head["pct"])
    op = _op(head["op"], head["more"])
    threshold = str(wording.fraction(head["t"], percent))
    if _PRO_RATA.fullmatch(rest) and op in (">=", "<=", "=="):
        value = reading.value(head["x"], percent, head["unit"])
        rule = {"kind": "target", "value": value, "direction": op, "target": threshold}
        return reading.done(rule, "达到目标得满分，否则按完成比例（target）")
    if _NOTHING.fullmatch(rest):
        value = reading.value(head["x"], percent, head["unit"])
        rule = {"kind": "pass_fail", "condition": f"{_bracket(value)} {op} {threshold}"}
        return reading.done(rule, "达到得满分，否则不得分（pass_fail）")
    step = _STEP.fullmatch(rest)
    return None if step is None else _step(reading, head, step, op)


def _step(
    reading: _Reading, head: re.Match[str], step: re.Match[str], op: str
) -> Recognised | None:
    shortfall = step["dir"] in _SHORTFALL
    if op != (">=" if shortfall else "<="):
        return None
    percent = bool(head["pct"])
    size = wording.fraction(step["s"], percent or bool(step["spct"]))
    rule: dict[str, Any] = {
        "kind": "step" if shortfall else "overrun",
        "value": "",
        "full_at": str(wording.fraction(head["t"], percent)),
        "step": str(size),
        "points_per_step": str(wording.points(step["p"])),
        "partial_step": "pro_rata",
    }
    if shortfall:
        rule = {**rule, "direction": ">="}
    rest = step["rest"]
    whole = _WHOLE.search(rest)
    if whole is not None:
        rule["partial_step"] = "whole"
        rest = rest.replace(whole[0], "", 1)
    cutoff = _CUTOFF.search(rest)
    if cutoff is not None:
        if (cutoff["side"] == "低于") != shortfall:
            return None
        rule["zero_beyond"] = str(wording.fraction(cutoff["z"], bool(cutoff["zpct"]) or percent))
        rest = rest.replace(cutoff[0], "", 1)
    if _FLOOR.sub("", rest).strip(",()"):
        return None
    rule["value"] = reading.value(head["x"], percent, head["unit"])
    if not whole:
        reading.notes.append("未写“不足…按…计算”，不足一档的部分按比例扣分（pro_rata）")
    form = "每下降一档扣分（step）" if shortfall else "每超出一档扣分（overrun）"
    return reading.done(rule, form)


def _tiers(reading: _Reading, clauses: list[str]) -> Recognised | None:
    *heads, last = clauses
    otherwise = _OTHERWISE.match(last)
    if otherwise is None:
        heads, otherwise_points = clauses, Decimal(0)
    else:
        otherwise_points = wording.points(otherwise["o"]) if otherwise["o"] else Decimal(0)
    tiers: list[dict[str, str]] = []
    subjects = set()
    percent = False
    for clause in heads:
        head = _HEAD.match(clause)
        if head is None or head.end() != len(clause):
            return None
        n = reading.weight if head["n"] == "满" else wording.points(head["n"])
        subjects.add(head["x"])
        percent = percent or bool(head["pct"])
        op = _op(head["op"], head["more"])
        threshold = str(wording.fraction(head["t"], bool(head["pct"])))
        tiers.append({"op": op, "than": threshold, "points": str(n)})
    if len(subjects) != 1 or max(Decimal(t["points"]) for t in tiers) != reading.weight:
        return None
    value = reading.value(subjects.pop(), percent)
    rule = {"kind": "tiers", "value": value, "tiers": tiers, "otherwise": str(otherwise_points)}
    return reading.done(rule, "分档计分（tiers）")


def _change_rule(reading: _Reading, clause: str) -> tuple[str, Decimal, dict[str, Any]] | None:
    match = _CHANGE.match(wording.unnumbered(clause))
    if (
        match is None
        or match["s1"] != match["s2"]
        or {match["d1"], match["d2"]} & {"增加", "上升"} == set()
    ):
        return None
    rising = match["d1"] in ("增加", "上升")
    up, down = (match["a1"], match["p1"]), (match["a2"], match["p2"])
    up, down = (up, down) if rising else (down, up)
    if (up[0] == "扣") == (down[0] == "扣"):
        return None
    better = "lower" if up[0] == "扣" else "higher"
    malus, bonus = (up[1], down[1]) if better == "lower" else (down[1], up[1])
    subject = match["x"]
    for year in ("本年度", "上年度"):
        reading.facts.setdefault(year + subject, wording.fact_type(subject))
    top = wording.points(match["max"])
    rule = {
        "kind": "change",
        "current": f"本年度{subject}",
        "last_year": f"上年度{subject}",
        "better": better,
        "base_points": str(wording.points(match["base"])),
        "step": str(wording.fraction(match["s1"], True)),
        "malus_per_step": str(wording.points(malus)),
        "bonus_per_step": str(wording.points(bonus)),
        "max": str(top),
        "min": str(wording.points(match["min"])),
        "partial_step": "pro_rata",
    }
    label = clause[0] + subject if clause[:1] in wording.CIRCLED else subject
    return label, top, rule


_CHANGE_NOTES = (
    "未写“不足…按…计算”，不足一档的部分按比例计分（pro_rata）",
    "未写上年为0时如何计分：上年为0、本年不为0时评分将报错，须补充规则",
)


def _change(reading: _Reading, clause: str) -> Recognised | None:
    found = _change_rule(reading, clause)
    if found is None or found[1] != reading.weight:
        return None
    reading.notes += _CHANGE_NOTES
    return reading.done(found[2], "与上年相比增减计分（change）")


def _composite(reading: _Reading, clauses: list[str]) -> Recognised | None:
    parts = [_change_rule(reading, clause) for clause in clauses]
    if any(part is None for part in parts):
        return None
    found = [part for part in parts if part is not None]
    if sum((points for _, points, _ in found), Decimal(0)) != reading.weight:
        return None
    reading.notes += _CHANGE_NOTES
    rule = {
        "kind": "composite",
        "parts": [{"label": label, "points": str(points), "rule": r} for label, points, r in found],
    }
    return reading.done(rule, "分项与上年相比增减计分（composite of change）")


def _full(reading: _Reading, points: str) -> bool:
    return points == "满" or wording.points(points) == reading.weight


def _op(op: str | None, more: str | None) -> str:
    if op in _OPS:
        return _OPS[op]
    if op in ("不高于", "不超过") or (more or "").endswith("以下"):
        return "<="
    return ">="


def _bracket(name: str) -> str:
    return name if name.isidentifier() else f"[{name}]"
