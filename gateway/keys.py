"""Organisations, clients and API keys in the gateway database; keys kept as keyed hashes.

Every change bumps the directory revision, which each gateway process polls to reload its
in-memory copy (gateway.directory): a revoked key stops working everywhere within seconds.
"""

import hmac
import secrets
import uuid
from datetime import datetime

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from gateway.models import ApiClient, ApiKey, Organisation, Revision
from gateway.scopes import SCOPES
from services.kit.models import utcnow

KEY_PREFIX = "jx_"
ORG_KINDS = ("finance_bureau", "agency", "budget_unit")
BOOTSTRAP_CLIENT = "admin"
BOOTSTRAP_ORG = "jixiao"


def new_key() -> str:
    """Return a fresh API key: a recognisable prefix and 256 random bits."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str, pepper: bytes) -> str:
    """Return the keyed hash under which a key is stored (a fast hash: keys are random)."""
    return hmac.digest(pepper, key.encode(), "sha256").hex()


async def bump(session: AsyncSession) -> None:
    """Tell every gateway process that clients or keys changed."""
    row = await session.get(Revision, 1)
    if row is None:
        session.add(Revision(id=1, value=1))
    else:
        row.value += 1
    await session.flush()


async def revision(session: AsyncSession) -> int:
    """Return the directory revision."""
    row = await session.get(Revision, 1)
    return 0 if row is None else row.value


async def create_organisation(session: AsyncSession, *, name: str, kind: str) -> Organisation:
    """Add an organisation."""
    org = Organisation(name=name, kind=kind)
    session.add(org)
    await session.flush()
    return org


async def organisation_named(session: AsyncSession, name: str) -> Organisation | None:
    """Return the organisation of a name, if any."""
    return (await session.exec(select(Organisation).where(Organisation.name == name))).first()


async def create_client(
    session: AsyncSession,
    *,
    name: str,
    organisation_id: uuid.UUID,
    scopes: list[str],
    rates: dict[str, str] | None = None,
) -> ApiClient:
    """Add a client of an organisation with its scopes."""
    unknown = set(scopes) - SCOPES
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
    client = ApiClient(
        name=name, organisation_id=organisation_id, scopes=sorted(set(scopes)), rates=rates or {}
    )
    session.add(client)
    await session.flush()
    await bump(session)
    return client


async def issue_key(
    session: AsyncSession,
    *,
    client_id: uuid.UUID,
    pepper: bytes,
    label: str | None = None,
    expires_at: datetime | None = None,
    key: str | None = None,
) -> tuple[ApiKey, str]:
    """Make a key for a client; return its record and the key itself, which is not kept."""
    plain = key or new_key()
    record = ApiKey(
        client_id=client_id,
        prefix=plain[:10],
        digest=digest(plain, pepper),
        label=label,
        expires_at=expires_at,
    )
    session.add(record)
    await session.flush()
    await bump(session)
    return record, plain


async def revoke_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKey | None:
    """Revoke a key (kept for the record); return it, or None when there is no such key."""
    record = await session.get(ApiKey, key_id)
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()
        await bump(session)
    return record


async def touch(session: AsyncSession, used: dict[uuid.UUID, datetime]) -> None:
    """Write keys' last-used times (batched by the directory, off the request path)."""
    for key_id, at in used.items():
        await session.exec(update(ApiKey).where(col(ApiKey.id) == key_id).values(last_used_at=at))


async def bootstrap(session: AsyncSession, *, pepper: bytes, key: str | None = None) -> str | None:
    """Make the admin client (every scope) and a key on first start; None if it exists."""
    existing = (
        await session.exec(select(ApiClient).where(ApiClient.name == BOOTSTRAP_CLIENT))
    ).first()
    if existing is not None:
        if key is not None and await _key_known(session, digest(key, pepper)) is False:
            _, plain = await issue_key(
                session, client_id=existing.id, pepper=pepper, label="bootstrap", key=key
            )
            return plain
        return None
    org = await organisation_named(session, BOOTSTRAP_ORG) or await create_organisation(
        session, name=BOOTSTRAP_ORG, kind="agency"
    )
    client = await create_client(
        session, name=BOOTSTRAP_CLIENT, organisation_id=org.id, scopes=sorted(SCOPES)
    )
    _, plain = await issue_key(
        session, client_id=client.id, pepper=pepper, label="bootstrap", key=key
    )
    return plain


async def _key_known(session: AsyncSession, key_digest: str) -> bool:
    found = await session.exec(select(ApiKey.id).where(ApiKey.digest == key_digest))
    return found.first() is not None
