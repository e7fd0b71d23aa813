"""`jixiao keys`: make, list and revoke API keys in the gateway database (GATEWAY_DATABASE_URL)."""

import argparse
import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from gateway import keys, runtime
from gateway.models import ApiClient, ApiKey
from gateway.scopes import SCOPES
from gateway.settings import GatewaySettings
from services.kit import db, migrations
from services.kit.models import utcnow


def _print(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))  # noqa: T201


async def _with_session(work: Callable[[AsyncSession, bytes], Awaitable[int]]) -> int:
    settings = GatewaySettings()
    runtime.ensure_folder(settings.database_url)
    await migrations.upgrade_async(runtime.ALEMBIC_INI, settings.database_url)
    engine = db.create_engine(settings.database_url)
    try:
        async with db.sessionmaker(engine)() as session:
            code = await work(session, runtime.pepper(settings))
            await session.commit()
            return code
    finally:
        await engine.dispose()


async def _create(args: argparse.Namespace, session: AsyncSession, pepper: bytes) -> int:
    scopes = sorted(set(args.scopes.split(",")))
    org = await keys.organisation_named(session, args.org) or await keys.create_organisation(
        session, name=args.org, kind=args.kind
    )
    found = await session.exec(select(ApiClient).where(ApiClient.name == args.client))
    client = found.first()
    if client is None:
        client = await keys.create_client(
            session, name=args.client, organisation_id=org.id, scopes=scopes
        )
    expires = utcnow() + timedelta(days=args.expires_days) if args.expires_days else None
    record, plain = await keys.issue_key(
        session, client_id=client.id, pepper=pepper, label=args.label, expires_at=expires
    )
    _print(
        {
            "client_id": client.id,
            "client": client.name,
            "scopes": client.scopes,
            "key_id": record.id,
            "expires_at": expires,
            "key": plain,
        }
    )
    return 0


async def _list(_: argparse.Namespace, session: AsyncSession, pepper: bytes) -> int:
    rows = await session.exec(
        select(ApiKey, ApiClient).where(col(ApiKey.client_id) == col(ApiClient.id))
    )
    _print(
        [
            {
                "key_id": key.id,
                "prefix": key.prefix,
                "client": client.name,
                "scopes": client.scopes,
                "expires_at": key.expires_at,
                "revoked_at": key.revoked_at,
                "last_used_at": key.last_used_at,
            }
            for key, client in rows.all()
        ]
    )
    return 0


async def _revoke(args: argparse.Namespace, session: AsyncSession, pepper: bytes) -> int:
    record = await keys.revoke_key(session, uuid.UUID(args.key_id))
    if record is None:
        _print({"error": f"no key {args.key_id}"})
        return 1
    _print({"key_id": record.id, "revoked_at": record.revoked_at})
    return 0


async def _bootstrap(_: argparse.Namespace, session: AsyncSession, pepper: bytes) -> int:
    plain = await keys.bootstrap(session, pepper=pepper)
    if plain is not None:
        print(f"Admin API key (every scope), shown once; keep it: {plain}")  # noqa: T201
    return 0


COMMANDS = {"create": _create, "list": _list, "revoke": _revoke, "bootstrap": _bootstrap}


def run(args: argparse.Namespace) -> int:
    """Run a `jixiao keys` subcommand."""
    command = COMMANDS[args.keys_command]
    return asyncio.run(_with_session(lambda session, pepper: command(args, session, pepper)))


def add_parser(commands: Any) -> None:
    """Add `keys` and its subcommands to the `jixiao` parser."""
    parser = commands.add_parser("keys", help="make, list and revoke API keys")
    sub = parser.add_subparsers(dest="keys_command", required=True)
    create = sub.add_parser("create", help="make a key (and its client and organisation)")
    create.add_argument("--client", required=True, help="client name (made when new)")
    create.add_argument("--org", required=True, help="organisation name (made when new)")
    create.add_argument("--kind", choices=keys.ORG_KINDS, default="agency")
    create.add_argument(
        "--scopes", required=True, help=f"comma-separated: {','.join(sorted(SCOPES))}"
    )
    create.add_argument("--label")
    create.add_argument("--expires-days", type=int)
    sub.add_parser("list", help="list keys (never the keys themselves)")
    revoke = sub.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    sub.add_parser("bootstrap", help="make the admin key on first start and print it once")
    parser.set_defaults(run=run)


@asynccontextmanager
async def temporary_key() -> AsyncIterator[str]:
    """Yield a key of the admin client (made if missing) that is revoked when the block ends."""
    made: dict[str, Any] = {}

    async def issue(session: AsyncSession, pepper: bytes) -> int:
        await keys.bootstrap(session, pepper=pepper)
        admin = (
            await session.exec(select(ApiClient).where(ApiClient.name == keys.BOOTSTRAP_CLIENT))
        ).one()
        made["record"], made["key"] = await keys.issue_key(
            session, client_id=admin.id, pepper=pepper, label="jixiao command (temporary)"
        )
        return 0

    async def revoke(session: AsyncSession, pepper: bytes) -> int:
        await keys.revoke_key(session, made["record"].id)
        return 0

    await _with_session(issue)
    try:
        yield made["key"]
    finally:
        await _with_session(revoke)
