"""Tables of the gateway: organisations and shares, API clients and keys, webhooks, replays."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from services.kit.models import JsonColumn, UtcDateTime, own_registry, utcnow


class GatewayModel(SQLModel, registry=own_registry()):
    """Base of every gateway table: its own metadata, apart from the services'."""


class Organisation(GatewayModel, table=True):
    """A finance bureau, an evaluation agency or a budget unit; what its clients make is its."""

    __tablename__ = "organisation"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=20, description="finance_bureau, agency or budget_unit")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Share(GatewayModel, table=True):
    """The owner organisation lets the reader organisation read its data."""

    __tablename__ = "org_share"

    owner_id: uuid.UUID = Field(foreign_key="organisation.id", primary_key=True)
    reader_id: uuid.UUID = Field(foreign_key="organisation.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ApiClient(GatewayModel, table=True):
    """A calling system or person: a name, an organisation, scopes and rate limits."""

    __tablename__ = "api_client"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JsonColumn, nullable=False))
    rates: dict[str, str] = Field(
        default_factory=dict,
        sa_column=Column(JsonColumn, nullable=False),
        description='Per scope, e.g. {"scoring:write": "60/minute", "*": "600/minute"}',
    )
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ApiKey(GatewayModel, table=True):
    """An API key of a client, kept only as a keyed hash; shown once when made."""

    __tablename__ = "api_key"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="api_client.id", index=True)
    prefix: str = Field(max_length=16, description="The key's first characters, to recognise it")
    digest: str = Field(max_length=64, unique=True, description="HMAC-SHA256 of the key, hex")
    label: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Revision(GatewayModel, table=True):
    """One row counting changes to clients and keys: every gateway reloads when it moves."""

    __tablename__ = "directory_revision"

    id: int = Field(default=1, primary_key=True)
    value: int = 0


class Subscription(GatewayModel, table=True):
    """A client's webhook: where to post which events, and the secret that signs them."""

    __tablename__ = "webhook_subscription"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="api_client.id", index=True)
    url: str = Field(max_length=2000)
    events: list[str] = Field(default_factory=list, sa_column=Column(JsonColumn, nullable=False))
    secret: str = Field(max_length=100, description="Signs deliveries; the receiver holds it too")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Delivery(GatewayModel, table=True):
    """One event to one subscription, retried with backoff until delivered or given up."""

    __tablename__ = "webhook_delivery"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    subscription_id: uuid.UUID = Field(foreign_key="webhook_subscription.id", index=True)
    event_id: uuid.UUID
    event: str = Field(max_length=100)
    payload: dict[str, Any] = Field(sa_column=Column(JsonColumn, nullable=False))
    status: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Attempt(GatewayModel, table=True):
    """One try at a delivery: when, what the receiver answered or what went wrong."""

    __tablename__ = "webhook_attempt"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    delivery_id: uuid.UUID = Field(foreign_key="webhook_delivery.id", index=True)
    number: int
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    duration_ms: float


class IdempotencyRecord(GatewayModel, table=True):
    """A POST made with an Idempotency-Key: in flight, or its response to replay for 24 h."""

    __tablename__ = "idempotency_record"

    owner: str = Field(primary_key=True, max_length=200, description="Client id or survey token")
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)
    status: int | None = None
    headers: list[list[str]] | None = Field(default=None, sa_column=Column(JsonColumn))
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)
