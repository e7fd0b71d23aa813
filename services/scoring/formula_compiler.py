"""Turn a formula's syntax tree into nested closures that evaluate it with type checks.

Every node is compiled for what its parent needs: a number, a yes/no value or either. Type
errors that the tree shows (`true + 1`) are raised while compiling; names are checked as
they are read, so the arithmetic closures themselves need no checks.
"""

import decimal
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import NoReturn, TypeVar

from services.scoring.formula_errors import DivisionByZero, FormulaError, UnknownName, Value
from services.scoring.formula_parser import (
    Arithmetic,
    Boolean,
    Call,
    Compare,
    Logic,
    Name,
    Node,
    Number,
    Unary,
)
from services.scoring.formula_tokens import Token

Values = Mapping[str, Value]
Run = Callable[[Values], Value]
NumberRun = Callable[[Values], Decimal]
BooleanRun = Callable[[Values], bool]
T = TypeVar("T")

# Like the default context (so results match plain Decimal arithmetic) but private, so a
# caller's decimal.localcontext() cannot change how a formula computes.
CONTEXT = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
_ARITHMETIC: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "+": CONTEXT.add,
    "-": CONTEXT.subtract,
    "*": CONTEXT.multiply,
    "/": CONTEXT.divide,
}
_ORDER: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_NUMBER = "a number"
_BOOLEAN = "a yes/no value"


