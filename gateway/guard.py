"""Admission of a forwarded request: who calls, may they call this route, and are they in rate.

Everything here runs from memory (the directory, the limiter's leases): no database round
trip on the request path.
"""

from dataclasses import dataclass

from gateway import scopes
from gateway.auth import Authenticator, Unauthenticated
from gateway.directory import Caller
from gateway.metrics import Metrics
from gateway.ratelimit import Decision, Limiter
from services.kit.identity import Identity

RESPONDENT = Identity("respondent", None, frozenset({"survey:respond"}))
ANONYMOUS = Identity("anonymous", None)
CHALLENGE = (b"www-authenticate", b'Bearer realm="jixiao", ApiKey header="X-API-Key"')


@dataclass(frozen=True)
class Refusal:
    """Why a request is turned away, as a problem."""

    status: int
    title: str
    type: str
    detail: str
    headers: list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class Admission:
    """A request let through: the identity to vouch for, whose keys it owns, its window."""

    identity: Identity
    owner: str  # owner of its Idempotency-Keys: a client id, or a survey token
    limit: Decision | None


class Guard:
    """Authenticate, authorise and rate-limit one request."""

    def __init__(
        self,
        authenticator: Authenticator,
        limiter: Limiter,
        metrics: Metrics,
        *,
        default_rate: str,
        public_rate: str,
    ) -> None:
        self.authenticator = authenticator
        self.limiter = limiter
        self.metrics = metrics
        self.default_rate = default_rate
        self.public_rate = public_rate

    async def admit(
        self,
        service: str,
        rule: scopes.Rule,
        headers: list[tuple[bytes, bytes]],
        address: str,
    ) -> Admission | Refusal:
        """Return the admission of a request, or the problem to answer instead."""
        try:
            caller = self.authenticator.caller(headers)
        except Unauthenticated as exc:
            return self._refuse(service, 401, "Unauthenticated", "unauthenticated", str(exc))
        if rule.scope is None:
            return await self._public(service, rule, caller, address)
        if caller is None:
            detail = "Send an API key (X-API-Key) or an OAuth2 bearer token."
            return self._refuse(service, 401, "Unauthenticated", "unauthenticated", detail)
        if rule.scope not in caller.scopes:
            detail = f"This route needs the scope {rule.scope}; the client {caller.name} lacks it."
            return self._refuse(service, 403, "Forbidden", "forbidden", detail, scope=rule.scope)
        decision = await self.limit(service, caller, rule.scope)
        if not decision.allowed:
            return self.limited(service, decision, rule.scope)
        return Admission(caller.identity, caller.client_id, decision)

    async def _public(
        self, service: str, rule: scopes.Rule, caller: Caller | None, address: str
    ) -> Admission | Refusal:
        owner = rule.public_owner or "public"
        if caller is not None:  # a client may use public routes under its own limits
            decision = await self.limit(service, caller, "*")
            identity, owner = caller.identity, caller.client_id
        elif owner == "health":
            return Admission(ANONYMOUS, owner, None)
        else:
            decision = await self.limit_address(address, "public")
            identity = RESPONDENT
        if not decision.allowed:
            return self.limited(service, decision, "public")
        return Admission(identity, owner, decision)

    async def limit(self, service: str, caller: Caller, scope: str) -> Decision:
        """Take one request from the caller's window for a scope (its own rate, else "*")."""
        rate = caller.rates.get(scope)
        bucket = scope
        if rate is None:
            rate, bucket = caller.rates.get("*") or self.default_rate, "*"
        return await self.limiter.hit(caller.client_id, bucket, rate)

    async def limit_address(self, address: str, bucket: str) -> Decision:
        """Take one request from an address's window of a public bucket (the public rate)."""
        return await self.limiter.hit(f"address:{address}", bucket, self.public_rate)

    def limited(self, service: str, decision: Decision, bucket: str) -> Refusal:
        """Count a refusal for being over the limit and describe it as a problem."""
        self.metrics.limited.labels(service, bucket).inc()
        detail = f"Too many requests: {decision.limit} per {decision.window_s} s."
        return Refusal(
            429,
            "Too many requests",
            "/problems/rate-limited",
            f"{detail} Retry after {max(decision.reset_s, 1)} s.",
            decision.headers(),
        )

    def _refuse(
        self, service: str, status: int, title: str, kind: str, detail: str, scope: str = ""
    ) -> Refusal:
        self.metrics.auth_failures.labels(service, str(status)).inc()
        headers = [CHALLENGE] if status == 401 else []
        if scope:
            headers.append((b"x-required-scope", scope.encode()))
        return Refusal(status, title, f"/problems/{kind}", detail, headers)
