import decimal
import pickle
import sys
from collections.abc import Callable, Mapping
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.scoring import formula
from services.scoring.formula import DivisionByZero, FormulaError, UnknownName, Value

D = Decimal


def evaluate(source: str, values: Mapping[str, Value] | None = None) -> Value:
    return formula.parse(source).evaluate(values or {})


def error_of(source: str, values: Mapping[str, Value] | None = None) -> FormulaError:
    with pytest.raises(FormulaError) as caught:
        evaluate(source, values)
    return caught.value


@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("实际到位资金 / 预算资金", {"实际到位资金": D(140), "预算资金": D(140)}, D(1)),
        ("整改数 / 隐患数", {"整改数": D(412), "隐患数": D(413)}, D(412) / D(413)),
        (
            "(上年度一般安全生产事故发生数 - 本年度一般安全生产事故发生数)"
            " / 上年度一般安全生产事故发生数",
            {"上年度一般安全生产事故发生数": D(5), "本年度一般安全生产事故发生数": D(3)},
            D("0.4"),
        ),
        ("(5−3)/5", {}, D("0.4")),
        ("实际支出 / 调整预算", {"实际支出": D("103.86"), "调整预算": D("276.96")}, D("0.375")),
        ("15400 / 156 / 100", {}, D(15400) / D(156) / D(100)),
    ],
)
def test_seed_formulas_give_exact_decimals(
    source: str, values: dict[str, Value], expected: Decimal
) -> None:
    assert evaluate(source, values) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("2 - 3 - 4", D(-5)),
        ("2 * 3 + 4", D(10)),
        ("2 + 3 * 4", D(14)),
        ("-2 * 3", D(-6)),
        ("- 2 - - 3", D(1)),
        ("24 / 4 / 2", D(3)),
        ("24 / 4 * 2", D(12)),
        ("(2 + 3) * 4", D(20)),
        ("2 * (3 + 4) - 1", D(13)),
        ("-(2 + 3)", D(-5)),
        ("+5 - +2", D(3)),
        ("1.5 + 0.05", D("1.55")),
        (".5 * 2", D(1)),
        ("0.1 + 0.2", D("0.3")),
        ("1 / 3", D(1) / D(3)),
        ("2 / 3 * 3", D(2) / D(3) * D(3)),
        ("0 * -1", D(0)),
        ("1" + "+1" * 333, D(334)),
    ],
)
def test_arithmetic_follows_precedence_and_left_associativity(source: str, expected: Value) -> None:
    assert evaluate(source) == expected


def test_negative_zero_is_returned_as_zero() -> None:
    result = evaluate("0 / -5")
    assert result == 0
    assert str(result) == "0"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("90%", D("0.9")),
        ("100%", D(1)),
        ("0.5%", D("0.005")),
        ("-5%", D("-0.05")),
        ("98.72%", D("0.9872")),
        ("90％", D("0.9")),
    ],
)
def test_percent_literals_are_fractions(source: str, expected: Decimal) -> None:
    assert evaluate(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 4", False),
        ("98.72% >= 90%", True),
        ("1 == 1.00", True),
        ("1 = 1", True),
        ("1 != 1", False),
        ("1 <> 2", True),
        ("true = true", True),
        ("true != false", True),
        ("true and false", False),
        ("true or false", True),
        ("not true", False),
        ("not 1 > 2", True),
        ("true or false and false", True),
        ("(true or false) and false", False),
        ("not true or true", True),
        ("1 < 2 and 2 < 3 and 3 < 4", True),
        ("1 > 2 or 2 > 3 or 3 > 2", True),
        ("1 + 1 = 2", True),
        ("TRUE AND True", True),
    ],
)
def test_comparisons_and_logic(source: str, expected: bool) -> None:
    assert evaluate(source) is expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"上年事故数": D(0)}, D(0)),
        ({"上年事故数": D(4), "本年事故数": D(3)}, D("0.75")),
    ],
)
def test_if_evaluates_only_the_branch_it_takes(values: dict[str, Value], expected: Decimal) -> None:
    assert evaluate("if(上年事故数 = 0, 0, 本年事故数 / 上年事故数)", values) == expected


