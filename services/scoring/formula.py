"""The formula language of indicator systems: parse a user's formula once, evaluate it often.

Formulas are data written by users, such as `实际到位资金 / 预算资金` or
`if(上年事故数 = 0, 0, 本年事故数 / 上年事故数)`, so they are read by a hand-written parser and
never by Python's eval. The language:

* numbers `140`, `1.5`, `0.05`, percentages `90%` (0.90), and `true` / `false`;
* names of facts and derived values: `资金到位率`, or in brackets when they contain other
  characters, `[避免经济损失（万元）]`; names starting with `__` are refused;
* `+ - * /`, unary `-` and `+`, parentheses, comparisons `< <= > >= == !=` (a single `=` and
  `<>` also compare), `and`, `or`, `not`; chained comparisons such as `a < b < c` are refused;
* `min(a, b, ...)`, `max(a, b, ...)`, `abs(x)` and `if(condition, yes, no)`, which evaluates
  only the branch it takes;
* the characters Word and Chinese input methods produce: `× ÷ − ≥ ≤ ≠ （ ） ，`, full-width
  digits and operators.

Keywords (and, or, not, true, false, if, min, max, abs) are case-insensitive, so `IF(...)`
works; a fact with such a name is written `[max]`. Arithmetic is decimal, in a private
28-digit context equal to Python's default one. A formula holds at most 1,000 characters
and 32 levels of nesting; every error is a FormulaError with the 0-based position of the
culprit.
"""

from collections.abc import Mapping
from decimal import Decimal

from services.scoring import formula_compiler, formula_parser
from services.scoring.formula_errors import DivisionByZero, FormulaError, UnknownName, Value
from services.scoring.formula_parser import MAX_DEPTH, MAX_LENGTH

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "DivisionByZero",
    "Formula",
    "FormulaError",
    "UnknownName",
    "Value",
    "parse",
]

_ZERO = Decimal(0)


class Formula:
    """A parsed formula: its source, the names it reads, and a compiled evaluator."""

    __slots__ = ("_run", "names", "source")

    source: str
    names: frozenset[str]

    def __init__(self, source: str) -> None:
        if not isinstance(source, str):
            raise FormulaError(f"a formula must be text, not {type(source).__name__}", 0)
        try:
            tree = formula_parser.parse_tree(source)
            run = formula_compiler.Compiler(source).value(tree)
        except RecursionError:
            # The depth limit keeps recursion far below Python's; this only guards a caller
            # that is itself almost out of stack.
            raise FormulaError("formula is nested too deeply", 0) from None
        self.source = source
        self.names = formula_parser.names_in(tree)
        self._run = run

    def evaluate(self, values: Mapping[str, Value]) -> Value:
        """Evaluate the formula with these values of its names."""
        try:
            result = self._run(values)
        except RecursionError:
            # Evaluation nests no deeper than parsing did; only a caller that is itself
            # almost out of stack gets here.
            raise FormulaError("formula is nested too deeply to evaluate here", 0) from None
        except ArithmeticError as error:
            # The compiled closures turn decimal signals into FormulaError themselves; this
            # keeps the promise that nothing else escapes.
            message = f"the formula cannot be evaluated ({type(error).__name__})"
            raise FormulaError(message, 0) from None
        if type(result) is Decimal and not result:
            return _ZERO  # never print '-0'
        return result

    def __repr__(self) -> str:
        return f"Formula({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Formula) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    def __reduce__(self) -> tuple[type["Formula"], tuple[str]]:
        return (Formula, (self.source,))


def parse(source: str) -> Formula:
    """Parse a formula, raising FormulaError with the position of the first problem."""
    return Formula(source)
