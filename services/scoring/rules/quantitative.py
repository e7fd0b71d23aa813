"""Score the rules that read values through formulas, explaining the arithmetic in words."""

from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from services.scoring import numbers
from services.scoring.rules import models
from services.scoring.rules.models import Input, Outcome, RuleInputError

ZERO = Decimal(0)
ONE = Decimal(1)
SYMBOLS = {">": ">", ">=": "≥", "<": "<", "<=": "≤", "==": "=", "!=": "≠"}


def formulas(rule: models.PartRule | models.CompositeRule) -> dict[str, str]:
    """Return the formula source of each slot the rule reads."""
    match rule:
        case models.PassFailRule():
            return {"condition": rule.condition}
        case models.ChangeRule():
            return {"current": rule.current, "last_year": rule.last_year}
        case models.CompositeRule():
            return {
                f"parts.{index}.{slot}": source
                for index, part in enumerate(rule.parts)
                for slot, source in formulas(part.rule).items()
            }
        case _:
            return {"value": rule.value}


def score(
    rule: models.PartRule | models.CompositeRule, weight: Decimal, inputs: Mapping[str, Input]
) -> Outcome:
    """Score a quantitative or composite rule from its inputs."""
    if isinstance(rule, models.CompositeRule):
        return _composite(rule, weight, inputs)
    for slot in formulas(rule):
        if inputs[slot].value is None:
            return _fallback(rule.on_missing, weight, slot, f"缺少数据：{inputs[slot].label}")
    match rule:
        case models.RateRule():
            return _rate(rule, weight, inputs)
        case models.TargetRule():
            return _target(rule, weight, inputs)
        case models.StepRule():
            return _step(rule, rule.direction, weight, inputs)
        case models.OverrunRule():
            return _step(rule, "<=", weight, inputs)
        case models.TiersRule():
            return _tiers(rule, weight, inputs)
        case models.PassFailRule():
            return _pass_fail(rule, weight, inputs)
        case models.ChangeRule():
            return _change(rule, weight, inputs)


def _show(value: Decimal, fmt: models.Format) -> str:
    """Print a value as its format says, long fractions rounded to two decimals."""
    if fmt == "percent":
        return numbers.as_percent(value)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        value = numbers.round2(value)
    return numbers.as_number(value)


def _final(raw: Decimal, weight: Decimal) -> Decimal:
    """Clamp a raw score to [0, weight] and round it half-up to two decimals."""
    return numbers.round2(min(max(raw, ZERO), weight))


def _outcome(points: Decimal, weight: Decimal, explanation: str, reason: str) -> Outcome:
    """Build a computed outcome, with the deduction reason only below full marks."""
    deducted = f"{reason}，扣 {numbers.as_points(weight - points)} 分" if points < weight else None
    return Outcome(points, explanation, deducted, judged=False)


def _fallback(fallback: models.Fallback, weight: Decimal, field: str, message: str) -> Outcome:
    """Apply a rule's declared fallback, or raise when it says error."""
    if isinstance(fallback, models.FailFallback):
        raise RuleInputError(message, field)
    points = _final(fallback.score, weight)
    explanation = f"{message}，按规定计 {numbers.as_points(points)} 分（{fallback.reason}）"
    return _outcome(points, weight, explanation, fallback.reason)


def _number(inputs: Mapping[str, Input], slot: str) -> tuple[Decimal, Input]:
    """Return the numeric value of a slot, refusing a boolean."""
    item = inputs[slot]
    if not isinstance(item.value, Decimal):
        raise RuleInputError(f"{item.label} 应为数值，而不是是/否", slot)
    return item.value, item


def _rate(rule: models.RateRule, weight: Decimal, inputs: Mapping[str, Input]) -> Outcome:
    """Score rate × W, the rate capped at 100% unless the rule says otherwise."""
    value, item = _number(inputs, "value")
    shown = _show(value, item.format)
    used = min(value, ONE) if rule.cap else value
    points = _final(used * weight, weight)
    w = numbers.as_number(weight)
    if rule.cap and value > ONE:
        text = f"{item.label} = {shown}，超过 100% 按 100% 计算；得分 = 100.00% × {w}"
    else:
        text = f"{item.label} = {shown}；得分 = {_show(used, item.format)} × {w}"
    product = used * weight
    if product > weight:
        text += f" = {numbers.as_points(product)}，以满分 {w} 为限，得 {points}"
    elif product < 0:
        text += f" < 0，按 0 计，得 {points}"
    else:
        text += f" = {points}"
    return _outcome(points, weight, text, f"{item.label} {shown}，未达到 100%")


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """Return numerator / denominator, 0 when the denominator is 0."""
    return numerator / denominator if denominator else ZERO


