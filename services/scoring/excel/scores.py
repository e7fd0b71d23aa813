"""Read the 得分 and 扣分原因 columns as evaluator judgements, when the caller asks for it.

Only judged indicators take a judgement: a rule-scored one gets its score from the facts.
A sheet holds one score per indicator, not one per checkpoint; unless the workbook is an
export carrying the judgement itself, the points lost are taken from the last checkpoints.
"""

from dataclasses import dataclass
from decimal import Decimal

from services.scoring import rules
from services.scoring.excel import extras, layout, sheet
from services.scoring.system import IndicatorSystem, Issue, walk

NO_REASON = frozenset({"", "/", "／", "无", "-", "—", "——"})


@dataclass(frozen=True)
class Leaf:
    """A level-3 row of the sheet, with the code it was given and its path of names."""

    code: str
    node: sheet.Node
    names: tuple[str, ...]


def judgements(
    system: IndicatorSystem, leaves: list[Leaf], found: extras.Extras
) -> tuple[dict[str, rules.Judgement], list[Issue]]:
    """Return a judgement for each judged indicator the sheet scores, or the cells at fault."""
    indicators = {node.code: node for _, level, node in walk(system.indicators) if level == 3}
    out: dict[str, rules.Judgement] = {}
    issues: list[Issue] = []
    for leaf in leaves:
        indicator = indicators[leaf.code]
        raw = leaf.node.score
        if indicator.rule is None or not layout.text(raw) or layout.is_formula(raw):
            continue
        cell = leaf.node.cells["score"]
        score = layout.number(raw)
        if score is None or not Decimal(0) <= score <= indicator.weight:
            message = f"得分应为0—{indicator.weight}之间的数字，不是 {layout.text(raw)!r}"
            issues.append(Issue(path=cell, message=message))
            continue
        row = found.rules.get(leaf.names)
        if row is not None and row.judgement is not None and row.score == score:
            out[leaf.code] = rules.Judgement.model_validate(row.judgement)
            continue
        reason = leaf.node.texts.get("reason", "").strip()
        judged = from_score(indicator.rule, indicator.weight, score, reason)
        if isinstance(judged, str):
            issues.append(Issue(path=cell, message=judged))
        elif judged is not None:
            out[leaf.code] = judged
    return out, issues


def from_score(
    rule: rules.Rule, weight: Decimal, score: Decimal, written: str
) -> rules.Judgement | str | None:
    """Turn one indicator's score and reason into its judgement; None for a computed rule."""
    reason = None if written in NO_REASON else written
    match rule:
        case rules.CheckpointsRule():
            lost = weight - score
            awards: dict[str, Decimal] = {}
            for checkpoint in reversed(rule.checkpoints):
                taken = min(checkpoint.points, lost)
                awards[checkpoint.key] = layout.plain(checkpoint.points - taken)
                lost -= taken
            ordered = {c.key: awards[c.key] for c in rule.checkpoints}
            return rules.Judgement(checkpoints=ordered, reason=reason)
        case rules.JudgementRule() | rules.QualitativeRule():
            return rules.Judgement(score=score, reason=reason)
        case rules.CategoricalRule():
            option = next((o for o in rule.options if o.points == score), None)
            if option is None:
                choices = "、".join(f"{o.label} {o.points}" for o in rule.options)
                return f"得分 {score} 不是任何一个选项的分值（{choices}）"
            return rules.Judgement(option=option.key, reason=reason)
    return None
