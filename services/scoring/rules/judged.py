"""Score the rules an evaluator judges: options, checkpoints, ranged scores, qualitative tiers."""

from decimal import Decimal

from services.scoring import numbers
from services.scoring.rules import models
from services.scoring.rules.models import Judgement, Outcome, RuleInputError

ZERO = Decimal(0)
ONE = Decimal(1)
FIELDS = {"score": "评分", "option": "选项", "checkpoints": "评分要点得分"}


def score(rule: models.JudgedRule, weight: Decimal, judgement: Judgement | None) -> Outcome | None:
    """Score a judged rule, or return None while the evaluator has not judged it."""
    if judgement is None:
        return None
    match rule:
        case models.CategoricalRule():
            return _categorical(rule, weight, judgement)
        case models.CheckpointsRule():
            return _checkpoints(rule, weight, judgement)
        case models.JudgementRule():
            return _judgement(rule, weight, judgement)
        case models.QualitativeRule():
            return _qualitative(rule, weight, judgement)


def refuse(judgement: Judgement | None, *fields: str) -> None:
    """Raise when the judgement carries a field this rule does not read."""
    if judgement is None:
        return
    for field in fields:
        if getattr(judgement, field) is not None:
            message = f"此指标的评分方式不接受{FIELDS[field]}；如需调整得分请使用 override"
            raise RuleInputError(message, f"judgement.{field}")


def _outcome(points: Decimal, weight: Decimal, explanation: str, judgement: Judgement) -> Outcome:
    """Build a judged outcome, requiring the evaluator's reason below full marks."""
    reason = (judgement.reason or "").strip() or None
    if points < weight and reason is None:
        raise RuleInputError("得分低于满分时须填写扣分原因", "judgement.reason")
    return Outcome(points, explanation, reason if points < weight else None, judged=True)


def _categorical(
    rule: models.CategoricalRule, weight: Decimal, judgement: Judgement
) -> Outcome | None:
    """Score the points of the option the evaluator picked."""
    refuse(judgement, "score", "checkpoints")
    if judgement.option is None:
        return None
    option = next((option for option in rule.options if option.key == judgement.option), None)
    if option is None:
        keys = "、".join(option.key for option in rule.options)
        raise RuleInputError(f"未知选项：{judgement.option}（可选：{keys}）", "judgement.option")
    points = numbers.round2(min(option.points, weight))
    text = f"评价选项：{option.label}；得分 = {points}"
    if points < weight and not (judgement.reason or "").strip():
        # The option's own wording (未及时到位但未影响进度扣0.5分) states why points were lost.
        lost = numbers.as_points(weight - points)
        return Outcome(points, text, f"{option.label}，扣 {lost} 分", judged=True)
    return _outcome(points, weight, text, judgement)


def _checkpoints(
    rule: models.CheckpointsRule, weight: Decimal, judgement: Judgement
) -> Outcome | None:
    """Score the sum of the points awarded to each checkpoint."""
    refuse(judgement, "score", "option")
    awarded = judgement.checkpoints
    if awarded is None:
        return None
    known = {checkpoint.key for checkpoint in rule.checkpoints}
    for key in awarded:
        if key not in known:
            raise RuleInputError(f"未知评分要点：{key}", f"judgement.checkpoints.{key}")
    parts = []
    for checkpoint in rule.checkpoints:
        field = f"judgement.checkpoints.{checkpoint.key}"
        if checkpoint.key not in awarded:
            raise RuleInputError(f"评分要点 {checkpoint.key} 未评分", field)
        points = awarded[checkpoint.key]
        maximum = numbers.as_number(checkpoint.points)
        if points < 0:
            raise RuleInputError(f"评分要点 {checkpoint.key} 得分不能为负数", field)
        if points > checkpoint.points:
            shown = numbers.as_number(points)
            raise RuleInputError(
                f"评分要点 {checkpoint.key} 得分 {shown} 超过其分值 {maximum}", field
            )
        parts.append((checkpoint.key, points, maximum))
    total = numbers.round2(min(sum((points for _, points, _ in parts), ZERO), weight))
    listed = "，".join(
        f"评分要点 {key} 得 {numbers.as_points(points)} 分（满分 {maximum}）"
        for key, points, maximum in parts
    )
    addition = " + ".join(numbers.as_points(points) for _, points, _ in parts)
    return _outcome(total, weight, f"{listed}；得分 = {addition} = {total}", judgement)


def _range(low: Decimal, high: Decimal) -> str:
    """Print a closed range of points: 0–8."""
    return f"{numbers.as_number(low)}–{numbers.as_number(high)}"


def _judgement(rule: models.JudgementRule, weight: Decimal, judgement: Judgement) -> Outcome | None:
    """Score the evaluator's score, checked against the rule's range."""
    refuse(judgement, "option", "checkpoints")
    if judgement.score is None:
        return None
    low, high = rule.min, weight if rule.max is None else rule.max
    if not low <= judgement.score <= high:
        shown = numbers.as_number(judgement.score)
        raise RuleInputError(f"评分 {shown} 超出范围 {_range(low, high)} 分", "judgement.score")
    points = numbers.round2(min(judgement.score, weight))
    text = f"评价人在 {_range(low, high)} 分范围内评分；得分 = {points}"
    return _outcome(points, weight, text, judgement)


def _contains(tier: models.QualitativeTier, points: Decimal, weight: Decimal) -> bool:
    """Tell whether a score lies in a tier: [min, max) of the weight, closed at 100%."""
    low, high = tier.min * weight, tier.max * weight
    return low <= points < high or (tier.max == ONE and points == high)


def _bounds(tier: models.QualitativeTier, weight: Decimal) -> str:
    """Print a tier's interval in points: [4.80, 6.40)."""
    close = "]" if tier.max == ONE else ")"
    low, high = numbers.as_points(tier.min * weight), numbers.as_points(tier.max * weight)
    return f"[{low}, {high}{close}"


def _qualitative(
    rule: models.QualitativeRule, weight: Decimal, judgement: Judgement
) -> Outcome | None:
    """Score the evaluator's score inside the tier picked (or the tier the score falls in)."""
    refuse(judgement, "checkpoints")
    if judgement.score is None:
        if judgement.option is None:
            return None
        raise RuleInputError("请在所选档次的得分区间内评分", "judgement.score")
    # The rounded score is the one reported, so it is the one that must lie in the tier.
    given = numbers.round2(judgement.score)
    entered = numbers.as_number(judgement.score)
    if given != judgement.score:
        entered += f"（四舍五入为 {given}）"
    if judgement.option is None:
        if not ZERO <= given <= weight:
            message = f"评分 {entered} 超出范围 {_range(ZERO, weight)} 分"
            raise RuleInputError(message, "judgement.score")
        tier = next((tier for tier in rule.tiers if _contains(tier, given, weight)), None)
        if tier is None:
            raise RuleInputError(f"评分 {entered} 不属于任何档次", "judgement.score")
    else:
        tier = next((tier for tier in rule.tiers if tier.key == judgement.option), None)
        if tier is None:
            keys = "、".join(tier.key for tier in rule.tiers)
            raise RuleInputError(
                f"未知档次：{judgement.option}（可选：{keys}）", "judgement.option"
            )
        if not _contains(tier, given, weight):
            bounds = _bounds(tier, weight)
            message = f"评分 {entered} 不在档次「{tier.label}」的得分区间 {bounds} 内"
            raise RuleInputError(message, "judgement.score")
    points = min(given, weight)
    text = f"评价等级：{tier.label}（得分区间 {_bounds(tier, weight)}）；得分 = {points}"
    return _outcome(points, weight, text, judgement)