def test_and_or_stop_at_the_deciding_value() -> None:
    assert evaluate("x = 0 or y / x > 1", {"x": D(0)}) is True
    assert evaluate("x != 0 and y / x > 1", {"x": D(0)}) is False


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("min(3, 1, 2)", D(1)),
        ("max(3, 1, 2)", D(3)),
        ("min(7)", D(7)),
        ("abs(-2.5)", D("2.5")),
        ("abs(2)", D(2)),
        ("min(a / b, 1) * 3", D(3)),
        ("max(0, 6 - 2 * 3.5)", D(0)),
        ("if(a > b, true, false)", True),
        ("if(a < b, 1, if(a = b, 2, 3))", D(3)),
        ("IF(a > b, MAX(a, b), Min(a, b))", D(140)),
    ],
)
def test_functions(source: str, expected: Value) -> None:
    assert evaluate(source, {"a": D(140), "b": D(130)}) == expected


def test_names_lists_every_name_including_untaken_branches() -> None:
    parsed = formula.parse("if(a = 0, [b c] + 资金到位率, max(a, d_1)) > e")
    assert parsed.names == frozenset({"a", "b c", "资金到位率", "d_1", "e"})
    assert formula.parse("1 + 2").names == frozenset()


@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("[避免经济损失（万元）] * 2", {"避免经济损失（万元）": D(3)}, D(6)),
        ("[ 完成率 (%) ] + 1", {"完成率 (%)": D(1)}, D(2)),
        ("[max] + [if]", {"max": D(1), "if": D(2)}, D(3)),
        ("[2023年预算]", {"2023年预算": D(5)}, D(5)),
        ("ａｂｃ１ + x_2", {"ａｂｃ１": D(1), "x_2": D(1)}, D(2)),
        ("完成", {"完成": True}, True),
    ],
)
def test_names_plain_and_in_brackets(
    source: str, values: dict[str, Value], expected: Value
) -> None:
    assert evaluate(source, values) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("6 × 2 ÷ 4", D(3)),
        ("（5 − 3）÷ 5", D("0.4")),
        ("max（1，2）", D(2)),
        ("１４０／１４０", D(1)),
        ("１．５ ＋ ２", D("3.5")),
        ("5 ≥ 5", True),
        ("5 ≧ 6", False),
        ("4 ≤ 5", True),
        ("4 ≠ 4", False),
        ("4 ＝ 4", True),
        ("4 – 1", D(3)),
        ("4\u3000*\u00a02", D(8)),
    ],
)
def test_characters_pasted_from_word(source: str, expected: Value) -> None:
    assert evaluate(source) == expected


