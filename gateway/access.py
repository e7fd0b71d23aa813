"""Dependencies of the gateway's own routes: the authenticated caller holding a scope."""

from collections.abc import Awaitable, Callable

from fastapi import Request

from gateway.auth import Authenticator, Unauthenticated
from gateway.directory import Caller
from services.kit import problems


class NotAuthenticated(problems.Problem):
    status, title, type = 401, "Unauthenticated", "/problems/unauthenticated"


class Forbidden(problems.Problem):
    status, title, type = 403, "Forbidden", "/problems/forbidden"


class RateLimited(problems.Problem):
    status, title, type = 429, "Too many requests", "/problems/rate-limited"


def needs(scope: str) -> Callable[[Request], Awaitable[Caller]]:
    """Return a dependency giving the caller, who must hold `scope`."""

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
        return found

    return caller
