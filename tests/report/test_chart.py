"""The score-rate chart: Chinese labels drawn with a CJK font, the same bytes every time."""

import warnings

from services.report import chart
from services.report.data import Level1

LEVELS = [
    Level1(
        code=str(n), name=name, weight="20", score="12.00", score_rate=rate, summary="", children=[]
    )
    for n, (name, rate) in enumerate(
        [("决策", "60.00%"), ("过程", "80.00%"), ("产出", "100.00%"), ("效益", "100.00%")], 1
    )
]


def test_chart_draws_chinese_labels_without_a_missing_glyph() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font" would fail here
        svg = chart.chart(LEVELS, "svg")
        png = chart.chart(LEVELS, "png")
    assert svg.startswith(b"<?xml")
    assert b"<path" in svg
    assert png.startswith(b"\x89PNG")


def test_chart_bytes_repeat_for_the_same_data() -> None:
    assert chart.chart(LEVELS, "svg") == chart.chart(LEVELS, "svg")
    assert chart.chart(LEVELS, "png") == chart.chart(LEVELS, "png")


def test_inline_svg_fits_inside_html() -> None:
    svg = chart.inline_svg(LEVELS)
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "<metadata>" not in svg
    assert "<!DOCTYPE" not in svg
