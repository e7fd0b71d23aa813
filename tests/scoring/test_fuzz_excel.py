"""hypothesis on the spreadsheet importers: only their declared errors, and exports round-trip.

`import_system` may raise workbook.Unreadable, workbook.TooLarge or report.ImportFailed (the
API maps them to 422/413); `read_facts` the first two; `standards.recognise` answers a rule
or a reason, never an exception. Anything else would be a 500. `make test` runs a few
examples each; `make fuzz` sets JIXIAO_FUZZ_EXAMPLES higher.
"""

import csv
import io
import os
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from services.scoring.excel import exporter, facts, importer, layout, standards, workbook
from services.scoring.excel.report import ImportFailed
from services.scoring.system import IndicatorSystem, validate_system, walk
from tests.scoring.test_excel_export import template

EXAMPLES = int(os.environ.get("JIXIAO_FUZZ_EXAMPLES", "6"))
FUZZ = settings(max_examples=EXAMPLES * 4, deadline=None, suppress_health_check=list(HealthCheck))
DECLARED = (workbook.Unreadable, workbook.TooLarge, ImportFailed)
# Cells of the seed layout and of facts sheets, numbers written every way, and junk.
WORDS = [
    *(name for names in layout.HEADERS.values() for name in names),
    *layout.WEIGHT_HEADERS,
    *layout.TOTAL_LABELS,
    *(name for names in facts.KEYS.values() for name in names),
    "项目决策（20分）",
    "决策",
    "立项依据充分性",
    "预算资金",
    "资金到位率",
    "是",
    "否",
    "得分",
    "完成率≥95%得满分，每低1%扣0.5分",
    "计0—2分",
    "（1）有依据得1分；（2）无得0分",
    "=SUM(F3:F5)",
    "=1/0",
    "3",
    "0.5",
    "3分",
    "12%",
    "1,234.5",
    "-1",
    "NaN",
    "Infinity",
    "1E99999999",
    "0E-99999999",
    "",
    " ",
    "\n",
    "合 计",
    "附件1：",
    "2024",
    "00000000-0000-0000-0000-000000000000",
]
CELL = st.one_of(
    st.sampled_from(WORDS),
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**6),
    st.booleans(),
    st.text(max_size=8),
)
GRID = st.lists(st.lists(CELL, max_size=8), min_size=1, max_size=10)


def _no_other_error(data: bytes, sheet: str | None = None) -> None:
    """Import a system and read facts from the bytes; only the declared errors may come."""
    try:
        importer.import_system(data, sheet_name=sheet, with_judgements=True)
    except DECLARED:
        pass
    try:
        facts.read_facts(data, {"预算资金": "amount", "是否": "boolean"}, sheet)
    except (workbook.Unreadable, workbook.TooLarge):
        pass


@given(st.binary(max_size=2000) | st.binary(max_size=500).map(lambda b: workbook.XLSX_MAGIC + b))
@FUZZ
def test_any_bytes_import_or_fail_as_declared(data: bytes) -> None:
    _no_other_error(data)


