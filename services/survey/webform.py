"""The answer page for phones: server-rendered Chinese HTML, its CSS and a little vanilla JS."""

import uuid
from dataclasses import dataclass, field
from functools import cache
from html import escape
from pathlib import Path

from services.survey import questionnaire as q

STATIC = Path(__file__).with_name("static")
POINT_CHIPS_UP_TO = 20  # more points than this: a number box instead of one chip per score


@cache
def asset(name: str) -> str:
    """Return a static file's text (read once)."""
    return (STATIC / name).read_text(encoding="utf-8")


@dataclass
class Page:
    """What one rendering of the form needs."""

    form: q.Questionnaire
    token: str
    prefix: str  # the public path before the service's own paths
    groups: list[str]
    invitation: str | None = None
    sheet_id: uuid.UUID = field(default_factory=uuid.uuid4)
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # element id -> message


def _document(title: str, body: str, script: bool = False) -> str:
    js = f"<script>{asset('form.js')}</script>" if script else ""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{asset('form.css')}</style></head>"
        f"<body><main>{body}</main>{js}</body></html>"
    )


def _option(page: Page, name: str, value: str, text: str, integer: bool = False) -> str:
    checked = " checked" if page.values.get(name) == value else ""
    data = ' data-int="1"' if integer else ""
    return (
        f'<label class="opt"><input type="radio" name="{escape(name)}" value="{escape(value)}"'
        f"{data}{checked}><span>{escape(text)}</span></label>"
    )


def _scored(page: Page, question: q.ScoredQuestion, name: str) -> str:
    bands = " · ".join(
        f"{b.label} {b.low}" if b.low == b.high else f"{b.label} {b.low}–{b.high}"
        for b in question.bands
    )
    hint = f'<p class="bands">{escape(bands)} 分</p>'
    if question.max_points > POINT_CHIPS_UP_TO:
        value = escape(page.values.get(name, ""))
        return (
            f'{hint}<input type="number" name="{escape(name)}" min="0" '
            f'max="{question.max_points}" inputmode="numeric" data-int="1" value="{value}">'
        )
    chips = "".join(
        _option(page, name, str(p), str(p), integer=True)
        for p in range(question.max_points, -1, -1)
    )
    return f'{hint}<div class="points">{chips}</div>'


def _question(page: Page, number: int, question: q.Question) -> str:
    name = f"a:{question.code}"
    if isinstance(question, q.LikertQuestion):
        inner = "".join(_option(page, name, lv.label, lv.label) for lv in question.levels)
    elif isinstance(question, q.ScoredQuestion):
        inner = _scored(page, question, name)
    elif isinstance(question, q.ChoiceQuestion):
        inner = "".join(_option(page, name, option, option) for option in question.options)
    else:
        value = escape(page.values.get(name, ""))
        inner = (
            f'<textarea name="{escape(name)}" maxlength="{question.max_length}">{value}</textarea>'
        )
    box = f"q-{question.code}"
    error = page.errors.get(box, "")
    star = '<span class="req"> *</span>' if question.required else ""
    return (
        f'<fieldset id="{escape(box)}" class="q{" bad" if error else ""}" '
        f'data-kind="{question.kind}"><legend>{number}. {escape(question.text)}{star}</legend>'
        f'{inner}<p class="err">{escape(error)}</p></fieldset>'
    )


def _header(page: Page) -> str:
    parts: list[str] = []
    for item in page.form.header:
        name, box = f"h:{item.code}", f"h-{item.code}"
        kind = "date" if item.kind == "date" else "text"
        value = escape(page.values.get(name, ""))
        star = '<span class="req"> *</span>' if item.required else ""
        parts.append(
            f'<div id="{escape(box)}"><label class="field">{escape(item.label)}{star}'
            f'<input type="{kind}" name="{escape(name)}" maxlength="200" value="{value}"></label>'
            f'<p class="err">{escape(page.errors.get(box, ""))}</p></div>'
        )
    if page.groups:
        options = "".join(_option(page, "group", g, g) for g in page.groups)
        parts.append(f'<div id="q-group"><p class="field">您的身份</p>{options}</div>')
    return f"<fieldset>{''.join(parts)}</fieldset>" if parts else ""


def render_form(page: Page) -> str:
    """Return the whole answer page for a survey that is open."""
    form = page.form
    path = f"{page.prefix}/s/{page.token}"
    intro = f'<p class="intro">{escape(form.intro)}</p>' if form.intro else ""
    signature = f'<p class="signature">{escape(form.signature)}</p>' if form.signature else ""
    anonymous = '<p class="note">本问卷可匿名填写。带 * 的为必答题。</p>' if form.anonymous else ""
    invitation = (
        f'<input type="hidden" name="invitation" value="{escape(page.invitation)}">'
        if page.invitation
        else ""
    )
    questions = "".join(_question(page, i + 1, qq) for i, qq in enumerate(form.questions))
    message = page.errors.get("status", "")
    status = ' class="error"' if message else ""
    body = (
        f"<h1>{escape(form.name)}</h1>{intro}{signature}{anonymous}"
        f'<form id="sheet" method="post" action="{escape(path)}/sheets" '
        f'data-endpoint="{escape(path)}/sheets" data-token="{escape(page.token)}">'
        f'<input type="hidden" name="id" value="{page.sheet_id}">{invitation}'
        f"{_header(page)}{questions}"
        f'<p id="status" role="status" aria-live="polite"{status}>{escape(message)}</p>'
        '<button type="submit">提交</button></form>'
    )
    return _document(form.name, body, script=True)


def render_message(title: str, text: str, kind: str = "note") -> str:
    """Return a page with one message: thanks, closed, not found."""
    return _document(title, f'<h1>{escape(title)}</h1><p class="{kind}">{escape(text)}</p>')
