"""The seed layout of an indicator table: its columns, their many spellings, and cell values."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Column keys, in the order of seed 001's appendix plus what an export adds.
LEVEL_NAMES = ("level1", "level2", "level3")
LEVEL_WEIGHTS = ("weight1", "weight2", "weight3")
HEADERS: dict[str, tuple[str, ...]] = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "level3": ("三级指标",),
    "explanation": ("指标解释", "具体指标", "指标说明", "指标内涵", "指标释义"),
    "standard": ("评分标准", "计分标准", "评分方法", "评分规则", "评分细则"),
    "evidence": ("须提供的资料", "须需提供的资料", "需提供的资料", "佐证资料", "提供资料"),
    "score": ("得分", "评价得分", "实际得分"),
    "rate": ("得分率",),
    "reason": ("扣分原因", "扣分理由", "扣分说明", "扣分情况"),
    "score2": ("二级指标得分",),
    "score1": ("一级指标得分",),
}
WEIGHT_HEADERS = ("权重", "分值", "权重分", "标准分", "满分")
TOTAL_LABELS = ("合计", "总计", "总分", "合 计", "总 计")
# The export's columns, in order (the import reads them back by name).
EXPORT_COLUMNS = (
    ("level1", "一级指标", 12),
    ("weight1", "权重", 7),
    ("level2", "二级指标", 14),
    ("weight2", "权重", 7),
    ("level3", "三级指标", 20),
    ("weight3", "权重", 7),
    ("explanation", "指标解释", 40),
    ("standard", "评分标准", 60),
    ("evidence", "须提供的资料", 24),
    ("score", "得分", 9),
    ("rate", "得分率", 10),
    ("reason", "扣分原因", 40),
    ("score2", "二级指标得分", 12),
    ("score1", "一级指标得分", 12),
)
# Auxiliary sheets of an export: what the table's layout cannot show, read back on import.
SYSTEM_SHEET = "体系"
FACTS_SHEET = "数据项"
DERIVED_SHEET = "计算公式"
RULES_SHEET = "规则"
FACT_COLUMNS = ("名称", "类型", "单位", "说明", "值", "用途")
DERIVED_COLUMNS = ("名称", "公式", "格式")
RULE_COLUMNS = ("编码", "层级", "指标", "评分标准", "规则", "评价", "得分")
SYSTEM_ROWS = ("名称", "总分", "等级标准")
_POINTS = re.compile(r"^(?P<name>.*?)\s*[（(]\s*(?P<points>\d+(?:\.\d+)?)\s*分\s*[）)]\s*$")
_SPACES = re.compile(r"\s+")
MAX_MAGNITUDE = 30  # powers of ten either way


def squeeze(value: object) -> str:
    """Return a cell's text without any whitespace (headers spread over lines, 合 计)."""
    return _SPACES.sub("", text(value))


def text(value: object) -> str:
    """Return a cell's text, stripped; empty for a blank cell."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def header_key(value: object) -> str | None:
    """Return the column key a header cell names, "weight" for a weight column, else None."""
    label = squeeze(value)
    if not label:
        return None
    if label in WEIGHT_HEADERS or re.fullmatch(r"(权重|分值)[（(]?分?[）)]?", label):
        return "weight"
    for key, names in HEADERS.items():
        if label in names:
            return key
    return None


def is_formula(value: object) -> bool:
    """Tell a formula cell (kept as text, "=SUM(F3:F5)") from a value."""
    return isinstance(value, str) and value.startswith("=")


def number(value: object) -> Decimal | None:
    """Read a number cell: 3, 0.5, "3", "3分"; None when the cell holds anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        raw = str(value)
    else:
        raw = text(value).removesuffix("分").strip()
    try:
        parsed = Decimal(raw)
    except InvalidOperation:
        return None
    return plain(parsed) if readable(parsed) else None


def readable(value: Decimal) -> bool:
    """Tell a number a sheet may hold from NaN, infinity and 1E99999999."""
    # Writing 1E99999999 out in full overflows the decimal context (or takes a gigabyte);
    # no weight, score or fact of a sheet is within 30 orders of magnitude of that.
    return value.is_finite() and (value.is_zero() or abs(value.adjusted()) <= MAX_MAGNITUDE)


def plain(value: Decimal) -> Decimal:
    """Drop trailing zeros and exponents: 0.50 -> 0.5, 1E+2 -> 100."""
    return Decimal(format(value.normalize(), "f"))


@dataclass(frozen=True)
class Named:
    """A level-1 or level-2 name cell, with the points written after it: 项目决策（20分）."""

    name: str
    points: Decimal | None


def named(value: object) -> Named:
    """Split "项目决策（20分）" into the name and its points."""
    raw = text(value)
    found = _POINTS.match(raw)
    if found and found["name"]:
        return Named(found["name"], plain(Decimal(found["points"])))
    return Named(raw, None)
