from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.scoring import grades


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("0", "差"),
        ("59.99", "差"),
        ("60", "中"),
        ("79.99", "中"),
        ("80", "良"),
        ("89.5", "良"),
        ("89.99", "良"),
        ("90", "优"),
        ("100", "优"),
    ],
)
def test_four_band_grades_every_boundary(total: str, expected: str) -> None:
    assert grades.grade_for(grades.FOUR_BAND, Decimal(total)) == expected


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("0", "差"),
        ("59.99", "差"),
        ("60", "低"),
        ("69.99", "低"),
        ("70", "中"),
        ("79.99", "中"),
        ("80", "良"),
        ("88", "良"),
        ("89.5", "良"),
        ("90", "优"),
        ("100", "优"),
    ],
)
def test_five_band_grades_every_boundary(total: str, expected: str) -> None:
    assert grades.grade_for(grades.FIVE_BAND, Decimal(total)) == expected


def test_four_band_excellent_grades_seed_003_as_excellent() -> None:
    assert grades.grade_for(grades.FOUR_BAND_EXCELLENT, Decimal(90)) == "优秀"
    assert grades.grade_for(grades.FOUR_BAND_EXCELLENT, Decimal("89.99")) == "良好"


def test_seed_002_grade_needs_an_inline_scale_with_a_lower_good_bound() -> None:
    # 002 grades 76.5 as 良好 without printing its bands; the four-band bounds would say 中.
    assert grades.grade_for(grades.FOUR_BAND_EXCELLENT, Decimal("76.5")) == "中"
    scale = grades.GradeScale.model_validate(
        {
            "name": "seed 002 (assumed)",
            "bands": [
                {"grade": "优秀", "min": "90", "max": None},
                {"grade": "良好", "min": "75", "max": "90"},
                {"grade": "中", "min": "60", "max": "75"},
                {"grade": "差", "min": "0", "max": "60"},
            ],
        }
    )
    assert grades.grade_for(scale, Decimal("76.5")) == "良好"


@pytest.mark.parametrize("total", ["-0.01", "100.01", "-100"])
def test_grade_for_refuses_totals_outside_zero_to_hundred(total: str) -> None:
    with pytest.raises(ValueError, match="outside 0–100"):
        grades.grade_for(grades.FOUR_BAND, Decimal(total))


def test_presets_are_looked_up_by_name() -> None:
    assert grades.preset("five_band") is grades.FIVE_BAND
    assert set(grades.PRESETS) == {"four_band", "five_band", "four_band_excellent"}
    with pytest.raises(KeyError, match="unknown grade scale 'six_band'; presets: four_band"):
        grades.preset("six_band")


def test_top_band_may_end_at_hundred_explicitly() -> None:
    scale = grades.GradeScale.model_validate(
        {
            "name": "s",
            "bands": [{"grade": "A", "min": 50, "max": 100}, {"grade": "B", "min": 0, "max": 50}],
        }
    )
    assert grades.grade_for(scale, Decimal(100)) == "A"
    assert grades.grade_for(scale, Decimal("49.99")) == "B"


def _problems(*bands: tuple[str, str, str | None]) -> list[str]:
    return grades.band_problems(
        [
            grades.Band(grade=g, min=Decimal(lo), max=None if hi is None else Decimal(hi))
            for g, lo, hi in bands
        ]
    )


def test_band_problems_lists_every_gap_and_overlap() -> None:
    assert _problems(("A", "90", None), ("B", "70", "85"), ("C", "10", "75")) == [
        "totals from 0 to 10 have no grade",
        "bands 'C' and 'B' overlap",
        "totals from 85 to 90 have no grade",
    ]


def test_band_problems_finds_duplicates_inverted_and_open_bands() -> None:
    assert _problems(("A", "50", None), ("A", "0", None), ("B", "60", "55")) == [
        "grade 'A' appears more than once",
        "band 'B': min 60 must be below max 55",
        "band 'A' has no max but is not the top band",
        "band 'A' has no max but is not the top band",
        "totals from 55 to 100 have no grade",
    ]


def test_band_problems_of_no_bands() -> None:
    assert grades.band_problems([]) == ["a scale needs at least one band"]


def test_custom_scale_with_a_gap_is_refused() -> None:
    with pytest.raises(ValidationError, match="totals from 80 to 90 have no grade"):
        grades.GradeScale.model_validate(
            {
                "name": "gap",
                "bands": [{"grade": "A", "min": 90}, {"grade": "B", "min": 0, "max": 80}],
            }
        )


@pytest.mark.parametrize("bad", [True, "101", "-1", "nan"])
def test_band_bounds_refuse_booleans_and_out_of_range(bad: object) -> None:
    with pytest.raises(ValidationError):
        grades.Band.model_validate({"grade": "A", "min": bad})


def test_scale_serialises_bounds_as_strings() -> None:
    dumped = grades.FIVE_BAND.model_dump(mode="json")
    assert dumped["bands"][1] == {"grade": "良", "min": "80", "max": "90"}
