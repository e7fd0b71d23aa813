"""Grade scales (等级): bands on the 0–100 total, the shipped presets, and the grade of a total."""

from decimal import Decimal
from itertools import pairwise
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

ZERO = Decimal(0)
FULL = Decimal(100)

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Bound = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]


class Band(BaseModel):
    """One grade: the half-open interval [min, max) of totals; max null or 100 marks the top."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    grade: Label
    min: Bound
    max: Bound | None = None


class GradeScale(BaseModel):
    """Bands that cover 0–100 with no gap and no overlap, the top band closed at 100."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    bands: Annotated[list[Band], Field(min_length=1, max_length=20)]

    @model_validator(mode="after")
    def _covers_zero_to_hundred(self) -> "GradeScale":
        problems = band_problems(self.bands)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _upper(band: Band) -> Decimal:
    return FULL if band.max is None else band.max


def band_problems(bands: list[Band]) -> list[str]:
    """Return every reason these bands do not cover 0–100 exactly once (empty when they do)."""
    if not bands:
        return ["a scale needs at least one band"]
    problems: list[str] = []
    grades = [band.grade for band in bands]
    problems += [
        f"grade {g!r} appears more than once" for g in sorted(set(grades)) if grades.count(g) > 1
    ]
    for band in bands:
        if band.min >= _upper(band):
            problems.append(f"band {band.grade!r}: min {band.min} must be below max {_upper(band)}")
    ordered = sorted(bands, key=lambda band: (band.min, _upper(band)))
    if ordered[0].min != ZERO:
        problems.append(f"totals from 0 to {ordered[0].min} have no grade")
    for lower, upper in pairwise(ordered):
        if lower.max is None:
            problems.append(f"band {lower.grade!r} has no max but is not the top band")
        elif lower.max < upper.min:
            problems.append(f"totals from {lower.max} to {upper.min} have no grade")
        elif lower.max > upper.min:
            problems.append(f"bands {lower.grade!r} and {upper.grade!r} overlap")
    if _upper(ordered[-1]) != FULL:
        problems.append(f"totals from {ordered[-1].max} to 100 have no grade")
    return problems


def _scale(name: str, *bands: tuple[str, int, int | None]) -> GradeScale:
    return GradeScale(
        name=name,
        bands=[
            Band(grade=g, min=Decimal(lo), max=None if hi is None else Decimal(hi))
            for g, lo, hi in bands
        ],
    )


FOUR_BAND = _scale("four_band", ("优", 90, None), ("良", 80, 90), ("中", 60, 80), ("差", 0, 60))
"""财预〔2020〕10号: 优 ≥ 90, 良 [80, 90), 中 [60, 80), 差 < 60 (seed 000: 79.99 → 中)."""

FIVE_BAND = _scale(
    "five_band", ("优", 90, None), ("良", 80, 90), ("中", 70, 80), ("低", 60, 70), ("差", 0, 60)
)
"""Seed 001, 兴财绩〔2021〕8号: 100-90 优, 89-80 良, 79-70 中, 69-60 低, 59 及以下 差.

The printed integer ranges are read as half-open intervals so that 89.5 is 良, not a gap.
"""

FOUR_BAND_EXCELLENT = _scale(
    "four_band_excellent", ("优秀", 90, None), ("良好", 80, 90), ("中", 60, 80), ("差", 0, 60)
)
"""The local labels 优秀/良好/中/差 on the 财预〔2020〕10号 bounds.

Seeds 002 (76.5 → 良好) and 003 (90 → 优秀) use these labels but print no bands, so the
four-band bounds are assumed. They fit 003; they do not fit 002, whose 76.5 would be 中 here:
002's unstated scale must put the lower bound of 良好 at or below 76.5, and a template for it
needs an inline scale.
"""

PRESETS: dict[str, GradeScale] = {s.name: s for s in (FOUR_BAND, FIVE_BAND, FOUR_BAND_EXCELLENT)}


def preset(name: str) -> GradeScale:
    """Return the preset scale of that name; KeyError names the presets when it is unknown."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown grade scale {name!r}; presets: {', '.join(PRESETS)}") from None


def grade_for(scale: GradeScale, total: Decimal) -> str:
    """Return the grade of a 0–100 total; ValueError when the total is outside 0–100."""
    if not ZERO <= total <= FULL:
        raise ValueError(f"total {total} is outside 0–100")
    for band in scale.bands:
        if band.min <= total < _upper(band) or (total == FULL and _upper(band) == FULL):
            return band.grade
    # Reachable only for a scale built with model_construct, which skips the coverage check.
    raise ValueError(f"scale {scale.name!r} has no band for {total}")
