"""Admin routes (scope `admin`): organisations and their shares, clients, keys."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from gateway import access, keys
from gateway.directory import Caller, Directory
from gateway.models import ApiClient, ApiKey, Organisation, Share
from gateway.scopes import SCOPES, ScopeName
from services.kit import problems
from services.kit.db import SessionDep
from services.kit.texts import Printable

AdminDep = Annotated[Caller, Depends(access.needs("admin"))]
RATE = r"^\d+\s*(/|per)\s*\d*\s*(second|minute|hour|day)s?$"
router = APIRouter(prefix="/admin", tags=["admin"])
DECLARED = problems.problem_responses(
    access.NotAuthenticated,
    access.Forbidden,
    access.RateLimited,
    problems.NotFound,
    problems.Conflict,
)
# Bounds of every text, list and map of a request: names fit a line (the columns hold 200), a
# client holds each scope at most once, a rate is a short phrase ("600/minute").
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), Printable]
Label = Annotated[str, StringConstraints(max_length=200), Printable]
Scopes = Annotated[list[ScopeName], Field(max_length=len(SCOPES))]
Rate = Annotated[str, StringConstraints(pattern=RATE, max_length=40)]
Rates = Annotated[
    dict[Literal[ScopeName, "*"], Rate],  # a scope's own rate, or "*" for the rest
    Field(max_length=len(SCOPES) + 1, description='Requests per window by scope, "*" for the rest'),
]


class Strict(BaseModel):
    """A request body that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid")


class OrganisationCreate(Strict):
    name: Name = Field(examples=["兴宁市财政局"])
    kind: Literal["finance_bureau", "agency", "budget_unit"]


