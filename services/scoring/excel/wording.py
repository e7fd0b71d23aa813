"""The wording of scoring standards: normalised text, numbers, defined rates and fact types."""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from services.scoring import formula
from services.scoring.excel.layout import plain
from services.scoring.system import FactType

NUMBER = r"\d+(?:\.\d+)?"
HUNDRED = Decimal(100)
_LATEX = (("$", ""), ("\\geq", "≥"), ("\\leq", "≤"), ("\\ge", "≥"), ("\\le", "≤"), ("\\%", "%"))
_HALF = str.maketrans(
    "（）［］，；：＝％＞＜≧≦×÷／－—–～~０１２３４５６７８９．",
    "()[],;:=%><≥≤*//-----0123456789.",
)
_SPACE = re.compile(r"\s+")
_NAME = r"[^\d=,;:()%≥≤<>+\-*/。、\"“”'‘’][^=,;:()%≥≤<>+\-*/。、\"“”'‘’]*"
_DEFINITION = re.compile(rf"^(?P<name>{_NAME})=(?P<expr>[^=,;:≥≤<>]+)$")
_EXPRESSION = re.compile(r"^[^=,;:≥≤<>]*[+\-*/][^=,;:≥≤<>]*$")
_PERCENT_TAIL = re.compile(r"\*100%?$")
_ENUMERATOR = re.compile(r"^(?:[①-⑳]|\d+[.、]|[(]\d+[)])")
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
COUNT_UNITS = ("次", "家次", "人次", "家", "个", "项", "起", "人", "批次", "批", "件", "场", "期")
_TYPES: tuple[tuple[FactType, tuple[str, ...]], ...] = (
    ("rate", ("率", "满意度", "比例", "占比")),
    ("amount", ("资金", "金额", "经费", "预算", "支出", "成本", "费用", "投资", "到位", "元")),
    ("count", ("数", *COUNT_UNITS)),
)


def plain_text(text: str) -> str:
    """Normalise a standard for matching: half-width signs, ≥ and ≤, no spaces, no notes."""
    for latex, sign in _LATEX:
        text = text.replace(latex, sign)
    text = _SPACE.sub("", text.translate(_HALF)).replace(">=", "≥").replace("<=", "≤")
    for note in ("注:", "备注:", "说明:"):
        text = text.split(note, 1)[0]
    return text


def parts(text: str) -> list[str]:
    """Split normalised text into its sentences and clauses (at 。 and ;)."""
    return [part.strip(",") for part in re.split(r"[。;]", text) if part.strip(",")]


def unnumbered(text: str) -> str:
    """Drop a leading ① or 1. or (1)."""
    return _ENUMERATOR.sub("", text, count=1)


def points(text: str) -> Decimal:
    """Read points or a plain number: "0.50" -> 0.5."""
    return plain(Decimal(text))


def fraction(text: str, percent: bool) -> Decimal:
    """Read a threshold: "90" with % -> 0.9 (rates are fractions), else the number."""
    value = Decimal(text)
    return plain(value / HUNDRED) if percent else plain(value)


def fact_type(name: str, percent: bool = False, unit: str = "") -> FactType:
    """Guess a fact's type from its threshold, unit or name: 率 rate, 资金 amount, 次数 count."""
    if percent:
        return "rate"
    if unit in COUNT_UNITS:
        return "count"
    for kind, endings in _TYPES:
        if name.endswith(endings):
            return kind
    return "number"


def _pretty(expression: str) -> str:
    """Write an expression as the templates do: spaces around + - * /, no outer brackets."""
    expression = _PERCENT_TAIL.sub("", expression)
    while expression.startswith("(") and _closes_at_end(expression):
        expression = expression[1:-1]
    return re.sub(r"\s*([+\-*/])\s*", r" \1 ", expression).strip()


def _closes_at_end(expression: str) -> bool:
    depth = 0
    for index, char in enumerate(expression):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index == len(expression) - 1
    return False


@dataclass
class Definitions:
    """The rates a standard defines (资金到位率=(实际到位资金/预算资金)*100%), in order."""

    formulas: dict[str, str] = field(default_factory=dict)
    reads: dict[str, tuple[str, ...]] = field(default_factory=dict)
    percent: dict[str, bool] = field(default_factory=dict)
    rest: list[str] = field(default_factory=list)


def definitions(text: str, name: str, explanation: str) -> Definitions:
    """Find the defined rates of a standard, and of an explanation that is a bare formula."""
    found = Definitions()
    for part in parts(text):
        match = _DEFINITION.match(part)
        if match is None or match["name"] == "得分" or not _define(found, *match.groups()):
            found.rest.append(part)
    for part in parts(explanation):
        match = _DEFINITION.match(part)
        if match is not None and match["name"] != "得分":
            _define(found, *match.groups())
        elif _EXPRESSION.match(part) and name not in found.formulas:
            _define(found, name, part)  # 实际到位/计划到位*100% under the indicator's name
    return found


def _define(found: Definitions, name: str, expression: str) -> bool:
    if not _EXPRESSION.match(expression) or name in found.formulas:
        return False
    source = _pretty(expression)
    try:
        parsed = formula.parse(source)
    except formula.FormulaError:
        return False
    if not parsed.names or name in parsed.names:
        return False
    found.formulas[name] = source
    found.reads[name] = tuple(sorted(parsed.names, key=source.find))
    found.percent[name] = bool(_PERCENT_TAIL.search(expression)) or name.endswith("率")
    return True
