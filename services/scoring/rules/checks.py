"""Find the semantic problems of a rule against its indicator's weight, before any scoring."""

from collections.abc import Iterable
from decimal import Decimal

from services.scoring import numbers
from services.scoring.rules import models

Problem = tuple[str, str]
ZERO = Decimal(0)
ONE = Decimal(1)


def check(rule: models.Rule, weight: Decimal) -> list[Problem]:
    """Return the problems of a rule as (relative path, message) pairs."""
    match rule:
        case models.RateRule() | models.PassFailRule():
            return _fallback(rule, weight)
        case models.TargetRule():
            return _target(rule) + _fallback(rule, weight)
        case models.StepRule() | models.OverrunRule():
            return _step(rule) + _fallback(rule, weight)
        case models.TiersRule():
            return _tiers(rule, weight) + _fallback(rule, weight)
        case models.ChangeRule():
            return _change(rule, weight) + _fallback(rule, weight)
        case models.CategoricalRule():
            return _options(rule, weight)
        case models.CheckpointsRule():
            return _checkpoints(rule, weight)
        case models.JudgementRule():
            return _judgement(rule, weight)
        case models.QualitativeRule():
            return _qualitative(rule)
        case models.CompositeRule():
            return _composite(rule, weight)


def _n(value: Decimal) -> str:
    """Print a parameter."""
    return numbers.as_number(value)


def _above(path: str, what: str, points: Decimal, weight: Decimal) -> list[Problem]:
    """Report points above the weight."""
    return [(path, f"{what} {_n(points)} 超过指标分值 {_n(weight)}")] if points > weight else []


def _duplicates(path: str, keys: Iterable[str], what: str) -> list[Problem]:
    """Report every key already seen earlier in the list."""
    seen: set[str] = set()
    problems = []
    for index, key in enumerate(keys):
        if key in seen:
            problems.append((f"{path}.{index}.key", f"{what} {key} 重复"))
        seen.add(key)
    return problems


def _fallback(rule: models.QuantitativeRule, weight: Decimal) -> list[Problem]:
    """Check the score declared for missing data."""
    if isinstance(rule.on_missing, models.ScoreFallback):
        return _above("on_missing.score", "缺少数据时的得分", rule.on_missing.score, weight)
    return []


def _target(rule: models.TargetRule) -> list[Problem]:
    """Check that the target allows a pro rata score."""
    return [("target", "目标值不能为负数")] if rule.target < 0 else []


def _step(rule: models.StepRule | models.OverrunRule) -> list[Problem]:
    """Check the deduction per step and the cut-off's side of the threshold."""
    problems = []
    if rule.points_per_step <= 0:
        problems.append(("points_per_step", "每档扣分必须大于 0"))
    direction = rule.direction if isinstance(rule, models.StepRule) else "<="
    cut = rule.zero_beyond
    if cut is not None and (cut > rule.full_at if direction == ">=" else cut < rule.full_at):
        side = "低于" if direction == ">=" else "高于"
        message = f"不得分界限 {_n(cut)} 应{side}满分界限 {_n(rule.full_at)}"
        problems.append(("zero_beyond", message))
    return problems


def _tiers(rule: models.TiersRule, weight: Decimal) -> list[Problem]:
    """Check that no tier awards more than the weight."""
    problems = []
    for index, tier in enumerate(rule.tiers):
        problems += _above(f"tiers.{index}.points", "档次得分", tier.points, weight)
    return problems + _above("otherwise", "其他情况得分", rule.otherwise, weight)


