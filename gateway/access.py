"""Dependencies of the gateway's own routes: the authenticated caller holding a scope, in rate.

The gateway's own routes are limited as forwarded ones are (gateway.guard): per client and scope,
429 with Retry-After, and the RateLimit-* fields of the caller's window on every answer.
"""

from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth import Authenticator, Unauthenticated
from gateway.directory import Caller
from gateway.guard import Guard
from gateway.ratelimit import Decision
from services.kit import problems

SERVICE = "gateway"  # the service label of the gateway's own routes in the metrics
WINDOW = "rate_limit"  # where a request's Decision waits for LimitHeaders (request.state)


class NotAuthenticated(problems.Problem):
    status, title, type = 401, "Unauthenticated", "/problems/unauthenticated"


class Forbidden(problems.Problem):
    status, title, type = 403, "Forbidden", "/problems/forbidden"


class RateLimited(problems.Problem):
    status, title, type = 429, "Too many requests", "/problems/rate-limited"


async def in_rate(request: Request, decision: Decision, bucket: str) -> None:
    """Keep the window for the answer's fields; raise RateLimited when it is used up."""
    setattr(request.state, WINDOW, decision)
    if not decision.allowed:
        guard: Guard = request.state.guard
        raise RateLimited(guard.limited(SERVICE, decision, bucket).detail)


def needs(scope: str) -> Callable[[Request], Awaitable[Caller]]:
    """Return a dependency giving the caller, who must hold `scope` and be within its rate."""

    async def caller(request: Request) -> Caller:
        authenticator: Authenticator = request.state.authenticator
        try:
            found = authenticator.caller(request.scope["headers"])
        except Unauthenticated as exc:
            raise NotAuthenticated(str(exc)) from exc
        if found is None:
            raise NotAuthenticated("Send an API key (X-API-Key) or an OAuth2 bearer token.")
        if scope not in found.scopes:
            raise Forbidden(f"This route needs the scope {scope}.", scope=scope)
        guard: Guard = request.state.guard
        await in_rate(request, await guard.limit(SERVICE, found, scope), scope)
        return found

    return caller


def address(request: Request) -> str:
    """Return the caller's address, as the proxy keys public limits by it."""
    return request.client.host if request.client else "unknown"


class LimitHeaders:
    """Add the RateLimit-* fields (and Retry-After when refused) to a limited route's answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_window(message: Message) -> None:
            if message["type"] == "http.response.start":
                # request.state lives in scope["state"]: the dependency has set it by now.
                decision: Decision | None = scope.get("state", {}).get(WINDOW)
                if decision is not None:
                    message = {**message, "headers": [*message["headers"], *decision.headers()]}
            await send(message)

        await self.app(scope, receive, send_with_window)
