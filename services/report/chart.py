"""The chart of the score rate per level-1 indicator: SVG for HTML and PDF, PNG for Word."""

import io
import re
from typing import Literal

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: no display, no GUI toolkit

from matplotlib import rcParams
from matplotlib.figure import Figure

from services.report.data import Level1

CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "DejaVu Sans"]
rcParams["font.family"] = "sans-serif"
rcParams["font.sans-serif"] = CJK_FONTS
rcParams["axes.unicode_minus"] = False  # the CJK fonts have no U+2212 minus
rcParams["svg.hashsalt"] = "jixiao"  # stable element ids: same data, same bytes
rcParams["svg.fonttype"] = "path"  # text as outlines: the SVG needs no font to show
BAR = "#2f5597"


def _rate(level: Level1) -> float:
    return float(level.score_rate.rstrip("%"))  # plotting only; the labels print the text


def chart(levels: list[Level1], fmt: Literal["svg", "png"]) -> bytes:
    """Draw the score rate of each level-1 indicator as a bar chart."""
    figure = Figure(figsize=(6.4, 3.2), dpi=150)
    axes = figure.add_subplot()
    names = [level.name for level in levels]
    bars = axes.bar(names, [_rate(level) for level in levels], color=BAR, width=0.55)
    axes.bar_label(bars, labels=[level.score_rate for level in levels], padding=2, fontsize=9)
    axes.set_ylim(0, 115)
    axes.set_ylabel("得分率（%）")
    axes.set_title("一级指标得分率")
    axes.spines[["top", "right"]].set_visible(False)
    figure.subplots_adjust(left=0.1, right=0.97, top=0.88, bottom=0.12)  # tight_layout: slow
    out = io.BytesIO()
    # No date or software version in the file: the same data gives the same bytes.
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(out, format=fmt, metadata=metadata)
    return out.getvalue()


def inline_svg(levels: list[Level1]) -> str:
    """Return the chart as an <svg> element to put inside an HTML page."""
    svg = chart(levels, "svg").decode()
    svg = svg[svg.index("<svg") :]  # no XML declaration or DOCTYPE inside HTML
    return re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)
