"""Which scope each forwarded route needs, and the few public routes that need none."""

import re
from dataclasses import dataclass
from typing import Literal, get_args

ScopeName = Literal[
    "scoring:read",
    "scoring:write",
    "survey:manage",
    "survey:respond",
    "reports:read",
    "reports:write",
    "webhooks",
    "admin",
]
SCOPES: frozenset[str] = frozenset(get_args(ScopeName))
READ_METHODS = frozenset({"GET", "HEAD"})
# Public segment -> (scope to read, scope to write).
BY_SEGMENT = {
    "scoring": ("scoring:read", "scoring:write"),
    "survey": ("survey:manage", "survey:manage"),
    "reports": ("reports:read", "reports:write"),
}
TOKEN = r"[A-Za-z0-9_-]{1,200}"
# The exceptions to "GET/HEAD read, the rest write": (segment, method, path pattern, scope).
EXCEPTIONS: tuple[tuple[str, str, str, str], ...] = (
    # Stateless scoring stores nothing: an automated score request needs only read.
    ("scoring", "POST", r"/scores", "scoring:read"),
    ("scoring", "POST", r"/scores/batch", "scoring:read"),
)
# Respondents' routes: the survey token in the path is the only credential (issue 6).
PUBLIC: tuple[tuple[str, str, str], ...] = (
    ("survey", "GET", rf"/s/{TOKEN}"),
    ("survey", "GET", rf"/s/{TOKEN}/form"),
    ("survey", "POST", rf"/s/{TOKEN}/sheets"),
    ("survey", "POST", rf"/s/{TOKEN}/sheets/batch"),
)
# Open on every service: liveness and readiness carry no data.
HEALTH = frozenset({"/healthz", "/readyz"})


@dataclass(frozen=True)
class Rule:
    """What a route needs: a scope, or nothing (public; `owner` then names the token)."""

    scope: str | None
    public_owner: str | None = None


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern + r"\Z")


_EXCEPTIONS = [(seg, method, _compile(path), scope) for seg, method, path, scope in EXCEPTIONS]
_PUBLIC = [(seg, method, _compile(path)) for seg, method, path in PUBLIC]


def rule(segment: str, method: str, path: str) -> Rule:
    """Return what a request to /api/v1/<segment><path> needs; `path` is the raw path."""
    if path in HEALTH:
        return Rule(None, public_owner="health")
    for seg, allowed, pattern in _PUBLIC:
        methods = (allowed, "HEAD") if allowed == "GET" else (allowed,)
        if seg == segment and method in methods and pattern.match(path):
            return Rule(None, public_owner=f"survey-token:{path.split('/')[2]}")
    for seg, allowed, pattern, scope in _EXCEPTIONS:
        if seg == segment and method == allowed and pattern.match(path):
            return Rule(scope)
    read, write = BY_SEGMENT[segment]
    return Rule(read if method in READ_METHODS else write)


def is_public(segment: str, method: str, path: str) -> bool:
    """Tell whether a route (as in the OpenAPI document, with {params}) is public."""
    concrete = re.sub(r"\{[^}]+\}", "x", path)
    return rule(segment, method.upper(), concrete).scope is None