@pytest.mark.parametrize(
    ("source", "message", "position"),
    [
        ("(a + b))", "unexpected ')'", 7),
        ("1 +", "unexpected end of formula", 3),
        ("", "the formula is empty", 0),
        ("  ", "the formula is empty", 0),
        ("(1 + 2", "'(' is never closed", 0),
        ("max(1, 2", "'(' is never closed", 3),
        ("a b", "missing operator before 'b'", 2),
        ("2(3)", "missing operator before '('", 1),
        ("(1, 2)", "unexpected ','", 2),
        ("min(1, )", "unexpected ')'", 7),
        ("1 * / 2", "unexpected '/'", 4),
        ("a.b", "attribute access is not allowed", 1),
        ("(a).b", "attribute access is not allowed", 3),
        ("1.5.3", "unexpected '.'", 3),
        ("1.", "expected a digit after the decimal point", 1),
        ("a[1]", "subscripts are not allowed", 1),
        ("[a", "'[' is never closed", 0),
        ("[ ]", "empty name in '[ ]'", 0),
        ("__class__", "names starting with '__' are not allowed: '__class__'", 0),
        ("1 + [__x]", "names starting with '__' are not allowed: '__x'", 4),
        ("foo(1)", "unknown function 'foo'; allowed: abs, if, max, min", 0),
        ("1 + __import__('os')", "names starting with '__' are not allowed: '__import__'", 4),
        ("'abc'", "quoted text is not allowed; write a name in [ ] instead", 0),
        ("“预算”", "quoted text is not allowed; write a name in [ ] instead", 0),
        ("lambda: 1", "unexpected character ':'", 6),
        ("1 ; 2", "unexpected character ';'", 2),
        ("a\x00", "unexpected character U+0000", 1),
        ("2 ** 3", "powers ('**') are not supported", 2),
        ("!a", "unexpected '!'; write 'not' or '!='", 0),
        ("a %", "'%' is allowed only right after a number, as in 90%", 2),
        ("2023年预算 + 1", "a name cannot start with a digit; write it as [2023年预算]", 0),
        (
            "1 < 2 < 3",
            "comparisons cannot be chained; join them with 'and', as in a < b and b < c",
            6,
        ),
        ("min", "'min' must be followed by '('", 0),
        ("min()", "min() takes at least 1 argument, got 0", 0),
        ("abs(1, 2)", "abs() takes 1 argument, got 2", 0),
        (
            "if(true, 1)",
            "if() takes 3 arguments (condition, value if true, value if false), got 2",
            0,
        ),
        ("a and", "unexpected end of formula", 5),
        ("and a", "unexpected 'and'", 0),
        ("true + 1", "'+' needs numbers, but 'true' is a yes/no value", 0),
        ("1 - (2 > 1)", "'-' needs numbers, but '(2 > 1)' is a yes/no value", 4),
        ("-true", "'-' needs a number, but 'true' is a yes/no value", 1),
        ("1 and true", "'and' needs yes/no values, but '1' is a number", 0),
        ("not 5", "'not' needs a yes/no value, but '5' is a number", 4),
        ("if(1, 2, 3)", "the condition of if() must be yes/no, but '1' is a number", 3),
        ("true < false", "'<' compares numbers, but 'true' is a yes/no value", 0),
        ("1 = true", "'=' cannot compare a yes/no value with a number", 2),
        ("min(1, 1 > 0)", "min() needs numbers, but '1 > 0' is a yes/no value", 7),
        ("if(a, 1, true) + 1", "'+' needs numbers, but 'true' is a yes/no value", 9),
    ],
)
def test_parse_errors_name_the_position(source: str, message: str, position: int) -> None:
    with pytest.raises(FormulaError) as caught:
        formula.parse(source)
    assert (caught.value.message, caught.value.position) == (message, position)
    assert str(caught.value) == f"{message} at position {position}"


def test_unknown_function_written_with_full_width_brackets_suggests_brackets() -> None:
    with pytest.raises(FormulaError, match=r"write a name that contains brackets as \["):
        formula.parse("避免经济损失（万元）")


@pytest.mark.parametrize(
    ("source", "values", "kind", "message", "position"),
    [
        ("a / 预算资金", {"a": D(1)}, UnknownName, "name '预算资金' has no value", 4),
        ("a / b", {"a": D(1), "b": D(0)}, DivisionByZero, "division by zero: 'b' is 0", 2),
        (
            "a / (b - b)",
            {"a": D(1), "b": D(2)},
            DivisionByZero,
            "division by zero: '(b - b)' is 0",
            2,
        ),
        ("1 + 1 / 0.00", {}, DivisionByZero, "division by zero: '0.00' is 0", 6),
        ("x + 1", {"x": True}, FormulaError, "'+' needs numbers, but 'x' is a yes/no value", 0),
        ("not x", {"x": D(1)}, FormulaError, "'not' needs a yes/no value, but 'x' is a number", 4),
        (
            "if(x, 1, 2)",
            {"x": D(1)},
            FormulaError,
            "the condition of if() must be yes/no, but 'x' is a number",
            3,
        ),
        (
            "x = y",
            {"x": True, "y": D(1)},
            FormulaError,
            "'=' cannot compare a yes/no value with a number",
            2,
        ),
        ("x = 1", {"x": True}, FormulaError, "'=' cannot compare a yes/no value with a number", 2),
        ("x * x", {"x": D("1e999999")}, FormulaError, "the result of '*' is too large", 2),
        (
            "x",
            {"x": D("NaN")},
            FormulaError,
            "name 'x' has the value NaN, which is not a number",
            0,
        ),
        (
            "x + 1",
            {"x": D("-Infinity")},
            FormulaError,
            "name 'x' has the value -Infinity, which is not a number",
            0,
        ),
        ("x", {"x": None}, UnknownName, "name 'x' has no value", 0),
        (
            "x",
            {"x": 1.5},
            FormulaError,
            "name 'x' has a value of type float, not a Decimal or a bool",
            0,
        ),
    ],
)
def test_evaluation_errors_name_the_position(
    source: str, values: dict[str, Value], kind: type[FormulaError], message: str, position: int
) -> None:
    error = error_of(source, values)
    assert type(error) is kind
    assert (error.message, error.position) == (message, position)


