"""Parse formula tokens into a syntax tree by recursive descent, within length and depth limits."""

from dataclasses import dataclass, replace
from decimal import Decimal

from services.scoring.formula_errors import FormulaError
from services.scoring.formula_tokens import COMPARISONS, FUNCTIONS, Token, tokenize

MAX_LENGTH = 1000
MAX_DEPTH = 32


@dataclass(frozen=True, slots=True)
class Number:
    pos: int
    end: int
    value: Decimal


@dataclass(frozen=True, slots=True)
class Boolean:
    pos: int
    end: int
    value: bool


@dataclass(frozen=True, slots=True)
class Name:
    pos: int
    end: int
    name: str


@dataclass(frozen=True, slots=True)
class Unary:
    """`-x`, `+x` or `not x`."""

    pos: int
    end: int
    op: Token
    operand: "Node"


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """A left-to-right chain such as `a - b + c`, flat so long sums never nest deeply."""

    pos: int
    end: int
    first: "Node"
    steps: tuple[tuple[Token, "Node"], ...]


@dataclass(frozen=True, slots=True)
class Logic:
    """A chain of one connective, `a and b and c` or `a or b or c`."""

    pos: int
    end: int
    op: Token
    operands: tuple["Node", ...]


@dataclass(frozen=True, slots=True)
class Compare:
    pos: int
    end: int
    op: Token
    left: "Node"
    right: "Node"


@dataclass(frozen=True, slots=True)
class Call:
    pos: int
    end: int
    function: str
    args: tuple["Node", ...]


Node = Number | Boolean | Name | Unary | Arithmetic | Logic | Compare | Call


def parse_tree(source: str) -> Node:
    """Parse formula text into a syntax tree, or raise FormulaError with the position."""
    if len(source) > MAX_LENGTH:
        raise FormulaError(
            f"formula is too long: {len(source)} characters, at most {MAX_LENGTH}", MAX_LENGTH
        )
    parser = _Parser(tokenize(source))
    if parser.peek().kind == "end":
        raise FormulaError("the formula is empty", 0)
    tree = parser.expression()
    if parser.peek().kind != "end":
        raise parser.unexpected()
    return tree


