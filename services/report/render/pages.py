"""The built-in layout as text: HTML (one self-contained file) and Markdown, from Jinja files."""

from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from services.report import chart
from services.report.data import ReportData

LAYOUTS = Path(__file__).parents[1] / "layouts"
CN = "一二三四五六七八九十"
SECTIONS = [
    ("s0", "摘要"),
    ("s1", "一、项目基本情况"),
    ("s2", "二、绩效评价工作开展情况"),
    ("s3", "三、综合评价情况及评价结论"),
    ("s4", "四、绩效评价指标分析"),
    ("s5", "五、存在的问题"),
    ("s6", "六、有关建议"),
    ("s7", "七、结果应用建议"),
]


def chinese_number(value: int) -> str:
    """Print 1–99 in Chinese numerals, as section numbers: 3 -> 三, 12 -> 十二."""
    tens, ones = divmod(value, 10)
    if tens == 0:
        return CN[ones - 1]
    return ("" if tens == 1 else CN[tens - 1]) + "十" + (CN[ones - 1] if ones else "")


def paragraphs(text: str) -> list[str]:
    """Split an evaluator's text into its non-empty paragraphs (one per line)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def md_text(text: str) -> str:
    """Print an evaluator's text as Markdown paragraphs, or mark it missing."""
    return "\n\n".join(paragraphs(text)) or "（未填写）"


def md_cell(text: str) -> str:
    """Make a text safe inside a Markdown table cell."""
    return " ".join(paragraphs(text)).replace("|", "\\|")


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(LAYOUTS),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters.update(cn=chinese_number, paragraphs=paragraphs, md_text=md_text, cell=md_cell)
    return env


HTML = _environment(autoescape=True)
MARKDOWN = _environment(autoescape=False)
CSS = (LAYOUTS / "style.css").read_text(encoding="utf-8")


def _spans(data: ReportData) -> dict[str, int]:
    return {l1.code: sum(len(l2.indicators) for l2 in l1.children) for l1 in data.level1}


def html(kind: str, data: ReportData, for_pdf: bool = False) -> str:
    """Return the report or notice as one HTML page with inline CSS and an inline SVG chart."""
    values: dict[str, Any] = {"d": data, "css": Markup(CSS), "for_pdf": for_pdf}
    if kind == "report":
        values |= {
            "chart": Markup(chart.inline_svg(data.level1)),
            "spans": _spans(data),
            "sections": [*SECTIONS, ("s8", f"附件 {data.system_name}")],
        }
    return HTML.get_template(f"{kind}.html.j2").render(values)


def markdown(kind: str, data: ReportData) -> str:
    """Return the report or notice as Markdown (tables without merged cells, no chart)."""
    return MARKDOWN.get_template(f"{kind}.md.j2").render(d=data)