class Compiler:
    """Compile the nodes of one formula, whose source text the error messages quote."""

    def __init__(self, source: str) -> None:
        self.source = source

    def quote(self, node: Node) -> str:
        """Return the node's source text in quotes, shortened if long."""
        text = self.source[node.pos : node.end]
        return f"'{text}'" if len(text) <= 40 else f"'{text[:37]}…'"

    def mismatch(self, node: Node, purpose: str, found: str) -> FormulaError:
        """Return the error for a node of the wrong type."""
        return FormulaError(f"{purpose}, but {self.quote(node)} is {found}", node.pos)

    def value(self, node: Node) -> Run:
        """Compile a node whose value may be a number or a yes/no value."""
        if isinstance(node, Name):
            return self.read_value(node)
        kind = _kind(node)
        if kind == _BOOLEAN:
            return self.boolean(node, "")
        if kind is None and isinstance(node, Call):
            return self.choice(node, self.value)
        return self.number(node, "")

    def number(self, node: Node, purpose: str) -> NumberRun:
        """Compile a node that must give a number; purpose says why, for the error."""
        if isinstance(node, Number):
            constant = node.value
            return lambda values: constant
        if isinstance(node, Name):
            return self.read_number(node, purpose)
        if isinstance(node, Arithmetic):
            return self.arithmetic(node)
        if isinstance(node, Unary) and node.op.value != "not":
            operand = self.number(node.operand, f"'{node.op.text}' needs a number")
            if node.op.value == "+":
                return operand
            return lambda values: operand(values).copy_negate()
        if isinstance(node, Call) and node.function == "if":
            return self.choice(node, lambda branch: self.number(branch, purpose))
        if isinstance(node, Call):
            return self.function(node)
        raise self.mismatch(node, purpose, _BOOLEAN)

    def boolean(self, node: Node, purpose: str) -> BooleanRun:
        """Compile a node that must give a yes/no value; purpose says why, for the error."""
        if isinstance(node, Boolean):
            constant = node.value
            return lambda values: constant
        if isinstance(node, Name):
            return self.read_boolean(node, purpose)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Logic):
            return self.logic(node)
        if isinstance(node, Unary) and node.op.value == "not":
            operand = self.boolean(node.operand, f"'{node.op.text}' needs a yes/no value")
            return lambda values: not operand(values)
        if isinstance(node, Call) and node.function == "if":
            return self.choice(node, lambda branch: self.boolean(branch, purpose))
        raise self.mismatch(node, purpose, _NUMBER)

    def read_value(self, node: Name) -> Run:
        """Compile reading a name that may hold a number or a yes/no value."""
        name = node.name

        def read(values: Values) -> Value:
            value = values.get(name)
            if type(value) is bool or (type(value) is Decimal and value.is_finite()):
                return value
            return self.unusable(node, value, "")

        return read

    def read_number(self, node: Name, purpose: str) -> NumberRun:
        """Compile reading a name that must hold a number."""
        name = node.name

        def read(values: Values) -> Decimal:
            value = values.get(name)
            if type(value) is Decimal and value.is_finite():
                return value
            return self.unusable(node, value, purpose)

        return read

    def read_boolean(self, node: Name, purpose: str) -> BooleanRun:
        """Compile reading a name that must hold a yes/no value."""
        name = node.name

        def read(values: Values) -> bool:
            value = values.get(name)
            if type(value) is bool:
                return value
            return self.unusable(node, value, purpose)

        return read

    def unusable(self, node: Name, value: object, purpose: str) -> NoReturn:
        """Raise the error for a value that cannot be read where the name stands."""
        if value is None:
            raise UnknownName(node.name, node.pos)
        if isinstance(value, Decimal) and not value.is_finite():
            message = f"name '{node.name}' has the value {value}, which is not a number"
        elif isinstance(value, bool):
            message = f"{purpose}, but {self.quote(node)} is {_BOOLEAN}"
        elif isinstance(value, Decimal) and purpose:
            message = f"{purpose}, but {self.quote(node)} is {_NUMBER}"
        else:
            kind = type(value).__name__
            message = f"name '{node.name}' has a value of type {kind}, not a Decimal or a bool"
        raise FormulaError(message, node.pos)

    def arithmetic(self, node: Arithmetic) -> NumberRun:
        """Compile a chain of + - * / evaluated left to right."""
        first = self.number(node.first, f"'{node.steps[0][0].text}' needs numbers")
        steps = tuple(
            (self.combiner(op, operand), self.number(operand, f"'{op.text}' needs numbers"))
            for op, operand in node.steps
        )
        if len(steps) == 1:
            ((combine, second),) = steps
            return lambda values: combine(first(values), second(values))

        def run(values: Values) -> Decimal:
            result = first(values)
            for combine, operand in steps:
                result = combine(result, operand(values))
            return result

        return run

    def combiner(self, op: Token, operand: Node) -> Callable[[Decimal, Decimal], Decimal]:
        """Return the function applying one arithmetic operator in the private context."""
        method = _ARITHMETIC[op.value]

        def combine(left: Decimal, right: Decimal) -> Decimal:
            try:
                return method(left, right)
            except decimal.DecimalException as error:
                raise _failed(op, error) from None

        if op.value != "/":
            return combine
        zero = f"division by zero: {self.quote(operand)} is 0"

        def divide(left: Decimal, right: Decimal) -> Decimal:
            if not right:
                raise DivisionByZero(zero, op.pos)
            return combine(left, right)

        return divide

    def function(self, node: Call) -> NumberRun:
        """Compile a call of abs, min or max."""
        args = tuple(self.number(arg, f"{node.function}() needs numbers") for arg in node.args)
        if node.function == "abs":
            (arg,) = args
            return lambda values: arg(values).copy_abs()
        if node.function == "min":
            return lambda values: min([arg(values) for arg in args])
        return lambda values: max([arg(values) for arg in args])

    def choice(
        self, node: Call, branch: Callable[[Node], Callable[[Values], T]]
    ) -> Callable[[Values], T]:
        """Compile if(condition, yes, no), which evaluates only the branch it takes."""
        condition = self.boolean(node.args[0], "the condition of if() must be yes/no")
        yes, no = branch(node.args[1]), branch(node.args[2])
        return lambda values: yes(values) if condition(values) else no(values)

    def compare(self, node: Compare) -> BooleanRun:
        """Compile a comparison; = and != also compare two yes/no values."""
        op = node.op
        if op.value in _ORDER:
            purpose = f"'{op.text}' compares numbers"
            left, right = self.number(node.left, purpose), self.number(node.right, purpose)
            order = _ORDER[op.value]
            return lambda values: order(left(values), right(values))
        kinds = {_kind(node.left), _kind(node.right)}
        mixed = f"'{op.text}' cannot compare a yes/no value with a number"
        if kinds == {_NUMBER, _BOOLEAN}:
            raise FormulaError(mixed, op.pos)
        left_value, right_value = self.value(node.left), self.value(node.right)
        equal = op.value == "=="

        def run(values: Values) -> bool:
            left, right = left_value(values), right_value(values)
            if (type(left) is bool) is not (type(right) is bool):
                raise FormulaError(mixed, op.pos)
            return (left == right) is equal

        return run

    def logic(self, node: Logic) -> BooleanRun:
        """Compile a chain of 'and' or of 'or', which stops at the first value that decides it."""
        purpose = f"'{node.op.text}' needs yes/no values"
        operands = tuple(self.boolean(operand, purpose) for operand in node.operands)
        deciding = node.op.value == "or"  # the value that ends the chain early

        def run(values: Values) -> bool:
            for operand in operands:
                if operand(values) is deciding:
                    return deciding
            return not deciding

        return run


def _failed(op: Token, error: decimal.DecimalException) -> FormulaError:
    if isinstance(error, decimal.Overflow):
        return FormulaError(f"the result of '{op.text}' is too large", op.pos)
    return FormulaError(f"'{op.text}' cannot be computed", op.pos)


def _kind(node: Node) -> str | None:
    """Return what the node gives, a number or a yes/no value, when the tree alone tells."""
    if isinstance(node, Number | Arithmetic):
        return _NUMBER
    if isinstance(node, Unary):
        return _BOOLEAN if node.op.value == "not" else _NUMBER
    if isinstance(node, Boolean | Compare | Logic):
        return _BOOLEAN
    if isinstance(node, Call) and node.function == "if":
        yes, no = _kind(node.args[1]), _kind(node.args[2])
        return yes if yes == no else None
    if isinstance(node, Call):
        return _NUMBER
    return None
