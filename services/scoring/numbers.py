"""Decimal helpers shared by the scoring rules, the engine and the API: rounding and printing."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def round2(value: Decimal) -> Decimal:
    """Round half-up (四舍五入) to two decimals."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def rate(score: Decimal, weight: Decimal) -> Decimal:
    """Return score / weight as a fraction (0 when the weight is 0)."""
    return score / weight if weight else Decimal(0)


def as_percent(fraction: Decimal) -> str:
    """Print a fraction as a percentage with two decimals: 0.98718 -> '98.72%'."""
    return f"{round2(fraction * HUNDRED)}%"


def as_number(value: Decimal) -> str:
    """Print a decimal without exponent or trailing zeros: 140.00 -> '140', 2.50 -> '2.5'."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def as_points(value: Decimal) -> str:
    """Print points with two decimals, as the seed reports do: 2.5 -> '2.50'."""
    return str(round2(value))
