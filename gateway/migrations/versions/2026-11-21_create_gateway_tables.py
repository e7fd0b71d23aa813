"""Create the gateway tables: organisations, clients, keys, webhooks, idempotency.

Revision ID: d222ec4ea98c
Revises:
Create Date: 2026-11-21 13:22:15.297136
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import services.kit.models

revision: str = "d222ec4ea98c"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("directory_revision_pkey")),
    )
    op.create_table(
        "idempotency_record",
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column(
            "headers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", services.kit.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", services.kit.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner", "key", name=op.f("idempotency_record_pkey")),
    )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("idempotency_record_expires_at_idx"), ["expires_at"], unique=False
        )

    op.create_table(
        "organisation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", services.kit.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("organisation_pkey")),
        sa.UniqueConstraint("name", name=op.f("organisation_name_key")),
    )
    op.create_table(
        "api_client",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column(
            "scopes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "rates",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", services.kit.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("api_client_organisation_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("api_client_pkey")),
        sa.UniqueConstraint("name", name=op.f("api_client_name_key")),
    )
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("api_client_organisation_id_idx"), ["organisation_id"], unique=False
        )

    op.create_table(
        "org_share",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("reader_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", services.kit.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["organisation.id"], name=op.f("org_share_owner_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["reader_id"], ["organisation.id"], name=op.f("org_share_reader_id_fkey")
        ),
        sa.PrimaryKeyConstraint("owner_id", "reader_id", name=op.f("org_share_pkey")),
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", services.kit.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", services.kit.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", services.kit.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", services.kit.models.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["api_client.id"], name=op.f("api_key_client_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("api_key_pkey")),
        sa.UniqueConstraint("digest", name=op.f("api_key_digest_key")),
    )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("api_key_client_id_idx"), ["client_id"], unique=False)

    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column(
            "events",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", services.kit.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["api_client.id"], name=op.f("webhook_subscription_client_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("webhook_subscription_pkey")),
    )
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("webhook_subscription_client_id_idx"), ["client_id"], unique=False
        )

    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(length=100), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", services.kit.models.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("locked_until", services.kit.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", services.kit.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", services.kit.models.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name=op.f("webhook_delivery_subscription_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("webhook_delivery_pkey")),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("webhook_delivery_status_idx"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("webhook_delivery_subscription_id_idx"), ["subscription_id"], unique=False
        )

    op.create_table(
        "webhook_attempt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("at", services.kit.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["webhook_delivery.id"], name=op.f("webhook_attempt_delivery_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("webhook_attempt_pkey")),
    )
    with op.batch_alter_table("webhook_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("webhook_attempt_delivery_id_idx"), ["delivery_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("webhook_attempt_delivery_id_idx"))

    op.drop_table("webhook_attempt")
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("webhook_delivery_subscription_id_idx"))
        batch_op.drop_index(batch_op.f("webhook_delivery_status_idx"))

    op.drop_table("webhook_delivery")
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("webhook_subscription_client_id_idx"))

    op.drop_table("webhook_subscription")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("api_key_client_id_idx"))

    op.drop_table("api_key")
    op.drop_table("org_share")
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("api_client_organisation_id_idx"))

    op.drop_table("api_client")
    op.drop_table("organisation")
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("idempotency_record_expires_at_idx"))

    op.drop_table("idempotency_record")
    op.drop_table("directory_revision")
