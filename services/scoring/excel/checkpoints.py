"""Judged standards: 评分要点 ①…(0.5分) checkpoints, 计0—N分 ranges, 计N分/扣N分 options.

Clause texts are cut from the standard as written (full-width or half-width punctuation kept),
between one points marker and the next, without the circled number and the points.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.scoring.excel import wording

_N = wording.NUMBER
_MARK = re.compile(
    rf"(?P<open>[(（])?\s*(?:(?P<verb>计|得|扣)\s*)?"
    rf"(?:(?P<low>(?<![\d.])0)\s*[—–\-－~～至]\s*)?(?P<n>{_N})\s*分(?(open)\s*[)）])"
)
_SEPARATORS = " \t\r\n，,；;。、：:"
_LEAD = re.compile(r"^(?:[①-⑳]|\d+[.、．]|[(（]\d+[)）])")
_PREFIX = re.compile(r"^\s*(?:评分要点|评分标准|计分标准)\s*[:：]\s*")


@dataclass(frozen=True)
class Marker:
    """Points written in a standard: (0.5分), 计1分, 计0—2分, 扣0.5分, and the clause before."""

    text: str
    verb: str | None
    ranged: bool
    points: Decimal


@dataclass(frozen=True)
class Judged:
    """A judged rule read from the standard, and how it was read."""

    rule: dict[str, Any]
    form: str
    notes: tuple[str, ...] = ()


def markers(standard: str) -> tuple[list[Marker], str]:
    """Return the standard's points markers with their clauses, and the text after the last."""
    first_circled = min((standard.find(c) for c in wording.CIRCLED if c in standard), default=-1)
    found: list[Marker] = []
    start = 0
    for match in _MARK.finditer(standard):
        if not (match["open"] or match["verb"] or match["low"]):
            continue  # "最高5分" is a bound, not points to award
        clause = standard[start : match.start()]
        if not found:
            clause = (
                standard[first_circled : match.start()]
                if 0 <= first_circled < match.start()
                else _PREFIX.sub("", clause)
            )
        found.append(
            Marker(_clean(clause), match["verb"], bool(match["low"]), wording.points(match["n"]))
        )
        start = match.end()
    return found, standard[start:].strip(_SEPARATORS)


def _clean(clause: str) -> str:
    clause = clause.strip(_SEPARATORS)
    while _LEAD.match(clause):
        clause = _LEAD.sub("", clause, count=1).strip(_SEPARATORS)
    return clause


def recognise(standard: str, weight: Decimal) -> Judged | str:
    """Read a judged standard, or say why it cannot be read."""
    found, tail = markers(standard)
    notes = (f"最后一项分值之后的文字未计入规则：{tail}",) if len(tail) > 1 else ()
    if not found:
        return "评分标准中没有分值（如 (1分)、计0—2分）"
    if any(marker.verb == "扣" for marker in found):
        return _options(found, weight, notes)
    if len(found) == 1:
        marker = found[0]
        if marker.points != weight:
            return f"评分标准的分值 {marker.points} 与权重 {weight} 不一致"
        form = "评价人在0—N分内评分（计0—N分）" if marker.ranged else "评价人在0—N分内评分"
        return Judged({"kind": "judgement"}, form, notes)
    total = sum((marker.points for marker in found), Decimal(0))
    if total != weight:
        return f"评分要点的分值合计 {total}，与权重 {weight} 不一致"
    if any(not marker.text for marker in found):
        return "有评分要点没有文字"
    checkpoints = [
        {"key": str(index), "text": marker.text, "points": str(marker.points)}
        for index, marker in enumerate(found, start=1)
    ]
    return Judged({"kind": "checkpoints", "checkpoints": checkpoints}, "评分要点逐项评分", notes)


def _options(found: list[Marker], weight: Decimal, notes: tuple[str, ...]) -> Judged | str:
    """Read 及时到位计2分；未及时到位扣0.5分… as options an evaluator picks."""
    if found[0].verb == "扣" or found[0].ranged or found[0].points != weight:
        return "扣分选项之前须有一项计满分的情形"
    options = []
    for index, marker in enumerate(found, start=1):
        points = weight - marker.points if marker.verb == "扣" else marker.points
        label = marker.text.removesuffix("的").strip(_SEPARATORS)
        if marker.ranged or points < 0 or not label:
            return "扣分选项无法读出"
        options.append({"key": str(index), "label": label, "points": str(points)})
    return Judged(
        {"kind": "categorical", "options": options}, "评价人选择情形（计N分/扣N分）", notes
    )
