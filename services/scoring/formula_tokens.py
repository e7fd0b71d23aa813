"""Split formula text into tokens: numbers, names, keywords and operators."""

from dataclasses import dataclass
from decimal import Decimal

from services.scoring.formula_errors import FormulaError

FUNCTIONS = ("abs", "if", "max", "min")
KEYWORDS = frozenset({"and", "or", "not", "true", "false", *FUNCTIONS})

# Characters pasted from Word or typed with a Chinese input method, and what they mean.
_OPERATORS = {
    "+": "+", "＋": "+", "-": "-", "－": "-", "−": "-", "–": "-",
    "*": "*", "＊": "*", "×": "*", "/": "/", "／": "/", "÷": "/",
    "(": "(", "（": "(", ")": ")", "）": ")", ",": ",", "，": ",",
    "<": "<", "＜": "<", ">": ">", "＞": ">", "=": "==", "＝": "==", "!": "!", "！": "!",
    "≤": "<=", "≦": "<=", "≥": ">=", "≧": ">=", "≠": "!=", "%": "%", "％": "%",
}  # fmt: skip
_PAIRS = {
    ("<", "=="): "<=",
    (">", "=="): ">=",
    ("==", "=="): "==",
    ("!", "=="): "!=",
    ("<", ">"): "!=",
}
COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})
_DIGIT_CHARS = frozenset("0123456789０１２３４５６７８９")
_TO_ASCII = str.maketrans("０１２３４５６７８９．", "0123456789.")
_QUOTES = frozenset("'\"“”‘’「」『』")


@dataclass(frozen=True, slots=True)
class Token:
    """A number, name, keyword or operator: `value` is the canonical form, `text` as written."""

    kind: str  # "number", "name", "keyword", "op" or "end"
    value: str
    text: str
    pos: int
    number: Decimal = Decimal(0)

    def starts_operand(self) -> bool:
        """Return whether this token can begin an operand."""
        if self.kind == "keyword":
            return self.value not in ("and", "or", "not")
        return self.kind in ("number", "name") or self.value == "("


def _shown(char: str) -> str:
    return f"'{char}'" if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"


def _is_name_char(char: str) -> bool:
    return ("_" + char).isidentifier()


def _skip(source: str, start: int, chars: frozenset[str]) -> int:
    end = start
    while end < len(source) and source[end] in chars:
        end += 1
    return end


def _scan_number(source: str, start: int) -> tuple[int, str]:
    end = _skip(source, start, _DIGIT_CHARS)
    if end < len(source) and source[end] in ".．":
        if source[end + 1 : end + 2] not in _DIGIT_CHARS:
            raise FormulaError("expected a digit after the decimal point", end)
        end = _skip(source, end + 1, _DIGIT_CHARS)
    return end, source[start:end].translate(_TO_ASCII)


def _name_token(name: str, text: str, pos: int, bracketed: bool) -> Token:
    if name.startswith("__"):
        raise FormulaError(f"names starting with '__' are not allowed: '{name}'", pos)
    if not bracketed and name.lower() in KEYWORDS:
        return Token("keyword", name.lower(), text, pos)
    return Token("name", name, text, pos)


def _scan_bracketed(source: str, start: int) -> tuple[int, Token]:
    end = source.find("]", start)
    if end < 0 or "\n" in source[start:end]:
        raise FormulaError("'[' is never closed", start)
    name = source[start + 1 : end].strip()
    if not name:
        raise FormulaError("empty name in '[ ]'", start)
    return end + 1, _name_token(name, source[start : end + 1], start, bracketed=True)


def _scan_operator(source: str, start: int) -> tuple[int, Token]:
    op = _OPERATORS[source[start]]
    follower = _OPERATORS.get(source[start + 1 : start + 2], "")
    if (op, follower) in _PAIRS:
        return start + 2, Token("op", _PAIRS[op, follower], source[start : start + 2], start)
    if op == "!":
        raise FormulaError("unexpected '!'; write 'not' or '!='", start)
    if op == "%":
        raise FormulaError("'%' is allowed only right after a number, as in 90%", start)
    if op == "*" and follower == "*":
        raise FormulaError("powers ('**') are not supported", start)
    return start + 1, Token("op", op, source[start], start)


def _scan_literal(source: str, start: int) -> tuple[int, Token]:
    end, digits = _scan_number(source, start)
    number = Decimal(digits)
    if source[end : end + 1] in ("%", "％"):
        number = Decimal(digits + "E-2")  # exact: 90% is 0.90, never rounded
        end += 1
    if end < len(source) and _is_name_char(source[end]):
        name = source[start : _skip_name(source, end)]
        raise FormulaError(f"a name cannot start with a digit; write it as [{name}]", start)
    return end, Token("number", digits, source[start:end], start, number)


def _skip_name(source: str, start: int) -> int:
    end = start
    while end < len(source) and _is_name_char(source[end]):
        end += 1
    return end


def tokenize(source: str) -> list[Token]:
    """Split formula text into tokens, ending with an "end" token."""
    tokens: list[Token] = [Token("op", "", "", 0)]  # a sentinel so tokens[-1] always exists
    i = 0
    while i < len(source):
        char = source[i]
        after_operand = tokens[-1].kind in ("number", "name") or tokens[-1].value == ")"
        if char.isspace():
            i += 1
            continue
        if char in ".．" and after_operand:
            if tokens[-1].kind == "number":
                raise FormulaError(f"unexpected '{char}'", i)
            raise FormulaError("attribute access is not allowed", i)
        if char in _DIGIT_CHARS or (char == "." and source[i + 1 : i + 2] in _DIGIT_CHARS):
            i, token = _scan_literal(source, i)
        elif char.isidentifier():
            end = _skip_name(source, i + 1)
            i, token = end, _name_token(source[i:end], source[i:end], i, bracketed=False)
        elif char == "[" and after_operand:
            raise FormulaError("subscripts are not allowed", i)
        elif char == "[":
            i, token = _scan_bracketed(source, i)
        elif char in _QUOTES:
            raise FormulaError("quoted text is not allowed; write a name in [ ] instead", i)
        elif char in _OPERATORS:
            i, token = _scan_operator(source, i)
        else:
            raise FormulaError(f"unexpected character {_shown(char)}", i)
        tokens.append(token)
    tokens.append(Token("end", "", "", len(source)))
    return tokens[1:]
