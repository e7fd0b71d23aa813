"""Check a template's placeholders against the data names before any document is made.

Walks the Jinja syntax tree: every name, attribute and loop variable must lead to a name of
the document data (services.report.data). Calls and the arithmetic that can blow up memory
are refused too, so a bureau's template can only read the data and print it.
"""

from dataclasses import dataclass, field

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from services.report.data import Shape

FILTERS = frozenset(
    "default d e escape first last length count join lower upper title capitalize trim "
    "replace round int float string truncate list sort reverse unique".split()
)
SAME_SHAPE = frozenset({"default", "d", "sort", "reverse", "list", "unique"})
ITEM_SHAPE = frozenset({"first", "last"})
REFUSED_OPERATORS = (nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow)


class Unknown:
    """The shape of something the checker cannot follow (a literal list, `loop`…)."""


ANY = Unknown()
Found = Shape | Unknown


def environment() -> ImmutableSandboxedEnvironment:
    """Return the sandbox templates are parsed and rendered in: no dunders, no mutation."""
    return ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


@dataclass
class Report:
    """What a template uses, and every reason it is refused."""

    used: set[str] = field(default_factory=set)
    problems: list[dict[str, str]] = field(default_factory=list)

    def refuse(self, placeholder: str, message: str) -> None:
        entry = {"placeholder": placeholder, "message": message}
        if entry not in self.problems:
            self.problems.append(entry)


Scope = dict[str, tuple[Found, str]]


