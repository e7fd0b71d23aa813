"""Examples of the gateway's own routes: an evaluation agency, its client, keys and webhooks.

The agency's client is the one whose calls the services' examples show (their `org_id` and
`created_by`); its webhook is told when seed 001's evaluation is finalized. Answers are built
through the routes' response models, the token and the event by the gateway's own code.
"""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pydantic import BaseModel

from gateway import admin, auth, events, subscriptions, tokens
from services.kit.openapi import Example

BUREAU = "24b012cd-3710-4d21-a1ee-b8abd20ade73"  # 兴宁市财政局, which commissioned the evaluation
AGENCY = "5bdc2fb5-059e-477d-9b96-9e224a91474f"  # 广东某某会计师事务所有限公司, which made it
CLIENT = "b315f439-3e4a-40b2-988a-f05d04ed9d01"
KEY, TEST_KEY = "8f70b8e4-fd26-4747-927d-e79571d4f8ee", "8b9cd02f-1a4a-4ef4-b557-da2b56d8dc57"
PLAIN_KEY = "jx_G_l6MbbJ1PkiH8pFcku_FRKPCj_bl8mkTyeZ1lxjess"  # shown once, when made
SUBSCRIPTION = "cbe972c0-9c68-4ebf-9a55-cfbbb04d9401"
DELIVERY, EVENT = "ab5243ad-0b6f-485f-be42-cdd86d36922d", "5524961a-2793-4ff2-9297-58643958cc2c"
EVALUATION = "bcaaae87-4c10-4ebb-9725-0c921b3d5c86"  # the scoring service's example
PROJECT = "05bdf18c-330b-402a-a2f1-276f51da2ba9"
SCOPES = ["scoring:read", "scoring:write", "survey:manage", "reports:read", "reports:write"]
SCOPES += ["webhooks"]
RATES = {"scoring:write": "60/minute", "*": "600/minute"}
HOOK = "https://pingjia.example.com.cn/hooks/jixiao"
FINALIZED = datetime(2025, 3, 28, 2, 0, tzinfo=UTC)  # as in the scoring examples
RETRIED = datetime(2025, 3, 28, 9, 30, tzinfo=UTC)
EXAMPLE_SIGNING_KEY = b"an example key: a gateway signs with its own token secret"