class _Parser:
    """One call per precedence level, lowest first: or, and, not, comparison, + -, * /."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, *values: str) -> bool:
        token = self.tokens[self.index]
        return token.kind in ("op", "keyword") and token.value in values

    def unexpected(self) -> FormulaError:
        token = self.peek()
        if token.kind == "end":
            return FormulaError("unexpected end of formula", token.pos)
        if token.starts_operand():
            return FormulaError(f"missing operator before '{token.text}'", token.pos)
        return FormulaError(f"unexpected '{token.text}'", token.pos)

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(
                f"formula is nested too deeply (more than {MAX_DEPTH} levels)", token.pos
            )

    def end(self) -> int:
        previous = self.tokens[self.index - 1]
        return previous.pos + len(previous.text)

    def expression(self, word: str = "or") -> Node:
        """Parse a chain of 'or' (of 'and' chains) or, with word="and", a chain of 'and'."""
        # Each level is one method call and not two, to keep the recursion shallow.
        first = self.expression("and") if word == "or" else self.negation()
        if not self.at(word):
            return first
        op = self.peek()
        operands = [first]
        while self.at(word):
            self.advance()
            operands.append(self.expression("and") if word == "or" else self.negation())
        return Logic(first.pos, self.end(), op, tuple(operands))

    def negation(self) -> Node:
        if not self.at("not"):
            return self.comparison()
        op = self.advance()
        self.enter(op)
        operand = self.negation()
        self.depth -= 1
        return Unary(op.pos, self.end(), op, operand)

    def comparison(self) -> Node:
        left = self.sum()
        if not self.at(*COMPARISONS):
            return left
        op = self.advance()
        right = self.sum()
        if self.at(*COMPARISONS):
            raise FormulaError(
                "comparisons cannot be chained; join them with 'and', as in a < b and b < c",
                self.peek().pos,
            )
        return Compare(left.pos, self.end(), op, left, right)

    def sum(self, ops: tuple[str, str] = ("+", "-")) -> Node:
        """Parse a chain of + and - (of * / chains) or, with ops=("*", "/"), of * and /."""
        additive = ops == ("+", "-")
        first = self.sum(("*", "/")) if additive else self.unary()
        steps: list[tuple[Token, Node]] = []
        while self.at(*ops):
            op = self.advance()
            steps.append((op, self.sum(("*", "/")) if additive else self.unary()))
        return Arithmetic(first.pos, self.end(), first, tuple(steps)) if steps else first

    def unary(self) -> Node:
        if not self.at("+", "-"):
            return self.primary()
        op = self.advance()
        self.enter(op)
        operand = self.unary()
        self.depth -= 1
        if op.value == "-" and isinstance(operand, Number):
            return Number(op.pos, operand.end, operand.value.copy_negate())
        return Unary(op.pos, operand.end, op, operand)

    def primary(self) -> Node:
        token = self.peek()
        if token.kind == "number":
            self.advance()
            return Number(token.pos, self.end(), token.number)
        if token.kind == "keyword" and token.value in ("true", "false"):
            self.advance()
            return Boolean(token.pos, self.end(), token.value == "true")
        if token.kind == "keyword" and token.value in FUNCTIONS:
            return self.call()
        if token.kind == "name":
            self.advance()
            if self.at("(") and not token.text.startswith("["):
                raise FormulaError(self.unknown_function(token), token.pos)
            return Name(token.pos, self.end(), token.value)
        if self.at("("):
            self.advance()
            self.enter(token)
            inner = self.expression()
            self.close(token)
            self.depth -= 1
            return replace(inner, pos=token.pos, end=self.end())  # messages quote the parentheses
        raise self.unexpected()

    def unknown_function(self, token: Token) -> str:
        message = f"unknown function '{token.value}'; allowed: {', '.join(FUNCTIONS)}"
        if self.peek().text == "（":
            message += f"; write a name that contains brackets as [{token.value}（…）]"
        return message

    def close(self, opening: Token) -> None:
        if self.at(")"):
            self.advance()
        elif self.peek().kind == "end":
            raise FormulaError(f"'{opening.text}' is never closed", opening.pos)
        else:
            raise self.unexpected()

    def call(self) -> Node:
        function = self.advance()
        if not self.at("("):
            raise FormulaError(f"'{function.value}' must be followed by '('", function.pos)
        opening = self.advance()
        self.enter(opening)
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.expression())
            while self.at(","):
                self.advance()
                args.append(self.expression())
        self.close(opening)
        self.depth -= 1
        _check_arity(function, len(args))
        return Call(function.pos, self.end(), function.value, tuple(args))


def _check_arity(function: Token, count: int) -> None:
    name = function.value
    if name == "if" and count != 3:
        message = f"if() takes 3 arguments (condition, value if true, value if false), got {count}"
    elif name == "abs" and count != 1:
        message = f"abs() takes 1 argument, got {count}"
    elif name in ("min", "max") and count == 0:
        message = f"{name}() takes at least 1 argument, got 0"
    else:
        return
    raise FormulaError(message, function.pos)


def names_in(tree: Node) -> frozenset[str]:
    """Return every name the tree reads, including those in branches that may not be taken."""
    names: set[str] = set()
    pending: list[Node] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, Name):
            names.add(node.name)
        elif isinstance(node, Unary):
            pending.append(node.operand)
        elif isinstance(node, Arithmetic):
            pending += [node.first, *(operand for _, operand in node.steps)]
        elif isinstance(node, Compare):
            pending += [node.left, node.right]
        elif isinstance(node, Logic):
            pending += node.operands
        elif isinstance(node, Call):
            pending += node.args
    return frozenset(names)