class Checker:
    """Walk one template tree, recording used names and problems in a Report."""

    def __init__(self, names: dict[str, Shape], report: Report) -> None:
        self.names = names
        self.report = report
        self.items: list[str] = []  # the item paths of the loops we are inside

    def member(self, found: Found, path: str, name: str) -> tuple[Found, str]:
        child = f"{path}.{name}"
        if isinstance(found, Unknown):
            return ANY, child
        if isinstance(found, dict) and name in found:
            self.report.used.add(child)
            return found[name], child
        self.report.refuse(child, f"unknown placeholder {child}")
        return ANY, child

    def expr(self, node: nodes.Node, scope: Scope) -> tuple[Found, str]:
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name in self.names:
                self.report.used.add(node.name)
                return self.names[node.name], node.name
            self.report.refuse(node.name, f"unknown placeholder {node.name}")
            return ANY, node.name
        if isinstance(node, nodes.Getattr):
            return self.member(*self.expr(node.node, scope), node.attr)
        if isinstance(node, nodes.Getitem):
            found, path = self.expr(node.node, scope)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return self.member(found, path, node.arg.value)
            if isinstance(node.arg, nodes.Slice):
                self.children(node.arg, scope)
                return found, path
            self.expr(node.arg, scope)
            return (found[0], f"{path}[]") if isinstance(found, tuple) else (ANY, path)
        if isinstance(node, nodes.Filter | nodes.Test):
            return self.filter_or_test(node, scope)
        if isinstance(node, nodes.CondExpr):
            self.expr(node.test, scope)
            first = self.expr(node.expr1, scope)
            second = self.expr(node.expr2, scope) if node.expr2 else (None, "")
            return first if first[0] == second[0] else (ANY, first[1])
        if isinstance(node, nodes.Call):
            self.report.refuse(_source(node), "calls are not allowed in templates")
            return ANY, ""
        if isinstance(node, REFUSED_OPERATORS):
            self.report.refuse(_source(node), f"operator {node.operator} is not allowed")
            return ANY, ""
        if isinstance(node, nodes.Const | nodes.TemplateData):
            return None, ""
        if isinstance(
            node, nodes.Compare | nodes.Operand | nodes.BinExpr | nodes.UnaryExpr | nodes.Concat
        ):
            self.children(node, scope)
            return None, ""
        if isinstance(node, nodes.List | nodes.Tuple | nodes.Dict | nodes.Pair | nodes.Keyword):
            self.children(node, scope)
            return ANY, ""
        self.report.refuse(type(node).__name__, f"{type(node).__name__} is not allowed")
        return ANY, ""

    def filter_or_test(self, node: nodes.Filter | nodes.Test, scope: Scope) -> tuple[Found, str]:
        if isinstance(node, nodes.Filter) and node.name not in FILTERS:
            self.report.refuse(f"|{node.name}", f"filter {node.name} is not allowed")
        found, path = self.expr(node.node, scope) if node.node else (None, "")
        for argument in [*node.args, *node.kwargs]:
            self.expr(argument, scope)
        if node.dyn_args or node.dyn_kwargs:
            self.report.refuse(f"|{node.name}", "*args and **kwargs are not allowed")
        if isinstance(node, nodes.Filter) and node.name in SAME_SHAPE:
            return found, path
        if isinstance(node, nodes.Filter) and node.name in ITEM_SHAPE and isinstance(found, tuple):
            return found[0], f"{path}[]"
        return None, ""

    def children(self, node: nodes.Node, scope: Scope) -> None:
        for child in node.iter_child_nodes():
            self.expr(child, scope)

    def body(self, statements: list[nodes.Node], scope: Scope) -> None:
        for statement in statements:
            self.statement(statement, scope)

    def statement(self, node: nodes.Node, scope: Scope) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                self.expr(child, scope)
        elif isinstance(node, nodes.If):
            self.expr(node.test, scope)
            self.body(node.body, scope)
            for branch in node.elif_:
                self.statement(branch, scope)
            self.body(node.else_, scope)
        elif isinstance(node, nodes.For):
            self.loop(node, scope)
        elif isinstance(node, nodes.Assign):
            self.bind(node.target, self.expr(node.node, scope), scope)
        elif isinstance(node, nodes.AssignBlock):
            self.body(node.body, scope)
            self.bind(node.target, (None, ""), scope)
        else:
            name = type(node).__name__.lower()
            self.report.refuse(f"{{% {name} %}}", f"the {name} tag is not allowed in templates")

    def loop(self, node: nodes.For, scope: Scope) -> None:
        if node.recursive:
            self.report.refuse("{% for … recursive %}", "recursive loops are not allowed")
        found, path = self.expr(node.iter, scope)
        # Loops over separate lists multiply: three over 500 indicators print 125 million
        # times and hold the worker for hours. An inner loop may only go down the outer item.
        if self.items and not any(path.startswith(f"{item}.") for item in self.items):
            self.report.refuse(
                f"{{% for … in {path or _source(node.iter)} %}}",
                "a loop inside a loop may only go over the outer loop's item (l.children)",
            )
        item: tuple[Found, str] = (
            (found[0], f"{path}[]") if isinstance(found, tuple) else (ANY, path)
        )
        inner = {**scope, "loop": (ANY, "loop")}
        self.bind(node.target, item, inner)
        if node.test is not None:
            self.expr(node.test, inner)
        self.items.append(item[1])
        self.body(node.body, inner)
        self.items.pop()
        self.body(node.else_, scope)

    def bind(self, target: nodes.Node, value: tuple[Found, str], scope: Scope) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = value
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, (ANY, value[1]), scope)


def _source(node: nodes.Node) -> str:
    """Name a refused construct by its line, since the template is Word XML underneath."""
    return f"{type(node).__name__.lower()} on line {node.lineno}"


def check(sources: list[str], names: dict[str, Shape]) -> Report:
    """Check template sources (already patched by docxtpl) against the data names."""
    report = Report()
    env = environment()
    for source in sources:
        try:
            tree = env.parse(source)
            Checker(names, report).body(tree.body, {})
        except TemplateSyntaxError as exc:
            report.refuse("syntax", f"template syntax error: {exc.message}")
        except RecursionError:  # Jinja's parser and this walk recurse once per nesting level
            report.refuse("syntax", "template nested too deeply")
    return report


def describe(report: Report) -> str:
    """Say in one line why a template is refused."""
    unknown = [p["placeholder"] for p in report.problems if p["message"].startswith("unknown")]
    others = [p["message"] for p in report.problems if not p["message"].startswith("unknown")]
    parts = [f"unknown placeholder(s): {', '.join(unknown)}"] if unknown else []
    return "; ".join(parts + others)


def used(report: Report) -> list[str]:
    """Return the data names a template uses, sorted."""
    return sorted(report.used)