def test_unknown_name_carries_the_name() -> None:
    error = error_of("a + [避免经济损失（万元）]", {"a": D(1)})
    assert isinstance(error, UnknownName)
    assert error.name == "避免经济损失（万元）"
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    "error", [FormulaError("bad", 3), UnknownName("预算", 4), DivisionByZero("zero", 5)]
)
def test_errors_survive_pickling(error: FormulaError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (copy.message, copy.position, str(copy)) == (error.message, error.position, str(error))


def test_nesting_up_to_the_limit_is_accepted() -> None:
    assert evaluate("(" * 32 + "1" + ")" * 32) == 1
    assert evaluate("-" * 32 + "1") == 1
    assert evaluate("abs(" * 32 + "1" + ")" * 32) == 1
    assert evaluate("not " * 32 + "true") is True


@pytest.mark.parametrize(
    "source",
    ["(" * 33 + "1" + ")" * 33, "-" * 33 + "1", "min(" * 33 + "1" + ")" * 33, "not " * 33 + "true"],
)
def test_nesting_beyond_the_limit_is_refused(source: str) -> None:
    with pytest.raises(FormulaError, match="nested too deeply"):
        formula.parse(source)


def _with_stack_left(frames: int, action: Callable[[], object]) -> object:
    """Run action with only this many frames left before the recursion limit."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back  # type: ignore[assignment]

    def recurse(remaining: int) -> object:
        return recurse(remaining - 1) if remaining > 0 else action()

    return recurse(sys.getrecursionlimit() - depth - frames)


def test_a_caller_short_of_stack_gets_a_formula_error() -> None:
    deep = "min(" * 32 + "x" + ")" * 32
    assert _with_stack_left(400, lambda: formula.parse(deep).evaluate({"x": D(1)})) == 1
    with pytest.raises(FormulaError, match="nested too deeply"):
        _with_stack_left(100, lambda: formula.parse(deep))
    parsed = formula.parse(deep)
    with pytest.raises(FormulaError, match="nested too deeply to evaluate here"):
        _with_stack_left(20, lambda: parsed.evaluate({"x": D(1)}))


def test_length_limit() -> None:
    longest = "1" + "+1" * 499 + " "
    assert len(longest) == formula.MAX_LENGTH
    assert evaluate(longest) == 500
    with pytest.raises(FormulaError) as caught:
        formula.parse(longest + "1")
    assert caught.value.message == "formula is too long: 1001 characters, at most 1000"
    assert caught.value.position == 1000


def test_caller_decimal_context_does_not_change_results() -> None:
    parsed = formula.parse("a / b")
    expected = D(2) / D(3)
    with decimal.localcontext(decimal.Context(prec=3, traps=[])):
        assert parsed.evaluate({"a": D(2), "b": D(3)}) == expected


def test_parse_refuses_what_is_not_text() -> None:
    with pytest.raises(FormulaError, match="a formula must be text, not int"):
        formula.parse(5)  # type: ignore[arg-type]


def test_formula_compares_pickles_and_prints_by_source() -> None:
    parsed = formula.parse("a / b")
    assert parsed == formula.parse("a / b") != formula.parse("a/b")
    assert hash(parsed) == hash(formula.parse("a / b"))
    assert repr(parsed) == "Formula('a / b')"
    copy = pickle.loads(pickle.dumps(parsed))
    assert copy.evaluate({"a": D(1), "b": D(4)}) == D("0.25")


_FRAGMENTS = [
    *("a", "b", "[c d]", "__x", "x.y", "foo", "预算资金", "a[0]", "'s'"),
    *("0", "1", "2.5", "90%", "1e999999", "９", ".5", "1."),
    *("true", "false", "and", "or", "not", "if(", "min(", "max(", "abs(", "if", "MAX("),
    *("+", "-", "*", "/", "×", "÷", "−", "%", "**", "(", ")", "（", "）", ",", "，"),
    *("<", "<=", ">", ">=", "=", "==", "!=", "<>", "≥", "≤", "≠", "!", "[", "]", " "),
]
_NAMES = ["a", "b", "c d", "预算资金", "foo"]
_VALUES = st.dictionaries(
    st.sampled_from(_NAMES), st.one_of(st.decimals(), st.booleans()), max_size=len(_NAMES)
)


def _outcome(source: str, values: Mapping[str, Value]) -> Value | FormulaError:
    try:
        parsed = formula.parse(source)
    except FormulaError as error:
        return error
    assert all(name in source for name in parsed.names)
    try:
        return parsed.evaluate(values)
    except FormulaError as error:
        return error


def _assert_value_or_positioned_error(source: str, outcome: Value | FormulaError) -> None:
    if isinstance(outcome, FormulaError):
        assert 0 <= outcome.position <= len(source)
    else:
        assert type(outcome) in (Decimal, bool)


@given(st.text(max_size=1100))
def test_parse_of_any_text_raises_only_formula_errors(source: str) -> None:
    _assert_value_or_positioned_error(source, _outcome(source, {}))


@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=60).map("".join), _VALUES)
def test_any_formula_with_any_values_raises_only_formula_errors(
    source: str, values: dict[str, Value]
) -> None:
    _assert_value_or_positioned_error(source, _outcome(source, values))


_ATOMS = st.sampled_from(["a", "b", "[c d]", "预算资金", "0", "1", "2.5", "90%", "true", "false"])
_OPERATORS = ["+", "-", "*", "/", "×", "<", "<=", "=", "!=", "≥", "and", "or"]
_NESTED = st.recursive(
    _ATOMS,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(_OPERATORS), inner).map(lambda t: f"({' '.join(t)})"),
        inner.map(lambda e: f"-({e})"),
        inner.map(lambda e: f"not ({e})"),
        inner.map(lambda e: f"abs({e})"),
        st.lists(inner, min_size=1, max_size=3).map(lambda es: f"max({', '.join(es)})"),
        st.tuples(inner, inner, inner).map(lambda t: f"if({', '.join(t)})"),
    ),
    max_leaves=20,
)


@given(_NESTED, _VALUES)
def test_nested_constructs_with_any_values_raise_only_formula_errors(
    source: str, values: dict[str, Value]
) -> None:
    _assert_value_or_positioned_error(source, _outcome(source, values))


_LEAF_VALUES = st.decimals(min_value=-(10**6), max_value=10**6, places=3)
_TREES = st.recursive(
    st.one_of(_LEAF_VALUES, st.sampled_from(["a", "b"])),
    lambda children: st.tuples(st.sampled_from("+-*/"), children, children),
    max_leaves=12,
)
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def _render(tree: object, outer: int = 0, right: bool = False) -> str:
    """Write the tree with only the parentheses that precedence and left association need."""
    if isinstance(tree, Decimal):
        text = str(tree)
        return f"({text})" if text.startswith("-") and outer else text
    if isinstance(tree, str):
        return tree
    assert isinstance(tree, tuple)
    op, left, right_tree = tree
    level = _PRECEDENCE[op]
    text = f"{_render(left, level)} {op} {_render(right_tree, level, right=True)}"
    return f"({text})" if level < outer or (right and level == outer) else text


def _reference(tree: object, values: Mapping[str, Decimal]) -> Decimal:
    if isinstance(tree, Decimal):
        return tree
    if isinstance(tree, str):
        return values[tree]
    assert isinstance(tree, tuple)
    op, left, right = tree
    a, b = _reference(left, values), _reference(right, values)
    if op == "/" and not b:
        raise ZeroDivisionError
    with decimal.localcontext(decimal.Context()):
        return {"+": a + b, "-": a - b, "*": a * b}[op] if op != "/" else a / b


@given(_TREES, _LEAF_VALUES, _LEAF_VALUES)
def test_arithmetic_matches_the_tree_it_was_written_from(
    tree: object, a: Decimal, b: Decimal
) -> None:
    values = {"a": a, "b": b}
    source = _render(tree)
    try:
        expected = _reference(tree, values)
    except ZeroDivisionError:
        with pytest.raises(DivisionByZero):
            evaluate(source, values)
        return
    assert evaluate(source, values) == expected
