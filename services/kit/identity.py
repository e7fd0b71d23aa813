"""Who is calling a service: the identity the gateway vouches for, checked on every request.

The gateway authenticates the caller (API key or OAuth2 token), then passes four headers and
an HMAC-SHA256 signature over them, the method, the path with its query and a timestamp,
keyed with the internal secret (`JIXIAO_INTERNAL_SECRET`; generated per process when empty,
so one-process mode needs nothing). `IdentityCheck` refuses any other request with a 401
problem, except `/healthz` and `/readyz`. The body is not signed: the signature says who asks
for what, and TLS or the loopback carries the rest.

How a service adopts it (org scoping of stored data is each service's own work):

    from services.kit.identity import IdentityDep

    @router.post("/things")
    async def create_thing(body: ThingCreate, caller: IdentityDep, session: SessionDep) -> ...:
        thing = Thing(**body.model_dump(), org_id=caller.org_id, created_by=caller.client_id)

    @router.get("/things/{id}")
    async def get_thing(id: uuid.UUID, caller: IdentityDep, session: SessionDep) -> ...:
        thing = await session.get(Thing, id)
        if thing is None or not caller.may_read(thing.org_id):
            raise ThingNotFound(...)  # 404, not 403: do not reveal what exists elsewhere

Calls a service makes to another (`open_client` clients returned by a state hook) are signed
by kit on behalf of the current caller; background work with no caller is signed as the
service itself (`Identity.service`), or as a stored caller inside `acting_as(identity)`.
"""

import hmac
import secrets
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp, Receive, Scope, Send

from services.kit import problems

CLIENT = "x-jixiao-client-id"
ORG = "x-jixiao-org-id"
SCOPES = "x-jixiao-scopes"
ORGS = "x-jixiao-orgs"
TIMESTAMP = "x-jixiao-timestamp"
SIGNATURE = "x-jixiao-signature"
HEADERS = (CLIENT, ORG, SCOPES, ORGS, TIMESTAMP, SIGNATURE)
OPEN_PATHS = frozenset({"/healthz", "/readyz"})
MAX_SKEW_S = 60.0
SCOPE_KEY = "jixiao.identity"
VERIFIED_CACHE_SIZE = 4096
# One secret per process when none is configured: the gateway and in-process services share it.
_PROCESS_SECRET = secrets.token_bytes(32)


class InternalSettings(BaseSettings):
    """The secret the gateway and the services share (environment JIXIAO_INTERNAL_SECRET)."""

    model_config = SettingsConfigDict(env_prefix="JIXIAO_", env_file=".env", extra="ignore")
    internal_secret: SecretStr = Field(
        default=SecretStr(""), description="Empty: a random secret for this process only"
    )


def secret_bytes(configured: SecretStr | None = None) -> bytes:
    """Return the signing key: the configured secret, else this process's random one."""
    value = (configured or InternalSettings().internal_secret).get_secret_value()
    return value.encode() if value else _PROCESS_SECRET


@dataclass(frozen=True)
class Identity:
    """The caller of a request, as the gateway authenticated it."""

    client_id: str
    org_id: str | None
    scopes: frozenset[str] = frozenset()
    readable_orgs: frozenset[str] = field(default_factory=frozenset)
    internal: bool = False  # a service working for itself: no organisation limits it

    @classmethod
    def service(cls, name: str) -> "Identity":
        """Return the identity of a service acting on its own (jobs, start-up work)."""
        return cls(f"service:{name}", None, frozenset({"internal"}), frozenset(), internal=True)

    def has(self, scope: str) -> bool:
        """Tell whether the caller holds a scope."""
        return scope in self.scopes

    # Computed once per identity: the gateway signs every request, mostly for a few callers.
    @cached_property
    def scopes_text(self) -> str:
        """Return the scopes as the header carries them: sorted, space-separated."""
        return " ".join(sorted(self.scopes))

    @cached_property
    def orgs_text(self) -> str:
        """Return the readable organisations as the header carries them."""
        return " ".join(sorted(self.readable_orgs))

    def may_read(self, org_id: str | None) -> bool:
        """Tell whether the caller may read data owned by an organisation (its own or shared)."""
        return self.internal or (org_id is not None and org_id in self.readable_orgs)


current: ContextVar[Identity | None] = ContextVar("jixiao_identity", default=None)


def _message(identity: Identity, method: str, target: str, timestamp: str) -> bytes:
    fields = (
        timestamp,
        method.upper(),
        target,
        identity.client_id,
        identity.org_id or "",
        identity.scopes_text,
        identity.orgs_text,
    )
    return "\n".join(fields).encode()


