"""Webhook routes (scope `webhooks`): subscriptions, failed deliveries and their retries."""

import secrets
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, UrlConstraints
from sqlmodel import col, select

from gateway import access
from gateway.directory import Caller
from gateway.events import EVENTS, Event, EventName
from gateway.models import Attempt, Delivery, Subscription
from gateway.webhooks import Webhooks
from services.kit import identity, problems
from services.kit.db import SessionDep
from services.kit.models import utcnow

HooksDep = Annotated[Caller, Depends(access.needs("webhooks"))]
router = APIRouter(prefix="/webhooks", tags=["webhooks"])
internal = APIRouter(include_in_schema=False)
DECLARED = problems.problem_responses(
    access.NotAuthenticated, access.Forbidden, access.RateLimited, problems.NotFound
)


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)] = Field(  # the column's size
        examples=["https://budget.example.gov.cn/hooks/jixiao"]
    )
    events: list[EventName] = Field(
        min_length=1, max_length=len(EVENTS), examples=[["evaluation.finalized"]]
    )


class SubscriptionPublic(BaseModel):
    id: uuid.UUID
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(description="Signs deliveries (Jixiao-Signature): shown this once")


class AttemptPublic(BaseModel):
    number: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: float


class DeliveryPublic(BaseModel):
    id: uuid.UUID
    subscription_id: uuid.UUID
    event: str
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]
    log: list[AttemptPublic] = []


class EventIn(BaseModel):
    type: EventName
    org_id: str | None = Field(default=None, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, max_length=50)  # a few ids and figures


async def _owned(session: SessionDep, caller: Caller, delivery_id: uuid.UUID) -> Delivery:
    delivery = await session.get(Delivery, delivery_id)
    if delivery is None:
        raise problems.NotFound(f"No delivery {delivery_id}")
    subscription = await session.get(Subscription, delivery.subscription_id)
    if subscription is None or str(subscription.client_id) != caller.client_id:
        raise problems.NotFound(f"No delivery {delivery_id}")
    return delivery


async def _public(session: SessionDep, delivery: Delivery) -> DeliveryPublic:
    tries = await session.exec(
        select(Attempt).where(Attempt.delivery_id == delivery.id).order_by(col(Attempt.number))
    )
    log = [AttemptPublic.model_validate(a, from_attributes=True) for a in tries.all()]
    return DeliveryPublic(**delivery.model_dump(), log=log)


@router.post(
    "/subscriptions",
    status_code=201,
    response_model=SubscriptionCreated,
    responses=DECLARED,
    summary="Subscribe to events (the signing secret is shown once)",
)
async def create_subscription(
    body: SubscriptionCreate, session: SessionDep, caller: HooksDep
) -> SubscriptionCreated:
    missing = sorted({EVENTS[e] for e in body.events} - caller.scopes)
    if missing:
        raise access.Forbidden(f"These events need the scopes {', '.join(missing)}.")
    subscription = Subscription(
        client_id=uuid.UUID(caller.client_id), url=str(body.url), events=list(body.events),
        secret="whsec_" + secrets.token_urlsafe(24),
    )  # fmt: skip
    session.add(subscription)
    await session.flush()
    return SubscriptionCreated(**subscription.model_dump())


@router.get(
    "/subscriptions",
    response_model=list[SubscriptionPublic],
    responses=DECLARED,
    summary="List this client's subscriptions",
)
async def list_subscriptions(session: SessionDep, caller: HooksDep) -> list[SubscriptionPublic]:
    query = select(Subscription).where(Subscription.client_id == uuid.UUID(caller.client_id))
    return [SubscriptionPublic(**s.model_dump()) for s in (await session.exec(query)).all()]


@router.delete(
    "/subscriptions/{subscription_id}", status_code=204, responses=DECLARED, summary="Unsubscribe"
)
async def delete_subscription(
    subscription_id: uuid.UUID, session: SessionDep, caller: HooksDep
) -> Response:
    subscription = await session.get(Subscription, subscription_id)
    if subscription is None or str(subscription.client_id) != caller.client_id:
        raise problems.NotFound(f"No subscription {subscription_id}")
    subscription.active = False
    session.add(subscription)
    return Response(status_code=204)


@router.get(
    "/deliveries",
    response_model=list[DeliveryPublic],
    responses=DECLARED,
    summary="List deliveries, e.g. the failed ones",
)
async def list_deliveries(
    session: SessionDep,
    caller: HooksDep,
    status: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
) -> list[DeliveryPublic]:
    mine = select(Subscription.id).where(Subscription.client_id == uuid.UUID(caller.client_id))
    query = select(Delivery).where(col(Delivery.subscription_id).in_(mine))
    if status is not None:
        query = query.where(Delivery.status == status)
    found = (await session.exec(query.order_by(col(Delivery.created_at).desc()).limit(200))).all()
    return [await _public(session, d) for d in found]


@router.get(
    "/deliveries/{delivery_id}",
    response_model=DeliveryPublic,
    responses=DECLARED,
    summary="Read a delivery and its attempts",
)
async def get_delivery(
    delivery_id: uuid.UUID, session: SessionDep, caller: HooksDep
) -> DeliveryPublic:
    return await _public(session, await _owned(session, caller, delivery_id))


@router.post(
    "/deliveries/{delivery_id}/retry",
    status_code=202,
    response_model=DeliveryPublic,
    responses=DECLARED,
    summary="Send a delivery again now",
)
async def retry_delivery(
    delivery_id: uuid.UUID, session: SessionDep, caller: HooksDep, request: Request
) -> DeliveryPublic:
    delivery = await _owned(session, caller, delivery_id)
    delivery.status, delivery.next_attempt_at, delivery.locked_until = "pending", utcnow(), None
    session.add(delivery)
    await session.flush()
    hooks: Webhooks = request.state.webhooks
    hooks.wake.set()
    return await _public(session, delivery)


@internal.post("/internal/events", status_code=202)
async def publish_event(body: EventIn, request: Request) -> dict[str, int]:
    """Take an event from a service (signed with the internal secret as the service)."""
    headers = {k: v for k, v in request.headers.items() if k.startswith("x-jixiao-")}
    caller = identity.verify(
        request.state.secret, headers, "POST", identity.target_of(request.scope)
    )
    if caller is None or not caller.internal:
        raise access.NotAuthenticated("Only the services post events, signed as themselves.")
    hooks: Webhooks = request.state.webhooks
    return {"deliveries": await hooks.publish(Event(body.type, body.org_id, body.data))}
