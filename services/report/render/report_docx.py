"""The built-in report layout in Word: cover, contents, sections, merged tables, appendix."""

import io
from datetime import UTC, datetime

from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Mm, Pt
from docx.table import _Cell

from services.report import chart
from services.report.data import ReportData
from services.report.render import pages, word

MISSING = "（未填写）"


def text(document: DocxDocument, value: str) -> None:
    """Add an evaluator's text, one paragraph per line, or mark it missing."""
    for paragraph in pages.paragraphs(value) or [MISSING]:
        word.body(document, paragraph)


def caption(document: DocxDocument, value: str) -> None:
    """Add a table or figure caption."""
    word.styled(document, value, "Caption")


def _cover(document: DocxDocument, data: ReportData) -> None:
    number = document.add_paragraph(data.document_number)
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if data.draft:
        mark = document.add_paragraph(f"（{data.status_label}，非最终稿）")
        mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for _ in range(4):
        document.add_paragraph()
    word.styled(document, data.title, "Title")
    for _ in range(3):
        document.add_paragraph()
    units = [
        ("评价对象：", data.evaluation_object),
        ("实施单位：", data.implementing_unit),
        ("委托单位：", data.commissioning_unit),
        ("评价单位：", data.evaluating_unit),
    ]
    grid = document.add_table(rows=len(units), cols=2)  # no style: a table without borders
    for row, (label, value) in zip(grid.rows, units, strict=True):
        word.write(row.cells[0], label, "r", bold=True, size=14)
        word.write(row.cells[1], value, "l", size=14)
    for _ in range(5):
        document.add_paragraph()
    day = document.add_paragraph()
    day.alignment = WD_ALIGN_PARAGRAPH.CENTER
    day.add_run(data.report_month).font.size = Pt(14)
    day.add_run().add_break(WD_BREAK.PAGE)


def _contents(document: DocxDocument) -> None:
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("目  录")
    run.bold, run.font.size = True, Pt(16)
    word.set_fonts(run._r, word.HEI)
    field = document.add_paragraph()
    word.add_field(
        field,
        'TOC \\o "1-3" \\h \\z \\u',
        "（目录在 Word 打开文档时更新；如未更新，请右键点击此处并选择“更新域”。）",
    )
    field.add_run().add_break(WD_BREAK.PAGE)


def _footer(document: DocxDocument) -> None:
    section = document.sections[0]
    section.different_first_page_header_footer = True  # no page number on the cover
    word.page_numbers(section.footer.paragraphs[0])


def _basics(document: DocxDocument, data: ReportData) -> None:
    word.heading(document, "摘要", 1)
    text(document, data.summary)
    word.heading(document, "一、项目基本情况", 1)
    word.heading(document, "（一）项目背景", 2)
    text(document, data.background)
    word.heading(document, "（二）项目资金情况", 2)
    caption(document, f"表1 项目资金情况（单位：{data.funds.unit}）")
    headers = ["预算资金", "调整后预算", "实际到位资金", "实际支出资金", "预算执行率"]
    grid = word.table(document, headers, [32] * 5, 1)
    funds = data.funds
    values = [funds.budget, funds.adjusted_budget, funds.arrived, funds.spent, funds.execution_rate]
    for cell, value in zip(grid.rows[1].cells, values, strict=True):
        word.write(cell, value, "r")
    word.heading(document, "（三）项目绩效目标", 2)
    if not data.targets:
        word.body(document, "表2 项目绩效目标：评价数据中未载明绩效目标的指标值。")
        return
    caption(document, "表2 项目绩效目标")
    grid = word.table(
        document,
        ["一级指标", "二级指标", "三级指标", "指标值"],
        [30, 35, 60, 35],
        len(data.targets),
    )
    for row, target in zip(grid.rows[1:], data.targets, strict=True):
        for cell, value in zip(
            row.cells, (target.level1, target.level2, target.name, target.value), strict=True
        ):
            word.write(cell, value)


