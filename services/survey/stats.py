"""Statistics from grouped counts: exact decimal means and medians, float CI and Cronbach's alpha.

Every input is a small table of (value, count) rows that SQL has already grouped, so nothing
here ever sees one row per answer. Means, medians and rates are exact Decimals rounded half-up;
the confidence interval and alpha need square roots and quantiles, so they are computed in
binary floating point and only then rounded to decimal strings.
"""

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

FOUR = Decimal("0.0001")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
Z975 = 1.959963984540054
# Student's t at 0.975 for 1 to 30 degrees of freedom (any statistics table).
T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def round4(value: Decimal) -> Decimal:
    """Round half-up (四舍五入) to four decimals: a fraction like 0.9872."""
    return value.quantize(FOUR, rounding=ROUND_HALF_UP)


def round2(value: Decimal) -> Decimal:
    """Round half-up to two decimals: points like 95.47."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(fraction: Decimal) -> str:
    """Print a fraction as a percentage with two decimals: 0.987179… -> '98.72%'."""
    return f"{round2(fraction * HUNDRED)}%"


def t975(df: int) -> float:
    """Return Student's t quantile at 0.975 (two-sided 95%) for df degrees of freedom."""
    if df < 1:
        raise ValueError("needs at least one degree of freedom")
    if df <= len(T975):
        return T975[df - 1]
    # Cornish–Fisher expansion around the normal quantile: error < 1e-6 beyond 30 df.
    z = Z975
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return float(z + sum(term / float(df) ** (power + 1) for power, term in enumerate(terms)))


def median(distribution: Iterable[tuple[int, int]]) -> Decimal | None:
    """Return the median of values given as (value, count) rows, or None when there are none."""
    rows = sorted((value, count) for value, count in distribution if count > 0)
    n = sum(count for _, count in rows)
    if n == 0:
        return None
    wanted = ((n - 1) // 2, n // 2)  # the middle one, or the middle two
    found: list[int] = []
    seen = 0
    for value, count in rows:
        for position in wanted:
            if seen <= position < seen + count:
                found.append(value)
        seen += count
    return (Decimal(found[0]) + Decimal(found[1])) / 2


def ratio_ci95(rows: Iterable[tuple[int, int, int]]) -> tuple[float, float] | None:
    """Return a 95% interval for R = Σy / Σm from (y, m, count) rows, one y and m per respondent.

    Respondents are the sampled units, so the variance is the linearised (cluster) variance of a
    ratio estimator; with m = 1 for everyone it is the usual t-interval of a mean.
    """
    n = sy = sm = syy = sym = smm = 0
    for y, m, count in rows:
        if m <= 0:
            continue
        n += count
        sy += count * y
        sm += count * m
        syy += count * y * y
        sym += count * y * m
        smm += count * m * m
    if n < 2:
        return None
    ratio = sy / sm
    residual = syy - 2 * ratio * sym + ratio * ratio * smm  # Σ (y − R m)²
    spread = math.sqrt(max(residual, 0.0) / (n - 1) / n) / (sm / n)
    half = t975(n - 1) * spread
    return ratio - half, ratio + half


def variance(rows: Iterable[tuple[int, int]]) -> float | None:
    """Return the population variance of (value, count) rows, or None with fewer than two."""
    n = total = squares = 0
    for value, count in rows:
        n += count
        total += count * value
        squares += count * value * value
    if n < 2:
        return None
    return (squares - total * total / n) / n


def cronbach_alpha(
    items: list[list[tuple[int, int]]], totals: list[tuple[int, int]]
) -> float | None:
    """Return α = k/(k−1) · (1 − Σ var(item) / var(total)) for complete answers, or None.

    `items` holds each item's (value, count) rows and `totals` the respondents' (sum, count)
    rows, over the same respondents; alpha is undefined with fewer than two items or when the
    totals do not vary.
    """
    k = len(items)
    if k < 2:
        return None
    total_variance = variance(totals)
    item_variances = [variance(rows) for rows in items]
    if total_variance is None or total_variance == 0 or None in item_variances:
        return None
    spread = sum(v for v in item_variances if v is not None)
    return k / (k - 1) * (1 - spread / total_variance)


def to_decimal4(value: float) -> Decimal:
    """Round a float statistic half-up to four decimals, via its shortest decimal repr."""
    return round4(Decimal(repr(value)))