def _target(rule: models.TargetRule, weight: Decimal, inputs: Mapping[str, Input]) -> Outcome:
    """Score full marks when the target is met, else pro rata."""
    value, item = _number(inputs, "value")
    target = rule.target
    shown, goal = _show(value, item.format), _show(target, item.format)
    met = {">=": value >= target, "<=": value <= target, "==": value == target}[rule.direction]
    if met:
        points = _final(weight, weight)
        symbol = SYMBOLS[rule.direction]
        return _outcome(
            points, weight, f"{item.label} {shown} {symbol} 目标值 {goal}，得满分 {points}", ""
        )
    if rule.direction == ">=":
        ratio, numerator, denominator = _ratio(value, target), shown, goal
        text = f"{item.label} {shown} < 目标值 {goal}，按实际完成比例得分"
        reason = f"{item.label} {shown} 未达到目标值 {goal}"
    elif rule.direction == "<=":
        ratio, numerator, denominator = _ratio(target, value), goal, shown
        text = f"{item.label} {shown} > 目标值 {goal}，按目标值占实际值的比例得分"
        reason = f"{item.label} {shown} 超过目标值 {goal}"
    else:
        low, high = sorted((value, target))
        ratio = _ratio(low, high)
        numerator, denominator = _show(low, item.format), _show(high, item.format)
        text = f"{item.label} {shown} ≠ 目标值 {goal}，按较小值占较大值的比例得分"
        reason = f"{item.label} {shown} 偏离目标值 {goal}"
    points = _final(ratio * weight, weight)
    w = numbers.as_number(weight)
    text += f" = {numerator} / {denominator} × {w} = {points}"
    return _outcome(points, weight, text, reason)


def _count(gap: Decimal, step: Decimal, mode: models.PartialStep) -> Decimal:
    """Count the steps in a gap: 不足一档按一档 (whole), whole steps only (ignore), or pro rata."""
    steps = gap / step
    if mode == "pro_rata":
        return steps
    return steps.to_integral_value(rounding=ROUND_CEILING if mode == "whole" else ROUND_FLOOR)


def _steps_text(
    gap: Decimal, step: Decimal, count: Decimal, mode: models.PartialStep, fmt: models.Format
) -> str:
    """Describe how the steps in a gap were counted."""
    n = _show(count, "number")
    if gap % step == 0:
        return f"计 {n} 档"
    size = _show(step, fmt)
    if mode == "whole":
        return f"不足 {size} 按 {size} 计算，计 {n} 档"
    if mode == "ignore":
        return f"不足 {size} 的部分不计，计 {n} 档"
    return f"按比例计 {n} 档"


def _step(
    rule: models.StepRuleBase, direction: str, weight: Decimal, inputs: Mapping[str, Input]
) -> Outcome:
    """Score full marks up to `full_at`, then deduct per step beyond it."""
    value, item = _number(inputs, "value")
    fmt = item.format
    shown, full_at = _show(value, fmt), _show(rule.full_at, fmt)
    at_least = direction == ">="
    beyond, moved, within = ("低于", "下降", "不低于") if at_least else ("高于", "超出", "不高于")
    gap = rule.full_at - value if at_least else value - rule.full_at
    w = numbers.as_number(weight)
    if gap <= 0:
        points = _final(weight, weight)
        return _outcome(
            points, weight, f"{item.label} = {shown}，{within} {full_at}，得满分 {points}", ""
        )
    cut = rule.zero_beyond
    if cut is not None and (value < cut if at_least else value > cut):
        limit = _show(cut, fmt)
        points = _final(ZERO, weight)
        text = f"{item.label} = {shown}，{beyond} {limit}，不得分；得分 = {points}"
        return _outcome(points, weight, text, f"{item.label} {shown} {beyond} {limit}，不得分")
    count = _count(gap, rule.step, rule.partial_step)
    counted = _steps_text(gap, rule.step, count, rule.partial_step, fmt)
    per = numbers.as_number(rule.points_per_step)
    raw = weight - count * rule.points_per_step
    points = _final(raw, weight)
    n = _show(count, "number")
    text = (
        f"{item.label} = {shown}，{beyond} {full_at}，{moved} {_show(gap, fmt)}，"
        f"每 {_show(rule.step, fmt)} 扣 {per} 分（{counted}）；得分 = {w} − {n} × {per}"
    )
    reason = f"{item.label} {shown} {beyond} {full_at}，{moved} {_show(gap, fmt)}（{counted}）"
    if raw < 0:
        text += f" < 0，扣完为止，得分 = {points}"
        reason += "，扣完为止"
    else:
        text += f" = {points}"
    return _outcome(points, weight, text, reason)


def _holds(value: Decimal, tier: models.Tier) -> bool:
    """Tell whether `value op than` holds for a tier."""
    return {
        ">": value > tier.than,
        ">=": value >= tier.than,
        "<": value < tier.than,
        "<=": value <= tier.than,
        "==": value == tier.than,
        "!=": value != tier.than,
    }[tier.op]


