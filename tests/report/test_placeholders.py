"""Checking a template's placeholders against the data names, and the sandbox it renders in."""

import pytest
from jinja2.exceptions import SecurityError

from services.report import data, placeholders


def _check(source: str) -> placeholders.Report:
    return placeholders.check([source], data.names())


@pytest.mark.parametrize(
    "source",
    [
        "{{ title }}：{{ total }}分，{{ grade }}",
        "{% for l in level1 %}{{ l.name }}"
        "{% for c in l.children %}{{ c.score }}{% endfor %}{% endfor %}",
        "{% for i in indicators if i.reason != '/' %}{{ loop.index }}{{ i.reason }}{% endfor %}",
        "{{ funds.budget }}{{ funds.unit }}{{ basis | join('、') }}{{ surveys | length }}",
        "{% set first = indicators | first %}{{ first.name }}{{ chart }}",
        "{% if draft %}{{ status_label }}{% else %}{{ report_date | default('') }}{% endif %}",
        "{{ level1[0].children[0].indicators[0].score }}{{ funds['budget'] }}",
    ],
)
def test_templates_naming_only_data_pass(source: str) -> None:
    report = _check(source)
    assert report.problems == []
    assert report.used


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("{{ totl }}", "totl"),
        ("{{ project.name }}", "project"),
        ("{% for l in level1 %}{{ l.nmae }}{% endfor %}", "level1[].nmae"),
        ("{% set x = indicators | last %}{{ x.bad }}", "indicators[].bad"),
        ("{{ funds.items }}", "funds.items"),  # a dict method is not a data name
        ("{{ title.__class__ }}", "title.__class__"),
        ("{{ total.upper }}", "total.upper"),
    ],
)
def test_an_unknown_placeholder_is_named(source: str, named: str) -> None:
    report = _check(source)
    assert [p["placeholder"] for p in report.problems] == [named]
    assert named in placeholders.describe(report)


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{{ range(10) }}", "calls are not allowed"),
        ("{{ title.format(1) }}", "calls are not allowed"),
        ("{{ 'x' * 100000000 }}", "operator * is not allowed"),
        ("{{ 9 ** 9 }}", "operator ** is not allowed"),
        ("{% macro m() %}{% endmacro %}", "the macro tag is not allowed"),
        ("{% include 'x' %}", "the include tag is not allowed"),
        ("{{ title | safe }}", "filter safe is not allowed"),
        ("{{ title", "template syntax error"),
    ],
)
def test_constructs_beyond_reading_data_are_refused(source: str, words: str) -> None:
    assert words in placeholders.describe(_check(source))


def test_every_problem_of_a_template_is_listed_once() -> None:
    report = _check("{{ a }}{{ a }}{{ b.c }}{{ grade }}")
    assert [p["placeholder"] for p in report.problems] == ["a", "b"]


def test_the_sandbox_refuses_dunders_and_mutation_at_render_time() -> None:
    env = placeholders.environment()
    with pytest.raises(SecurityError):
        env.from_string("{{ x.__class__.__mro__ }}").render(x="text")
    with pytest.raises(SecurityError):
        env.from_string("{{ x.append(1) }}").render(x=[])
    escaped = env.from_string("{{ x }}").render(x="<w:t>&")
    assert escaped == "&lt;w:t&gt;&amp;"  # data cannot break the Word XML it lands in


def test_data_names_list_nested_fields_and_list_items() -> None:
    names = data.dotted(data.names())
    for name in ("total", "grade", "funds.budget", "level1[].children[].indicators[].reason"):
        assert name in names
    assert "chart" in names
