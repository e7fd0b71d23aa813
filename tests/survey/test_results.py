"""Results from grouped tallies: seed 001's 表3 and 98.72%, 100-point totals, alpha and CI."""

import uuid
from decimal import Decimal

from services.survey import results
from services.survey.answers import compile_questionnaire
from services.survey.api.templates import load_templates

SURVEY, FORM_ID = uuid.uuid4(), uuid.uuid4()


def _build(template: str, tallies: results.Tallies, target: int | None = None) -> results.Results:
    form = compile_questionnaire(load_templates()[template])
    return results.build(SURVEY, FORM_ID, form, target, tallies)


def test_seed001_counts_give_98_72_percent() -> None:
    counts = [(0, 0, 50), (0, 1, 2), (1, 0, 49), (1, 1, 3), (2, 0, 49), (2, 1, 3)]
    # 52 respondents: 49 all 非常满意, one 非常满意/满意/满意, two all 满意.
    sheets = [(30000, 3, 49), (25000, 3, 1), (22500, 3, 2)]
    found = _build("seed001", results.Tallies(counts, sheets, [("市民", 52)], 0), target=60)
    assert found.n == 52
    assert found.satisfaction == Decimal("0.9872")
    assert found.satisfaction_percent == "98.72%"
    assert found.response_rate == Decimal("0.8667")
    assert found.groups == {"市民": 52}
    first = found.questions[0]
    assert first.counts == {"非常满意": 50, "满意": 2, "一般": 0, "不满意": 0, "非常不满意": 0}
    assert (first.n, first.satisfaction_percent) == (52, "99.04%")
    assert [q.satisfaction for q in found.questions] == [
        Decimal("0.9904"),
        Decimal("0.9856"),
        Decimal("0.9856"),
    ]
    assert found.ci95 is not None
    low, high = found.ci95
    assert low < found.satisfaction < high <= Decimal(1)
    assert found.cronbach_alpha is not None
    assert (found.mean, found.distribution) == (None, None)


def test_hundred_point_totals_give_mean_median_and_distribution() -> None:
    # Three sheets: 100, 95 and 90 points; item 1 got 10, 10, 9 and the rest full marks but
    # item 2 (10, 5, 1).
    counts = [(0, 10, 2), (0, 9, 1), (1, 10, 1), (1, 5, 1), (1, 1, 1)]
    counts += [(q, 10, 3) for q in range(2, 10)]
    sheets = [(10000, 10, 1), (9500, 10, 1), (9000, 10, 1)]
    found = _build("seed002", results.Tallies(counts, sheets, [], 1))
    assert (found.n, found.rejected) == (3, 1)
    assert found.method == "points"
    assert (found.mean, found.median, found.max_total) == (Decimal("95.00"), Decimal("95.00"), 100)
    assert found.satisfaction == Decimal("0.9500")
    assert [(d.total, d.count) for d in found.distribution or []] == [
        (Decimal(100), 1),
        (Decimal(95), 1),
        (Decimal(90), 1),
    ]
    item2 = found.questions[1]
    assert item2.counts == {"是": 1, "一般": 2, "否": 0}
    assert item2.points == {"10": 1, "5": 1, "1": 1}
    assert item2.mean == Decimal("5.33")
    assert found.ci95 is not None


def test_no_sheets_give_no_satisfaction_but_a_rate_of_zero() -> None:
    found = _build("seed001", results.Tallies([], [], [], 0), target=10)
    assert (found.n, found.satisfaction, found.satisfaction_percent) == (0, None, None)
    assert found.response_rate == Decimal("0.0000")
    assert (found.ci95, found.cronbach_alpha) == (None, None)
    assert [q.n for q in found.questions] == [0, 0, 0]


def test_alpha_waits_for_complete_sheets() -> None:
    counts = [(0, 0, 2), (1, 0, 1), (2, 0, 2)]
    sheets = [(30000, 3, 1), (20000, 2, 1)]  # the second sheet skipped a question
    found = _build("seed001", results.Tallies(counts, sheets, [], 0))
    assert found.cronbach_alpha is None
    assert found.satisfaction == Decimal("1.0000")