def _tiers(rule: models.TiersRule, weight: Decimal, inputs: Mapping[str, Input]) -> Outcome:
    """Score the points of the first tier that holds."""
    value, item = _number(inputs, "value")
    shown = _show(value, item.format)
    tier = next((tier for tier in rule.tiers if _holds(value, tier)), None)
    if tier is None:
        points = _final(rule.otherwise, weight)
        condition = "不满足任何档次条件"
        text = f"{item.label} = {shown}，{condition}，得 {points}"
        reason = f"{item.label} {shown} {condition}，得 {points} 分"
    else:
        points = _final(tier.points, weight)
        condition = f"{SYMBOLS[tier.op]} {_show(tier.than, item.format)}"
        text = f"{item.label} = {shown}，满足 {condition}，得 {points}"
        reason = f"{item.label} {shown} 满足 {condition}，得 {points} 分"
    return _outcome(points, weight, text, reason)


def _pass_fail(rule: models.PassFailRule, weight: Decimal, inputs: Mapping[str, Input]) -> Outcome:
    """Score full marks when the condition holds, else zero."""
    item = inputs["condition"]
    if not isinstance(item.value, bool):
        raise RuleInputError(f"{item.label} 应为是/否，而不是数值", "condition")
    if item.value:
        points = _final(weight, weight)
        return _outcome(points, weight, f"{item.label}：是，得满分 {points}", "")
    points = numbers.round2(ZERO)
    text = f"{item.label}：否，不得分；得分 = {points}"
    if rule.fail_reason is not None and points < weight:
        # The framework author's own words: kept verbatim rather than suffixed with the points.
        return Outcome(points, text, rule.fail_reason, judged=False)
    return _outcome(points, weight, text, f"{item.label}：否，不得分")


def _change(rule: models.ChangeRule, weight: Decimal, inputs: Mapping[str, Input]) -> Outcome:
    """Move the base score by steps of relative change against last year, clamped."""
    current, now = _number(inputs, "current")
    last, before = _number(inputs, "last_year")
    this, that = _show(current, now.format), _show(last, before.format)
    top = weight if rule.max is None else rule.max
    base = numbers.as_number(rule.base_points)
    facts = f"{now.label} = {this}，{before.label} = {that}"
    if current == last:
        points = _final(min(max(rule.base_points, rule.min), top), weight)
        text = f"{facts}，与上年持平，计基础分 {base}；得分 = {points}"
        reason = f"{now.label} {this} 与上年持平，计基础分 {base} 分"
        return _outcome(points, weight, text, reason)
    if last == 0:
        message = f"{before.label} 为 0，无法计算 {now.label} 与上年相比的变化率"
        return _fallback(rule.when_last_year_zero, weight, "last_year", message)
    change = (current - last) / last
    gap = abs(change)
    count = _count(gap, rule.step, rule.partial_step)
    improved = (change < 0) == (rule.better == "lower")
    per = rule.bonus_per_step if improved else rule.malus_per_step
    sign, verb = ("+", "加") if improved else ("−", "扣")
    moved = "下降" if change < 0 else "增加"
    raw = rule.base_points + count * per if improved else rule.base_points - count * per
    counted = _steps_text(gap, rule.step, count, rule.partial_step, "percent")
    n, p = _show(count, "number"), numbers.as_number(per)
    text = (
        f"{facts}，变化率 = ({this} − {that}) / {that} = {numbers.as_percent(change)}，"
        f"{moved} {numbers.as_percent(gap)}，每 {numbers.as_percent(rule.step)} {verb} {p} 分"
        f"（{counted}）；得分 = {base} {sign} {n} × {p}"
    )
    clamped = min(max(raw, rule.min), top)
    points = _final(clamped, weight)
    if raw > top:
        text += f" = {_show(raw, 'number')}，最高 {numbers.as_number(top)} 分，得 {points}"
    elif raw < rule.min:
        text += f" = {_show(raw, 'number')}，最低 {numbers.as_number(rule.min)} 分，得 {points}"
    else:
        text += f" = {points}"
    summary = f"{moved} {numbers.as_percent(gap)}（{counted}）"
    reason = f"{now.label} {this} 比上年 {that} {summary}，得 {points} 分"
    return _outcome(points, weight, text, reason)


def _composite(rule: models.CompositeRule, weight: Decimal, inputs: Mapping[str, Input]) -> Outcome:
    """Score each part on its own points and add the rounded part scores."""
    outcomes = []
    for index, part in enumerate(rule.parts):
        prefix = f"parts.{index}."
        own = {
            slot.removeprefix(prefix): item
            for slot, item in inputs.items()
            if slot.startswith(prefix)
        }
        try:
            outcomes.append(score(part.rule, part.points, own))
        except RuleInputError as error:
            raise RuleInputError(f"{part.label}：{error.message}", prefix + error.field) from error
    total = sum((outcome.score for outcome in outcomes), ZERO)
    points = _final(total, weight)
    explained = "。".join(
        f"{part.label}：{outcome.explanation}"
        for part, outcome in zip(rule.parts, outcomes, strict=True)
    )
    addition = " + ".join(numbers.as_points(outcome.score) for outcome in outcomes)
    reasons = "；".join(
        f"{part.label}：{outcome.deduction_reason}"
        for part, outcome in zip(rule.parts, outcomes, strict=True)
        if outcome.deduction_reason
    )
    return Outcome(
        points, f"{explained}。合计得分 = {addition} = {points}", reasons or None, judged=False
    )
