"""The OAuth2 client-credentials grant: an API key in, a short-lived JWT out (RFC 6749 §4.4)."""

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway import access
from gateway.auth import Authenticator
from gateway.guard import Guard

router = APIRouter(tags=["oauth2"])


class Token(BaseModel):
    access_token: str
    token_type: str = Field(default="Bearer", examples=["Bearer"])
    expires_in: int = Field(description="Seconds", examples=[600])
    scope: str = Field(examples=["scoring:read scoring:write"])


class TokenError(BaseModel):
    error: str = Field(examples=["invalid_client"])
    error_description: str | None = None


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    # RFC 6749 §5.2 fixes this error shape for the token endpoint, so it is not problem+json.
    headers = {"www-authenticate": 'Basic realm="jixiao"'} if status == 401 else None
    body = {"error": error, "error_description": description}
    return JSONResponse(body, status_code=status, headers=headers)


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


@router.post(
    "/oauth/token",
    response_model=Token,
    summary="Exchange client credentials (client id and one of its API keys) for a token",
    responses={
        400: {"model": TokenError, "description": "Unsupported grant or scope"},
        401: {"model": TokenError, "description": "Unknown client or key"},
    },
    openapi_extra={"security": []},
)
async def issue_token(
    request: Request,
    grant_type: Annotated[str, Form(max_length=50, examples=["client_credentials"])],
    client_id: Annotated[str | None, Form(max_length=100)] = None,
    client_secret: Annotated[
        str | None, Form(max_length=255, description="One of the client's API keys")
    ] = None,
    scope: Annotated[
        str | None, Form(max_length=500, description="Space-separated; default: all")
    ] = None,
) -> Token | JSONResponse:
    # Per address, as the survey's public routes: guessing secrets costs a window like theirs.
    guard: Guard = request.state.guard
    await access.in_rate(
        request, await guard.limit_address(access.address(request), "oauth"), "oauth"
    )
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only client_credentials is offered.")
    credentials = _basic(request) or (client_id or "", client_secret or "")
    authenticator: Authenticator = request.state.authenticator
    caller = authenticator.directory.lookup(credentials[1]) if credentials[1] else None
    if caller is None or caller.client_id != credentials[0]:
        return _oauth_error(401, "invalid_client", "Unknown client, or a key not of this client.")
    wanted = frozenset(scope.split()) if scope else caller.scopes
    if not wanted <= caller.scopes:
        extra = " ".join(sorted(wanted - caller.scopes))
        return _oauth_error(400, "invalid_scope", f"The client does not hold: {extra}")
    token, ttl = authenticator.issue(caller, wanted)
    return Token(access_token=token, expires_in=ttl, scope=" ".join(sorted(wanted)))