class OrganisationPublic(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    created_at: datetime
    readers: list[uuid.UUID] = Field(description="Organisations this one shares its data with")


class ShareCreate(Strict):
    reader_id: uuid.UUID = Field(description="The organisation that may read the owner's data")


class ClientCreate(Strict):
    name: Name = Field(examples=["预算管理一体化系统"])
    organisation_id: uuid.UUID
    scopes: Scopes = Field(examples=[["scoring:read", "scoring:write"]])
    rates: Rates = Field(
        default_factory=dict, examples=[{"scoring:write": "60/minute", "*": "600/minute"}]
    )


class ClientUpdate(Strict):
    scopes: Scopes | None = None
    rates: Rates | None = None
    disabled: bool | None = None


class KeyPublic(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    prefix: str
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ClientPublic(BaseModel):
    id: uuid.UUID
    name: str
    organisation_id: uuid.UUID
    scopes: list[str]
    rates: dict[str, str]
    disabled: bool
    created_at: datetime
    keys: list[KeyPublic] = []


class KeyCreate(Strict):
    label: Label | None = None
    expires_at: datetime | None = Field(default=None, description="None: never expires")


class KeyCreated(KeyPublic):
    key: str = Field(description="The key itself: shown this once, store it now")


async def _publish(session: SessionDep, request: Request) -> None:
    """Commit a change to clients or keys and reload this process's directory at once."""
    await session.commit()
    directory: Directory = request.state.directory
    await directory.refresh()


def _key(record: ApiKey) -> KeyPublic:
    return KeyPublic.model_validate(record, from_attributes=True)


async def _client(session: SessionDep, client_id: uuid.UUID) -> ApiClient:
    client = await session.get(ApiClient, client_id)
    if client is None:
        raise problems.NotFound(f"No client {client_id}")
    return client


async def _organisation(session: SessionDep, org_id: uuid.UUID) -> Organisation:
    org = await session.get(Organisation, org_id)
    if org is None:
        raise problems.NotFound(f"No organisation {org_id}")
    return org


async def _org_public(session: SessionDep, org: Organisation) -> OrganisationPublic:
    shares = (await session.exec(select(Share).where(Share.owner_id == org.id))).all()
    return OrganisationPublic(**org.model_dump(), readers=[s.reader_id for s in shares])


async def _client_public(session: SessionDep, client: ApiClient) -> ClientPublic:
    found = (await session.exec(select(ApiKey).where(ApiKey.client_id == client.id))).all()
    return ClientPublic(**client.model_dump(), keys=[_key(k) for k in found])


@router.post(
    "/organisations",
    status_code=201,
    response_model=OrganisationPublic,
    responses=DECLARED,
    summary="Add an organisation",
)
async def create_organisation(
    body: OrganisationCreate, session: SessionDep, _: AdminDep
) -> OrganisationPublic:
    if await keys.organisation_named(session, body.name) is not None:
        raise problems.Conflict(f"An organisation named {body.name} exists")
    org = await keys.create_organisation(session, name=body.name, kind=body.kind)
    return await _org_public(session, org)


@router.get(
    "/organisations",
    response_model=list[OrganisationPublic],
    responses=DECLARED,
    summary="List organisations",
)
async def list_organisations(session: SessionDep, _: AdminDep) -> list[OrganisationPublic]:
    orgs = (await session.exec(select(Organisation).order_by(Organisation.name))).all()
    return [await _org_public(session, org) for org in orgs]


@router.post(
    "/organisations/{org_id}/shares",
    status_code=201,
    response_model=OrganisationPublic,
    responses=DECLARED,
    summary="Let another organisation read this one's data",
)
async def create_share(
    org_id: uuid.UUID, body: ShareCreate, session: SessionDep, _: AdminDep, request: Request
) -> OrganisationPublic:
    org = await _organisation(session, org_id)
    await _organisation(session, body.reader_id)
    if await session.get(Share, (org_id, body.reader_id)) is None:
        session.add(Share(owner_id=org_id, reader_id=body.reader_id))
        await keys.bump(session)
    await _publish(session, request)
    return await _org_public(session, org)


@router.delete(
    "/organisations/{org_id}/shares/{reader_id}",
    status_code=204,
    responses=DECLARED,
    summary="Stop sharing with an organisation",
)
async def delete_share(
    org_id: uuid.UUID, reader_id: uuid.UUID, session: SessionDep, _: AdminDep, request: Request
) -> Response:
    share = await session.get(Share, (org_id, reader_id))
    if share is None:
        raise problems.NotFound(f"Organisation {org_id} does not share with {reader_id}")
    await session.delete(share)
    await keys.bump(session)
    await _publish(session, request)
    return Response(status_code=204)


@router.post(
    "/clients",
    status_code=201,
    response_model=ClientPublic,
    responses=DECLARED,
    summary="Add an API client",
)
async def create_client(
    body: ClientCreate, session: SessionDep, _: AdminDep, request: Request
) -> ClientPublic:
    await _organisation(session, body.organisation_id)
    try:
        async with session.begin_nested():
            client = await keys.create_client(
                session, name=body.name, organisation_id=body.organisation_id,
                scopes=list(body.scopes), rates=dict(body.rates.items()),
            )  # fmt: skip
    except IntegrityError as exc:
        raise problems.Conflict(f"A client named {body.name} exists") from exc
    await _publish(session, request)
    return await _client_public(session, client)


@router.get(
    "/clients", response_model=list[ClientPublic], responses=DECLARED, summary="List API clients"
)
async def list_clients(session: SessionDep, _: AdminDep) -> list[ClientPublic]:
    clients = (await session.exec(select(ApiClient).order_by(ApiClient.name))).all()
    return [await _client_public(session, c) for c in clients]


@router.get(
    "/clients/{client_id}",
    response_model=ClientPublic,
    responses=DECLARED,
    summary="Read a client and its keys",
)
async def get_client(client_id: uuid.UUID, session: SessionDep, _: AdminDep) -> ClientPublic:
    return await _client_public(session, await _client(session, client_id))


@router.patch(
    "/clients/{client_id}",
    response_model=ClientPublic,
    responses=DECLARED,
    summary="Change a client's scopes, rates, or disable it",
)
async def update_client(
    client_id: uuid.UUID, body: ClientUpdate, session: SessionDep, _: AdminDep, request: Request
) -> ClientPublic:
    client = await _client(session, client_id)
    for name, value in body.model_dump(exclude_unset=True).items():
        setattr(client, name, sorted(value) if name == "scopes" else value)
    session.add(client)
    await keys.bump(session)
    await _publish(session, request)
    return await _client_public(session, client)


@router.post(
    "/clients/{client_id}/keys",
    status_code=201,
    response_model=KeyCreated,
    responses=DECLARED,
    summary="Make an API key (shown once)",
)
async def create_key(
    client_id: uuid.UUID, body: KeyCreate, session: SessionDep, request: Request, _: AdminDep
) -> KeyCreated:
    await _client(session, client_id)
    record, plain = await keys.issue_key(
        session, client_id=client_id, pepper=request.state.pepper, label=body.label,
        expires_at=body.expires_at,
    )  # fmt: skip
    await _publish(session, request)
    return KeyCreated(**_key(record).model_dump(), key=plain)


@router.delete(
    "/keys/{key_id}",
    response_model=KeyPublic,
    responses=DECLARED,
    summary="Revoke an API key (within seconds, on every gateway)",
)
async def revoke_key(
    key_id: uuid.UUID, session: SessionDep, _: AdminDep, request: Request
) -> KeyPublic:
    record = await keys.revoke_key(session, key_id)
    if record is None:
        raise problems.NotFound(f"No key {key_id}")
    await _publish(session, request)
    return _key(record)