def sign(
    secret: bytes, identity: Identity, method: str, target: str, now: float | None = None
) -> list[tuple[str, str]]:
    """Return the identity headers for a request to `target` (raw path and ?query)."""
    timestamp = str(int(time.time() if now is None else now))
    digest = hmac.digest(secret, _message(identity, method, target, timestamp), "sha256")
    return [
        (CLIENT, identity.client_id),
        (ORG, identity.org_id or ""),
        (SCOPES, identity.scopes_text),
        (ORGS, identity.orgs_text),
        (TIMESTAMP, timestamp),
        (SIGNATURE, digest.hex()),
    ]


def verify(
    secret: bytes, headers: dict[str, str], method: str, target: str, now: float | None = None
) -> Identity | None:
    """Return the identity the headers vouch for, or None if they are missing, old or forged."""
    try:
        client, timestamp, signature = headers[CLIENT], headers[TIMESTAMP], headers[SIGNATURE]
        age = (time.time() if now is None else now) - int(timestamp)
    except (KeyError, ValueError):
        return None
    if abs(age) > MAX_SKEW_S or not client:
        return None
    org = headers.get(ORG) or None
    identity = Identity(
        client,
        org,
        frozenset(headers.get(SCOPES, "").split()),
        frozenset(headers.get(ORGS, "").split()),
        internal="internal" in headers.get(SCOPES, "").split(),
    )
    expected = hmac.digest(secret, _message(identity, method, target, timestamp), "sha256")
    return identity if hmac.compare_digest(expected.hex(), signature) else None


def target_of(scope: Scope) -> str:
    """Return the raw path and query of an ASGI request, as the signer saw them."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    return (raw + b"?" + query if query else raw).decode("latin-1")


class IdentityCheck:
    """ASGI middleware: a request needs the gateway's signed identity, except the open paths."""

    def __init__(
        self, app: ASGIApp, secret: bytes, open_paths: frozenset[str] = OPEN_PATHS
    ) -> None:
        self.app = app
        self.secret = secret
        self.open_paths = open_paths
        # Signatures already checked, by exactly what was signed: many requests a second carry
        # the same one (respondents of one survey, signed per second by the gateway), and the
        # HMAC and the identity cost more than the rest of this middleware. The age is checked
        # on every request all the same.
        self._verified: dict[tuple[Any, ...], tuple[Identity, int]] = {}

    def _identity(self, scope: Scope, headers: dict[str, str]) -> Identity | None:
        target = target_of(scope)
        key = (scope["method"], target, *(headers.get(name) for name in HEADERS))
        known = self._verified.get(key)
        if known is not None:
            vouched, timestamp = known
            return vouched if abs(time.time() - timestamp) <= MAX_SKEW_S else None
        identity = verify(self.secret, headers, scope["method"], target)
        if identity is not None:
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()  # simpler than LRU; refilled within a second
            self._verified[key] = (identity, int(headers[TIMESTAMP]))
        return identity

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in scope["headers"]
            if k.startswith(b"x-jixiao-") or k == b"x-forwarded-prefix"
        }
        identity = self._identity(scope, headers)
        if identity is None and scope["path"] not in self.open_paths:
            instance = headers.get("x-forwarded-prefix", "") + scope["path"]
            response = problems.problem_response(
                401,
                "Unauthenticated",
                "/problems/unauthenticated",
                "This service answers only requests the gateway vouches for.",
                instance,
            )
            await response(scope, receive, send)
            return
        scope[SCOPE_KEY] = identity
        token = current.set(identity)
        try:
            await self.app(scope, receive, send)
        finally:
            current.reset(token)


def identity_of(request: Request) -> Identity:
    """Return the caller of this request (open paths have none: do not ask there)."""
    identity: Identity | None = request.scope.get(SCOPE_KEY)
    if identity is None:
        raise problems.Problem("No caller identity on an open path")
    return identity


async def get_identity(request: Request) -> Identity:  # async: FastAPI runs a def in a thread
    """The dependency form of `identity_of`."""
    return identity_of(request)


IdentityDep = Annotated[Identity, Depends(get_identity)]


@contextmanager
def acting_as(identity: Identity) -> Iterator[None]:
    """Sign outgoing calls made in this block as `identity` (e.g. a job's stored creator)."""
    token = current.set(identity)
    try:
        yield
    finally:
        current.reset(token)


RequestHook = Callable[[httpx.Request], Coroutine[Any, Any, None]]


def request_signer(secret: bytes, service: str) -> RequestHook:
    """Return an httpx request hook signing calls for the current caller, else as `service`."""
    fallback = Identity.service(service)

    async def sign_request(request: httpx.Request) -> None:
        identity = current.get() or fallback
        target = request.url.raw_path.decode("ascii")
        for name in HEADERS:
            request.headers.pop(name, None)
        request.headers.update(dict(sign(secret, identity, request.method, target)))

    return sign_request


def sign_client(client: httpx.AsyncClient, secret: bytes, service: str) -> None:
    """Make an httpx client sign every request it sends (see `request_signer`)."""
    hooks = client.event_hooks
    hooks["request"] = [*hooks.get("request", []), request_signer(secret, service)]
    client.event_hooks = hooks
