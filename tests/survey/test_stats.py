"""Statistics from grouped counts: rounding, t quantiles, medians, intervals, Cronbach's alpha."""

import math
import statistics
from decimal import Decimal

import pytest

from services.survey import stats


@pytest.mark.parametrize(
    ("value", "four", "printed"),
    [
        (Decimal(15400) / 15600, "0.9872", "98.72%"),
        (Decimal("0.98725"), "0.9873", "98.73%"),  # half-up, not banker's rounding
        (Decimal("0.5"), "0.5000", "50.00%"),
        (Decimal(1), "1.0000", "100.00%"),
    ],
)
def test_fractions_round_half_up_to_four_places_and_print_as_percent(
    value: Decimal, four: str, printed: str
) -> None:
    assert str(stats.round4(value)) == four
    assert stats.percent(value) == printed


@pytest.mark.parametrize(
    ("df", "expected"),
    [
        (1, 12.706),
        (4, 2.776),
        (30, 2.042),
        (31, 2.0395),
        (51, 2.0076),
        (100, 1.9840),
        (10_000, 1.9602),
    ],
)
def test_t_quantiles_match_the_tables(df: int, expected: float) -> None:
    assert stats.t975(df) == pytest.approx(expected, abs=5e-4)


def test_t_quantile_needs_a_degree_of_freedom() -> None:
    with pytest.raises(ValueError, match="degree"):
        stats.t975(0)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([(5, 1), (1, 1), (3, 1)], Decimal(3)),
        ([(10, 2), (20, 2)], Decimal(15)),
        ([(90, 3), (100, 1)], Decimal(90)),
        ([(0, 0)], None),
        ([], None),
    ],
)
def test_median_of_grouped_values(rows: list[tuple[int, int]], expected: Decimal | None) -> None:
    assert stats.median(rows) == expected


def test_ratio_interval_with_one_item_each_is_the_t_interval_of_the_mean() -> None:
    values = [1, 2, 3, 4, 5]
    low, high = stats.ratio_ci95((v, 1, 1) for v in values) or (0.0, 0.0)
    half = stats.t975(4) * statistics.stdev(values) / math.sqrt(5)
    assert (low, high) == pytest.approx((3 - half, 3 + half))


def test_ratio_interval_needs_two_respondents() -> None:
    assert stats.ratio_ci95([(5, 1, 1)]) is None
    assert stats.ratio_ci95([(5, 0, 10)]) is None


def _alpha_from_raw(sheets: list[list[int]]) -> float:
    """Cronbach's alpha the textbook way, from one row per respondent."""
    k = len(sheets[0])
    items = [statistics.pvariance([s[i] for s in sheets]) for i in range(k)]
    return k / (k - 1) * (1 - sum(items) / statistics.pvariance([sum(s) for s in sheets]))


def test_alpha_from_grouped_counts_equals_alpha_from_raw_rows() -> None:
    sheets = [[4, 5, 4], [3, 3, 4], [5, 5, 5], [2, 3, 2], [4, 4, 3], [3, 2, 3], [5, 4, 5]]
    items = []
    for i in range(3):
        values = [s[i] for s in sheets]
        items.append([(v, values.count(v)) for v in sorted(set(values))])
    totals = [sum(s) for s in sheets]
    grouped = [(t, totals.count(t)) for t in sorted(set(totals))]
    assert stats.cronbach_alpha(items, grouped) == pytest.approx(_alpha_from_raw(sheets))


def test_alpha_is_undefined_for_one_item_or_constant_totals() -> None:
    assert stats.cronbach_alpha([[(1, 3)]], [(1, 3)]) is None
    assert stats.cronbach_alpha([[(1, 3)], [(1, 3)]], [(2, 3)]) is None


def test_float_statistics_are_rounded_half_up_through_their_shortest_repr() -> None:
    assert str(stats.to_decimal4(0.98765)) == "0.9877"
    assert str(stats.to_decimal4(-0.25)) == "-0.2500"