def _change(rule: models.ChangeRule, weight: Decimal) -> list[Problem]:
    """Check the clamp, the base score and the steps of a change rule."""
    top = weight if rule.max is None else rule.max
    problems = _above("max", "最高分", top, weight)
    if rule.min < 0:
        problems.append(("min", "最低分不能小于 0"))
    if rule.min > top:
        problems.append(("min", f"最低分 {_n(rule.min)} 高于最高分 {_n(top)}"))
    elif not rule.min <= rule.base_points <= top:
        message = f"基础分 {_n(rule.base_points)} 不在 {_n(rule.min)}–{_n(top)} 分之间"
        problems.append(("base_points", message))
    if rule.bonus_per_step <= 0 and rule.malus_per_step <= 0:
        problems.append(("malus_per_step", "每档加分和每档扣分不能都为 0"))
    fallback = rule.when_last_year_zero
    if isinstance(fallback, models.ScoreFallback):
        what = "上年为 0 时的得分"
        problems += _above("when_last_year_zero.score", what, fallback.score, weight)
    return problems


def _options(rule: models.CategoricalRule, weight: Decimal) -> list[Problem]:
    """Check option keys and points."""
    problems = _duplicates("options", (option.key for option in rule.options), "选项")
    for index, option in enumerate(rule.options):
        problems += _above(f"options.{index}.points", "选项得分", option.points, weight)
    return problems


def _checkpoints(rule: models.CheckpointsRule, weight: Decimal) -> list[Problem]:
    """Check checkpoint keys and that their points add up to the weight."""
    points = [checkpoint.points for checkpoint in rule.checkpoints]
    problems = _duplicates(
        "checkpoints", (checkpoint.key for checkpoint in rule.checkpoints), "评分要点"
    )
    problems += [
        (f"checkpoints.{index}.points", "评分要点分值必须大于 0")
        for index, value in enumerate(points)
        if value <= 0
    ]
    total = sum(points, ZERO)
    if total != weight:
        problems.append(
            ("checkpoints", f"评分要点分值合计 {_n(total)} 不等于指标分值 {_n(weight)}")
        )
    return problems


def _judgement(rule: models.JudgementRule, weight: Decimal) -> list[Problem]:
    """Check the range of a judged score."""
    top = weight if rule.max is None else rule.max
    problems = _above("max", "评分上限", top, weight)
    if rule.min < 0:
        problems.append(("min", "评分下限不能小于 0"))
    if rule.min > top:
        problems.append(("min", f"评分下限 {_n(rule.min)} 高于上限 {_n(top)}"))
    return problems


def _qualitative(rule: models.QualitativeRule) -> list[Problem]:
    """Check that the tiers cover 0–100% of the weight without gap or overlap."""
    problems = _duplicates("tiers", (tier.key for tier in rule.tiers), "档次")
    problems += [
        (f"tiers.{index}", "档次下限须小于上限")
        for index, tier in enumerate(rule.tiers)
        if tier.min >= tier.max
    ]
    if problems:
        return problems
    reached = ZERO
    for tier in sorted(rule.tiers, key=lambda tier: tier.min):
        if tier.min > reached:
            gap = f"{numbers.as_percent(reached)}–{numbers.as_percent(tier.min)}"
            problems.append(("tiers", f"档次未覆盖 {gap}"))
        elif tier.min < reached:
            problems.append(("tiers", f"档次「{tier.label}」与其他档次重叠"))
        reached = max(reached, tier.max)
    if reached != ONE:
        side = "超出" if reached > ONE else "未覆盖"
        low, high = sorted((reached, ONE))
        problems.append(
            ("tiers", f"档次{side} {numbers.as_percent(low)}–{numbers.as_percent(high)}")
        )
    return problems


def _composite(rule: models.CompositeRule, weight: Decimal) -> list[Problem]:
    """Check the parts' points and each part's rule on its own points."""
    problems = []
    for index, part in enumerate(rule.parts):
        if part.points <= 0:
            problems.append((f"parts.{index}.points", "分项分值必须大于 0"))
        problems += [
            (f"parts.{index}.rule.{path}", message)
            for path, message in check(part.rule, part.points)
        ]
    total = sum((part.points for part in rule.parts), ZERO)
    if total != weight:
        problems.append(("parts", f"分项分值合计 {_n(total)} 不等于指标分值 {_n(weight)}"))
    return problems