def _dump(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


def _organisation(org_id: str, name: str, kind: str, readers: list[str]) -> Any:
    created = "2025-01-03T01:20:00Z" if org_id == BUREAU else "2025-01-03T01:21:00Z"
    fields = {"id": org_id, "name": name, "kind": kind, "created_at": created, "readers": readers}
    return _dump(admin.OrganisationPublic.model_validate(fields))


def _key(key_id: str, label: str, *, revoked: bool = False, used: bool = True) -> dict[str, Any]:
    production = key_id == KEY
    return {
        "id": key_id,
        "client_id": CLIENT,
        "prefix": PLAIN_KEY[:10] if production else "jx_Q7v0mR2",
        "label": label,
        "created_at": "2025-01-03T01:26:00Z" if production else "2025-01-03T01:27:00Z",
        "expires_at": "2026-12-31T16:00:00Z" if production else None,
        "revoked_at": "2025-02-10T08:00:00Z" if revoked else None,
        "last_used_at": "2025-03-31T01:00:00Z" if used and production else None,
    }


def _client(rates: dict[str, str], keys: list[dict[str, Any]]) -> Any:
    fields = {
        "id": CLIENT,
        "name": "绩效评价工作平台",
        "organisation_id": AGENCY,
        "scopes": sorted(SCOPES),
        "rates": rates,
        "disabled": False,
        "created_at": "2025-01-03T01:25:00Z",
        "keys": keys,
    }
    return _dump(admin.ClientPublic.model_validate(fields))


def _token() -> Any:
    """A token as POST /oauth/token signs it (here with an example key), for 600 s."""
    issued = int(datetime(2025, 3, 31, 1, 0, tzinfo=UTC).timestamp())
    scope = "scoring:read scoring:write"
    claims: dict[str, Any] = {"iss": auth.ISSUER, "aud": auth.AUDIENCE, "sub": CLIENT, "kid": KEY}
    claims |= {"scope": scope, "iat": issued, "exp": issued + 600}
    token = jwt.encode(claims, EXAMPLE_SIGNING_KEY, algorithm=auth.ALGORITHM)
    fields = {"access_token": token, "token_type": "Bearer", "expires_in": 600, "scope": scope}
    return _dump(tokens.Token.model_validate(fields))


def _delivery(*, retried: bool) -> Any:
    """Seed 001's finalization, which the receiver refused eight times (it was down)."""
    result = {"total": "88.00", "grade": "良"}  # seed 001's
    answer = {"project_id": PROJECT, "status": "finalized", "result": result}
    path = f"/evaluations/{EVALUATION}/finalize"
    event = events.derive("scoring", "POST", path, 200, json.dumps(answer).encode(), AGENCY)
    assert event is not None  # a finalization answered 200 is an event
    made = events.Event(event.type, AGENCY, event.data, id=uuid.UUID(EVENT), at=FINALIZED)
    payload = made.payload()
    created = FINALIZED + timedelta(milliseconds=300)
    waits = [0, 2, 4, 8, 16, 32, 64, 128]  # the backoff of the default settings, doubling
    log = []
    at = created
    for number, wait in enumerate(waits, start=1):
        at += timedelta(seconds=wait)
        log.append(
            {"number": number, "at": at, "status_code": 502, "error": None, "duration_ms": 41.7}
        )
    fields = {
        "id": DELIVERY,
        "subscription_id": SUBSCRIPTION,
        "event": event.type,
        "status": "pending" if retried else "failed",
        "attempts": len(waits),
        "next_attempt_at": RETRIED if retried else at,
        "created_at": created,
        "delivered_at": None,
        "payload": payload,
        "log": log,
    }
    return _dump(subscriptions.DeliveryPublic.model_validate(fields))


def examples() -> dict[tuple[str, str], Example]:
    """Return every example of the gateway's own routes, keyed by (method, path)."""
    agency = ("广东某某会计师事务所有限公司", "agency")
    bureau = _organisation(BUREAU, "兴宁市财政局", "finance_bureau", [])
    production, test = _key(KEY, "生产环境"), _key(TEST_KEY, "测试环境", revoked=True)
    created_key = {**_key(KEY, "生产环境", used=False), "key": PLAIN_KEY}
    new_client = {"name": "绩效评价工作平台", "organisation_id": AGENCY, "scopes": SCOPES}
    faster = {"scoring:write": "120/minute", "*": "600/minute"}
    form = {"grant_type": "client_credentials", "client_id": CLIENT, "client_secret": PLAIN_KEY}
    form["scope"] = "scoring:read scoring:write"
    hook: dict[str, Any] = {"id": SUBSCRIPTION, "url": HOOK, "active": True}
    hook |= {
        "events": ["evaluation.finalized", "report.ready"],
        "created_at": "2025-01-03T02:00:00Z",
    }
    secret = "whsec_7hMzRkdVszFJ6lxymYpMFVai3gUi2o0w"
    failed = _delivery(retried=False)
    ready = {service: {"status": "ready"} for service in ("scoring", "survey", "report")}
    return {
        ("POST", "/oauth/token"): Example(responses={200: _token()}, form=form),
        ("GET", "/admin/organisations"): Example(
            responses={200: [bureau, _organisation(AGENCY, *agency, [BUREAU])]}
        ),
        ("POST", "/admin/organisations"): Example(
            {"name": agency[0], "kind": agency[1]}, {201: _organisation(AGENCY, *agency, [])}
        ),
        ("POST", "/admin/organisations/{org_id}/shares"): Example(
            {"reader_id": BUREAU}, {201: _organisation(AGENCY, *agency, [BUREAU])}
        ),
        ("GET", "/admin/clients"): Example(responses={200: [_client(RATES, [production, test])]}),
        ("POST", "/admin/clients"): Example(
            {**new_client, "rates": RATES}, {201: _client(RATES, [])}
        ),
        ("GET", "/admin/clients/{client_id}"): Example(
            responses={200: _client(RATES, [production, test])}
        ),
        ("PATCH", "/admin/clients/{client_id}"): Example(
            {"rates": faster}, {200: _client(faster, [production, test])}
        ),
        ("POST", "/admin/clients/{client_id}/keys"): Example(
            {"label": "生产环境", "expires_at": "2026-12-31T16:00:00Z"},
            {201: _dump(admin.KeyCreated.model_validate(created_key))},
        ),
        ("DELETE", "/admin/keys/{key_id}"): Example(
            responses={200: _dump(admin.KeyPublic.model_validate(test))}
        ),
        ("GET", "/webhooks/subscriptions"): Example(
            responses={200: [_dump(subscriptions.SubscriptionPublic.model_validate(hook))]}
        ),
        ("POST", "/webhooks/subscriptions"): Example(
            {"url": HOOK, "events": hook["events"]},
            {
                201: _dump(
                    subscriptions.SubscriptionCreated.model_validate({**hook, "secret": secret})
                )
            },
        ),
        ("GET", "/webhooks/deliveries"): Example(responses={200: [failed]}),
        ("GET", "/webhooks/deliveries/{delivery_id}"): Example(responses={200: failed}),
        ("POST", "/webhooks/deliveries/{delivery_id}/retry"): Example(
            responses={202: _delivery(retried=True)}
        ),
        ("GET", "/healthz"): Example(responses={200: {"status": "ok", "service": "gateway"}}),
        ("GET", "/readyz"): Example(responses={200: {"status": "ready", "services": ready}}),
    }