def _work(document: DocxDocument, data: ReportData) -> None:
    word.heading(document, "二、绩效评价工作开展情况", 1)
    for title, value in (("（一）评价目的", data.purpose), ("（二）评价对象和范围", data.scope)):
        word.heading(document, title, 2)
        text(document, value)
    word.body(document, f"评价基准日：{data.base_date or MISSING}。")
    for title, value in (("（三）评价原则", data.principles), ("（四）评价方法", data.methods)):
        word.heading(document, title, 2)
        text(document, value)
    word.heading(document, "（五）评价依据", 2)
    for index, item in enumerate(data.basis, start=1):
        word.body(document, f"{index}. {item}")
    if not data.basis:
        word.body(document, MISSING)
    word.heading(document, "（六）评价指标体系", 2)
    word.body(document, data.system_summary + "具体见附件。")


def level1_table(document: DocxDocument, data: ReportData, number: int) -> None:
    """Add the table of level-1 weight, score and rate with its total (seed 000 表3-1)."""
    caption(document, f"表{number} 一级指标得分情况")
    grid = word.table(
        document, ["一级指标", "权重", "得分", "得分率"], [40, 30, 30, 30], len(data.level1) + 1
    )
    rows = [(l1.name, l1.weight, l1.score, l1.score_rate) for l1 in data.level1]
    rows.append(("合计", data.total_weight, data.total, data.score_rate))
    for number_, (row, values) in enumerate(zip(grid.rows[1:], rows, strict=True), start=1):
        for index, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            word.write(cell, value, "c" if index == 0 else "r", bold=number_ == len(rows))


def indicator_table(document: DocxDocument, data: ReportData) -> None:
    """Add every indicator's weight, score and rate, level-1 and level-2 cells merged (表2)."""
    caption(document, "表4 各项指标得分情况")
    rows = len(data.indicators) + len(data.level1) + 1
    headers = ["一级指标", "二级指标", "三级指标", "权重", "得分", "得分率"]
    grid = word.table(document, headers, [22, 30, 52, 18, 20, 22], rows)
    r = 1
    for l1 in data.level1:
        start1 = r
        for l2 in l1.children:
            start2 = r
            for indicator in l2.indicators:
                row = word.cells(grid, r)
                word.write(row[2], indicator.name)
                _numbers(row[3:], (indicator.weight, indicator.score, indicator.score_rate))
                r += 1
            word.merge_down(grid, 1, start2, r - 1, l2.name)
        _numbers(word.cells(grid, r)[3:], (l1.weight, l1.score, l1.score_rate), bold=True)
        word.merge_across(grid, r, 1, 2, "小计")
        word.merge_down(grid, 0, start1, r, l1.name)
        r += 1
    _numbers(word.cells(grid, r)[3:], (data.total_weight, data.total, data.score_rate), bold=True)
    word.merge_across(grid, r, 0, 2, "合计")


def _numbers(row: list[_Cell], values: tuple[str, ...], bold: bool = False) -> None:
    for cell, value in zip(row, values, strict=True):
        word.write(cell, value, "r", bold=bold)


def _conclusion(document: DocxDocument, data: ReportData) -> None:
    word.heading(document, "三、综合评价情况及评价结论", 1)
    word.body(document, data.conclusion)
    for l1 in data.level1:
        word.body(document, l1.summary)
    level1_table(document, data, 3)
    figure = document.add_paragraph()
    figure.alignment = WD_ALIGN_PARAGRAPH.CENTER
    figure.add_run().add_picture(io.BytesIO(chart.chart(data.level1, "png")), width=Mm(150))
    caption(document, "图1 一级指标得分率")
    indicator_table(document, data)


