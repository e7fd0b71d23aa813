"""Type the seed tables into XLSX files in the seeds' own layout (reproducible from the seed text).

    python examples/make_appendix.py [SEEDS_DIR]

writes examples/seed001/appendix.xlsx (seed 001 附件: 指标体系 with 得分 and 扣分原因) and
examples/seed004/scoring_table.xlsx (seed 004 附件2: 指标评分表). Texts are the seed's,
verbatim, with the two corrections the templates make (templates/README.md): the converted-PDF
markup `$\\geq 0\\%$` is written `≥ 0%`, and 001's "产出时效 8", printed one row early at a page
break, starts at 检查企业工作按时完成率. Level-1 and level-2 cells are merged over their rows.
"""

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).parent
SEED001 = "001_4d949db084b8fd53.txt"
SEED004 = "004_3c225ed4bfcc2e6d.txt"
HEADER001 = ["一级指标", "权重", "二级指标", "权重", "三级指标", "权重"]
HEADER001 += ["指标解释", "评分标准", "得分", "扣分原因"]
HEADER004 = ["一级指标", "二级指标", "三级指标", "具体指标", "分值", "计分标准"]
HEADER004 += ["须需提供的资料", "得分"]


def _seeds() -> Path:
    given = [Path(sys.argv[1])] if len(sys.argv) > 1 else []
    for folder in [*given, HERE.parents[1] / "shared" / "seeds", Path("/work/shared/seeds")]:
        if (folder / SEED001).is_file():
            return folder
    raise SystemExit("seed texts not found; pass the seeds folder")


def _unlatex(text: str) -> str:
    for latex, sign in (("$", ""), ("\\geq", "≥"), ("\\%", "%")):
        text = text.replace(latex, sign)
    return text


def _value(text: str) -> object:
    """Type numbers as numbers, as a person typing the table would."""
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def seed001_rows(lines: list[str]) -> list[list[str]]:
    """Return the appendix rows (without headers, with the 合计 row) as cell texts."""
    start = next(i for i, line in enumerate(lines) if line.startswith("附件 2024"))
    rows = []
    for line in lines[start + 1 :]:
        cells = line.split("\t")
        if len(cells) < 10 or cells[0] == "一级指标":
            continue
        rows.append([_unlatex(cell.strip()) for cell in cells[:10]])
    early = next(i for i, row in enumerate(rows) if row[2] == "产出时效")
    rows[early + 1][2:4], rows[early][2:4] = rows[early][2:4], ["", ""]
    return rows


def seed004_rows(lines: list[str]) -> list[list[str]]:
    """Return the 评分表 rows: one cell per line in the seed, regrouped by the 分值 cells."""
    start = next(i for i, line in enumerate(lines) if line.strip() == "项目决策（20分）")
    end = next(i for i, line in enumerate(lines) if line.strip() == "总分")
    cells = [line.strip() for line in lines[start:end] if line.strip()]
    rows, first = [], 0
    for index, cell in enumerate(cells):
        if not cell.isdigit():
            continue
        before = cells[first : index - 2]  # the level-1 and level-2 names, when the row has them
        names = ["", *before] if len(before) == 1 else before or ["", ""]
        rows.append([*names, *cells[index - 2 : index + 3], ""])
        first = index + 3
    total = next(line.strip() for line in lines[end + 1 :] if line.strip())
    return [*rows, ["总分", "", "", "", total, "", "", ""]]


def _spans(sheet: Worksheet, col: int, last: int, bounds: list[int]) -> list[tuple[int, int]]:
    """Return (first, last) rows of each group that starts with a name in `col`."""
    starts = [r for r in range(3, last) if sheet.cell(r, col).value not in (None, "")]
    spans = []
    for begin in starts:
        ends = [r for r in [*starts, *bounds, last] if r > begin]
        spans.append((begin, min(ends) - 1))
    return spans


def write(path: Path, title: str, header: list[str], rows: list[list[str]]) -> None:
    """Write one table: title, header, rows, the level-1/2 cells merged over their rows."""
    book = Workbook()
    sheet: Worksheet = book.active  # type: ignore[assignment]
    sheet.title = "Sheet1"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append([_value(cell) for cell in row])
    last = 2 + len(rows)  # the 合计/总分 row is not merged
    level1, level2 = header.index("一级指标") + 1, header.index("二级指标") + 1
    ones = _spans(sheet, level1, last, [])
    twos = _spans(sheet, level2, last, [begin for begin, _ in ones])
    for col, spans in ((level1, ones), (level2, twos)):
        columns = (col, col + 1) if header[col] == "权重" else (col,)
        for begin, end in spans:
            for merged in columns if end > begin else ():
                sheet.merge_cells(
                    start_row=begin, start_column=merged, end_row=end, end_column=merged
                )
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    book.save(path)


def main() -> None:
    """Write both tables."""
    seeds = _seeds()
    lines001 = (seeds / SEED001).read_text(encoding="utf-8").split("\n")
    title001 = next(line for line in lines001 if line.startswith("附件 2024")).strip()
    write(HERE / "seed001" / "appendix.xlsx", title001, HEADER001, seed001_rows(lines001))
    lines004 = (seeds / SEED004).read_text(encoding="utf-8").split("\n")
    (HERE / "seed004").mkdir(exist_ok=True)
    write(
        HERE / "seed004" / "scoring_table.xlsx",
        "安全生产专项资金绩效评价指标评分表",
        HEADER004,
        seed004_rows(lines004),
    )


if __name__ == "__main__":
    main()