def _xlsx(grid: list[list[Any]], merges: list[tuple[int, int, int, int]], title: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in grid:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    for top, left, height, width in merges:
        sheet.merge_cells(
            start_row=top, start_column=left, end_row=top + height, end_column=left + width
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


MERGE = st.tuples(st.integers(1, 10), st.integers(1, 8), st.integers(0, 4), st.integers(0, 2))


@given(GRID, st.lists(MERGE, max_size=3), st.sampled_from(["Sheet", "指标体系", "评分表"]))
@FUZZ
def test_generated_workbooks_import_or_fail_as_declared(
    grid: list[list[Any]], merges: list[tuple[int, int, int, int]], title: str
) -> None:
    # Overlapping merges are refused by openpyxl itself when saving: keep the first of each.
    kept: list[tuple[int, int, int, int]] = []
    for merge in merges:
        rows, cols = (
            range(merge[0], merge[0] + merge[2] + 1),
            range(merge[1], merge[1] + merge[3] + 1),
        )
        if not any(
            set(rows) & set(range(k[0], k[0] + k[2] + 1))
            and set(cols) & set(range(k[1], k[1] + k[3] + 1))
            for k in kept
        ):
            kept.append(merge)
    data = _xlsx(grid, kept, title)
    _no_other_error(data)
    _no_other_error(data, sheet="no such sheet")


@given(GRID, st.sampled_from(["utf-8-sig", "utf-8", "gb18030"]))
@FUZZ
def test_generated_csv_imports_or_fails_as_declared(grid: list[list[Any]], encoding: str) -> None:
    out = io.StringIO()
    csv.writer(out).writerows(["" if v is None else str(v) for v in row] for row in grid)
    _no_other_error(out.getvalue().encode(encoding, "replace"))


def _members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return {name: package.read(name) for name in package.namelist()}


def _package(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in members.items():
            package.writestr(name, content)
    return out.getvalue()


SEED001 = _members(exporter.write_xlsx(template("seed001")))


@given(
    st.sampled_from(sorted(SEED001)),
    st.sampled_from(["drop", "cut", "splice"]),
    st.integers(min_value=0),
    st.binary(max_size=40)
    | st.sampled_from([b"<", b"</c>", b'<c r="A1" t="s"><v>99999</v></c>', b"\xff", b"&#0;"]),
)
@FUZZ
def test_a_damaged_export_imports_or_fails_as_declared(
    member: str, damage: str, at: int, noise: bytes
) -> None:
    members = dict(SEED001)
    content = members.pop(member)
    at %= len(content) + 1
    if damage != "drop":
        members[member] = content[:at] + (noise if damage == "splice" else b"")
    _no_other_error(_package(members))


# Pieces of 评分标准 texts: comparisons, points, rates, clauses, and their near-misses.
PIECES = [
    "完成率",
    "到位率",
    "≥",
    ">=",
    "＞",
    "<",
    "≤",
    "=",
    "100%",
    "95%",
    "90%",
    "得",
    "满分",
    "得分",
    "扣",
    "每",
    "低",
    "高",
    "少",
    "多",
    "1",
    "0.5",
    "2",
    "10",
    "1E99999999",
    "NaN",
    "分",
    "次",
    "个",
    "%",
    "；",
    ";",
    "，",
    "。",
    "（",
    "）",
    "(",
    ")",
    "、",
    "计0—2分",
    "计0-8分",
    "不得分",
    "否则",
    "以上",
    "以下",
    "之间",
    "（1）",
    "（2）",
    "①",
    "②",
    "有",
    "无",
    "是",
    "否",
    "/",
    "×",
    "÷",
    "-",
    "+",
    "实际",
    "计划",
    "增长",
    "下降",
    "较上年",
    "\n",
    " ",
    "为止",
    "扣完",
]
STANDARD = st.lists(st.sampled_from(PIECES) | st.text(max_size=2), max_size=30).map("".join)


@given(
    STANDARD,
    STANDARD,
    st.decimals(min_value=0, max_value=100, places=2),
    st.dictionaries(st.sampled_from(["资金到位率", "完成率", "实际"]), st.just("rate")),
)
@settings(max_examples=EXAMPLES * 20, deadline=None)
def test_a_standard_text_is_read_as_a_rule_or_a_reason(
    standard: str, explanation: str, weight: Decimal, known: dict[str, str]
) -> None:
    found = standards.recognise("指标", weight, standard, explanation, known)
    assert isinstance(found, str | standards.Recognised)


# What the system model takes: no control characters (the model refuses them).
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
NAME = st.text(PRINTABLE, min_size=1, max_size=12).filter(str.strip)
# Cells are read stripped, as people leave spaces around what they type: so texts are too.
TEXT = st.sampled_from(["", "依据充分得满分", "=1+1", "（1）有得1分"]) | st.text(
    PRINTABLE, max_size=20
).map(str.strip)
POINTS = st.decimals(min_value=Decimal("0.01"), max_value=20, places=2)


@st.composite
def systems(draw: st.DrawFn, unique: bool = False) -> IndicatorSystem:
    """A valid three-level system with judged leaves; each parent weighs what its children do."""
    counter = iter(range(10_000))
    used: set[str] = set()

    def name() -> str:
        # A CSV has no merged cells: there, only a new name starts a new group.
        drawn = draw(NAME.filter(lambda n: n.strip() not in used) if unique else NAME)
        used.add(drawn.strip())
        return drawn

    def leaf() -> dict[str, Any]:
        return {
            "code": f"c{next(counter)}",
            "name": name(),
            "weight": draw(POINTS),
            "explanation": draw(TEXT),
            "standard": draw(TEXT),
            "evidence": draw(TEXT),
            "rule": {"kind": "judgement"},
        }

    def group(children: list[dict[str, Any]]) -> dict[str, Any]:
        weight = sum((child["weight"] for child in children), Decimal(0))
        return {"code": f"c{next(counter)}", "name": name(), "weight": weight, "children": children}

    def some() -> range:
        return range(draw(st.integers(1, 3)))

    ones = [group([group([leaf() for _ in some()]) for _ in some()]) for _ in some()]
    total = sum((one["weight"] for one in ones), Decimal(0))
    system = IndicatorSystem.model_validate(
        {"name": name(), "total_weight": total, "indicators": ones}
    )
    assert validate_system(system) == []
    return system


def _weights(system: IndicatorSystem) -> list[tuple[int, str, Decimal]]:
    return [(level, node.name, node.weight) for _, level, node in walk(system.indicators)]


@given(systems())
@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
def test_an_exported_system_imports_back_the_same(system: IndicatorSystem) -> None:
    imported = importer.import_system(exporter.write_xlsx(system))
    assert _weights(imported.system) == _weights(system)
    assert imported.system.model_dump() == system.model_dump()


@given(systems(unique=True))
@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
def test_a_system_exported_as_csv_imports_back_with_the_same_weights(
    system: IndicatorSystem,
) -> None:
    imported = importer.import_system(exporter.write_csv(system))
    assert _weights(imported.system) == _weights(system)


# What the generated cases above found, pinned as examples.


def test_a_number_too_large_for_a_sheet_is_a_cell_problem() -> None:
    table = "一级指标,权重,二级指标,权重,三级指标,权重\n决策,1E99999999,立项,2,依据,2\n"
    with pytest.raises(ImportFailed) as failed:
        importer.import_system(table.encode())
    assert [(i.path, i.message) for i in failed.value.issues] == [
        ("CSV!B2", "权重应为不小于0的数字，不是 '1E99999999'")
    ]
    sheet = facts.read_facts(
        "项目名称,预算资金\n甲,1E99999999\n乙,NaN\n".encode(), {"预算资金": "amount"}
    )
    assert [(i.path, i.message) for i in sheet.issues] == [
        ("CSV!B2", "预算资金：应为数字，不是 '1E99999999'"),
        ("CSV!B3", "预算资金：应为数字，不是 'NaN'"),
    ]


@pytest.mark.parametrize(
    "member", ["xl/worksheets/sheet1.xml", "docProps/core.xml", "xl/styles.xml"]
)
def test_an_export_with_broken_xml_is_unreadable(member: str) -> None:
    data = _package({**SEED001, member: b"<"})
    with pytest.raises(workbook.Unreadable):
        importer.import_system(data)
    with pytest.raises(workbook.Unreadable):
        facts.read_facts(data)


def _system(level3: list[tuple[str, str]], name: str = "体系") -> IndicatorSystem:
    """One level-1 and one level-2 group over leaves given as (name, weight)."""
    leaves = [
        {"code": f"1.1.{i}", "name": n, "weight": w, "standard": n, "rule": {"kind": "judgement"}}
        for i, (n, w) in enumerate(level3, start=1)
    ]
    total = str(sum(Decimal(w) for _, w in level3))
    two = {"code": "1.1", "name": "立项", "weight": total, "children": leaves}
    one = {"code": "1", "name": "决策", "weight": total, "children": [two]}
    return IndicatorSystem.model_validate(
        {"name": name, "total_weight": total, "indicators": [one]}
    )


def test_text_starting_with_equals_is_exported_as_text_not_a_formula() -> None:
    system = _system([('=HYPERLINK("http://example.com","x")', "5")], name="=1+1")
    book = openpyxl.load_workbook(io.BytesIO(exporter.write_xlsx(system)))
    sheet = book.worksheets[0]
    assert [(c.value, c.data_type) for c in (sheet["A1"], sheet["E3"], sheet["H3"])] == [
        ("=1+1", "s"),
        ('=HYPERLINK("http://example.com","x")', "s"),
        ('=HYPERLINK("http://example.com","x")', "s"),
    ]
    assert (sheet["M3"].value, sheet["M3"].data_type) == ("=SUM(J3:J3)", "f")  # ours stay
    assert importer.import_system(exporter.write_xlsx(system)).system == system


@pytest.mark.parametrize("level", [1, 2, 3])
@pytest.mark.parametrize("export", [exporter.write_xlsx, exporter.write_csv])
def test_an_indicator_named_like_the_total_row_imports_back(
    level: int, export: Callable[[IndicatorSystem], bytes]
) -> None:
    # Found by the CSV round trip: a level-2 indicator named 总计 ended the table.
    body = _system([("依据", "2"), ("合计" if level == 3 else "程序", "1")]).model_dump()
    if level == 1:
        body["indicators"][0]["name"] = "合计"
    if level == 2:
        body["indicators"][0]["children"][0]["name"] = "总计"
    system = IndicatorSystem.model_validate(body)
    imported = importer.import_system(export(system)).system
    assert _weights(imported) == _weights(system)
    assert [name for _, name, _ in _weights(imported)] == [
        "合计" if level == 1 else "决策",
        "总计" if level == 2 else "立项",
        "依据",
        "合计" if level == 3 else "程序",
    ]


def test_siblings_of_one_name_and_weight_import_back_as_siblings() -> None:
    system = _system([("依据", "2"), ("依据", "2"), ("程序", "1")])
    imported = importer.import_system(exporter.write_xlsx(system)).system
    assert [(n.code, n.name, n.weight) for n in imported.indicators[0].children[0].children] == [
        ("1.1.1", "依据", Decimal(2)),
        ("1.1.2", "依据", Decimal(2)),
        ("1.1.3", "程序", Decimal(1)),
    ]
    assert imported == system