def _analysis(document: DocxDocument, data: ReportData) -> None:
    word.heading(document, "四、绩效评价指标分析", 1)
    for n1, l1 in enumerate(data.level1, start=1):
        word.heading(document, f"（{pages.chinese_number(n1)}）{l1.name}", 2)
        word.body(document, l1.summary)
        for n2, l2 in enumerate(l1.children, start=1):
            word.heading(document, f"{n2}. {l2.name}", 3)
            for n3, indicator in enumerate(l2.indicators, start=1):
                word.heading(document, f"（{n3}）{indicator.name}", 4)
                text(document, indicator.paragraph)
                word.body(document, indicator.summary)
    word.heading(document, f"（{pages.chinese_number(len(data.level1) + 1)}）满意度调查结果", 2)
    for number, survey in enumerate(data.surveys, start=5):
        word.body(
            document,
            f"本次“{survey.fact}”调查共收回有效问卷{survey.n}份，经计算满意度为{survey.satisfaction}。",
        )
        caption(document, f"表{number} 满意度调查结果（人数）")
        headers = ["事项", *survey.labels, "满意度"]
        widths = [50.0] + [100 / (len(survey.labels) + 1)] * (len(survey.labels) + 1)
        grid = word.table(document, headers, widths, len(survey.questions))
        for row, question in zip(grid.rows[1:], survey.questions, strict=True):
            word.write(row.cells[0], question.text)
            for cell, value in zip(
                row.cells[1:], [*question.counts, question.satisfaction], strict=True
            ):
                word.write(cell, value, "r")
    if data.survey_note or not data.surveys:
        word.body(document, data.survey_note or "本次评价未关联满意度调查。")


def _closing(document: DocxDocument, data: ReportData) -> None:
    for title, value in (
        ("五、存在的问题", data.problems),
        ("六、有关建议", data.suggestions),
        ("七、结果应用建议", data.result_use),
    ):
        word.heading(document, title, 1)
        text(document, value)


def appendix(document: DocxDocument, data: ReportData) -> None:
    """Add the full indicator system on landscape pages: explanation, standard, score, reason."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(15)
    section.different_first_page_header_footer = False
    word.heading(document, f"附件 {data.system_name}", 1)
    headers = [
        "一级指标",
        "权重",
        "二级指标",
        "权重",
        "三级指标",
        "权重",
        "指标解释",
        "评分标准",
        "得分",
        "扣分原因",
    ]
    widths = [16, 11, 20, 11, 26, 11, 55, 70, 13, 34]
    grid = word.table(document, headers, widths, len(data.indicators) + 1)
    r = 1
    for l1 in data.level1:
        start1 = r
        for l2 in l1.children:
            start2 = r
            for i in l2.indicators:
                values = (i.name, i.weight, i.explanation, i.standard, i.score, i.reason)
                row = word.cells(grid, r)[4:]
                for index, (cell, value) in enumerate(zip(row, values, strict=True)):
                    word.write(cell, value, "r" if index in (1, 4) else "l", size=8)
                r += 1
            word.merge_down(grid, 2, start2, r - 1, l2.name)
            word.merge_down(grid, 3, start2, r - 1, l2.weight)
        word.merge_down(grid, 0, start1, r - 1, l1.name)
        word.merge_down(grid, 1, start1, r - 1, l1.weight)
    total = word.cells(grid, r)
    word.write(total[0], "合计", "c", bold=True)
    word.write(total[1], data.total_weight, "r", bold=True)
    word.write(total[8], data.total, "r", bold=True)


def report_docx(data: ReportData) -> bytes:
    """Return the evaluation report as a Word document; the same data gives the same bytes."""
    day = datetime.fromisoformat(data.report_date_iso).replace(tzinfo=UTC)
    document = word.new_document(data.title, day)
    _footer(document)
    _cover(document, data)
    _contents(document)
    _basics(document, data)
    _work(document, data)
    _conclusion(document, data)
    _analysis(document, data)
    _closing(document, data)
    appendix(document, data)
    return word.save(document)
