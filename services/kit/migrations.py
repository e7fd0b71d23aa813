"""Alembic glue shared by the services: one env.py body, and upgrade-to-head on start."""

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, pool

from services.kit import db


def config(ini_path: Path, database_url: str) -> Config:
    """Return the Alembic config of a service, pointed at a database."""
    cfg = Config(str(ini_path))
    cfg.set_main_option("script_location", str(ini_path.parent / "migrations"))
    # ConfigParser interpolation would eat a '%' in a password or an options string.
    cfg.set_main_option(
        "sqlalchemy.url", db.sync_url(database_url).render_as_string(False).replace("%", "%%")
    )
    return cfg


def upgrade(ini_path: Path, database_url: str, revision: str = "head") -> None:
    """Apply the service's migrations up to a revision (blocking)."""
    command.upgrade(config(ini_path, database_url), revision)


def downgrade(ini_path: Path, database_url: str, revision: str) -> None:
    """Revert the service's migrations down to a revision (blocking)."""
    command.downgrade(config(ini_path, database_url), revision)


async def upgrade_async(ini_path: Path, database_url: str) -> None:
    """Apply the service's migrations without blocking the event loop."""
    # env.py runs a blocking engine; a worker thread keeps it off the running loop.
    await asyncio.to_thread(upgrade, ini_path, database_url)


def run_env(metadata: MetaData, version_table: str, default_url: str) -> None:
    """Body of every service's migrations/env.py: offline SQL or online upgrade."""
    # Set by upgrade() when the app migrates itself; the alembic CLI falls back to settings.
    url = context.config.get_main_option("sqlalchemy.url") or db.sync_url(default_url)
    options: dict[str, Any] = {
        "target_metadata": metadata,
        "version_table": version_table,
        "render_as_batch": True,  # SQLite can only alter tables by copying them
        "compare_type": True,
    }
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(str(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
