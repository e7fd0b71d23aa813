"""Who is calling the gateway: an API key (X-API-Key) or an OAuth2 bearer token (a JWT).

Tokens come from the client-credentials grant (gateway.admin), with one of the client's API
keys as the client secret; a token names that key, so revoking the key ends its tokens too.
"""

import hashlib
import hmac
import time
import uuid
from collections.abc import Iterable
from dataclasses import replace

import jwt

from gateway.directory import Caller, Directory

ISSUER = "jixiao-gateway"
AUDIENCE = "jixiao"
ALGORITHM = "HS256"
CACHE_LIMIT = 10_000


class Unauthenticated(Exception):
    """Credentials were sent but are not valid (or none were sent where they are needed)."""


def token_key(configured: str, internal_secret: bytes) -> bytes:
    """Return the token signing key: configured, else derived from the internal secret."""
    if configured:
        return configured.encode()
    return hmac.new(internal_secret, b"jixiao oauth2 tokens", hashlib.sha256).digest()


class Authenticator:
    """Turn request headers into a caller, from the in-memory directory only."""

    def __init__(self, directory: Directory, signing_key: bytes, token_ttl_s: int) -> None:
        self.directory = directory
        self.signing_key = signing_key
        self.token_ttl_s = token_ttl_s
        self._tokens: dict[str, tuple[uuid.UUID, frozenset[str], float]] = {}

    def caller(self, headers: Iterable[tuple[bytes, bytes]]) -> Caller | None:
        """Return the caller, None when no credentials were sent; raise when they are bad."""
        key = bearer = None
        for name, value in headers:
            if name == b"x-api-key":
                key = value.decode("latin-1").strip()
            elif name == b"authorization":
                scheme, _, rest = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer":
                    bearer = rest.strip()
        if key is not None:
            return self._by_key(key)
        if bearer is not None:
            return self._by_key(bearer) if bearer.startswith("jx_") else self._by_token(bearer)
        return None

    def _by_key(self, key: str) -> Caller:
        caller = self.directory.lookup(key)
        if caller is None:
            raise Unauthenticated("The API key is not valid (unknown, revoked or expired).")
        return caller

    def issue(self, caller: Caller, scopes: frozenset[str]) -> tuple[str, int]:
        """Return a signed token for a caller (authenticated by a key) and its lifetime."""
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": caller.client_id,
            "kid": str(caller.key_id),
            "scope": " ".join(sorted(scopes)),
            "iat": now,
            "exp": now + self.token_ttl_s,
        }
        return jwt.encode(claims, self.signing_key, algorithm=ALGORITHM), self.token_ttl_s

    def _by_token(self, token: str) -> Caller:
        cached = self._tokens.get(token)
        if cached is None or cached[2] <= time.time():
            cached = self._decode(token)
        key_id, scopes, _ = cached
        caller = self.directory.by_key(key_id)
        if caller is None:
            raise Unauthenticated("The token's key was revoked or has expired.")
        return replace(caller, scopes=caller.scopes & scopes)

    def _decode(self, token: str) -> tuple[uuid.UUID, frozenset[str], float]:
        try:
            claims = jwt.decode(
                token,
                self.signing_key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "sub", "kid"]},
            )
            entry = (uuid.UUID(claims["kid"]), frozenset(claims.get("scope", "").split()), 0.0)
        except (jwt.PyJWTError, ValueError) as exc:
            raise Unauthenticated(f"The bearer token is not valid ({type(exc).__name__}).") from exc
        entry = (entry[0], entry[1], float(claims["exp"]))
        if len(self._tokens) >= CACHE_LIMIT:
            self._tokens.clear()
        self._tokens[token] = entry
        return entry
