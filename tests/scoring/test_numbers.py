from decimal import Decimal

import pytest

from services.scoring import numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2.345", "2.35"), ("2.344", "2.34"), ("0.125", "0.13"), ("-0.125", "-0.13"), ("88", "88.00")],
)
def test_round2_rounds_half_up(value: str, expected: str) -> None:
    assert numbers.round2(Decimal(value)) == Decimal(expected)
    assert str(numbers.round2(Decimal(value))) == expected


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [
        (Decimal(2) / Decimal(3), "66.67%"),
        (Decimal(15400) / Decimal(15600), "98.72%"),
        (Decimal(1), "100.00%"),
    ],
)
def test_as_percent_prints_two_decimals(fraction: Decimal, expected: str) -> None:
    assert numbers.as_percent(fraction) == expected


def test_as_number_drops_trailing_zeros() -> None:
    assert numbers.as_number(Decimal("140.00")) == "140"
    assert numbers.as_number(Decimal("2.50")) == "2.5"
    assert numbers.as_number(Decimal("0.00")) == "0"


def test_rate_of_zero_weight_is_zero() -> None:
    assert numbers.rate(Decimal(0), Decimal(0)) == 0
    assert numbers.rate(Decimal(2), Decimal(3)) == Decimal(2) / Decimal(3)
