"""services.kit.openapi: examples land where they belong, and one that fits nothing fails."""

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from services.kit import openapi
from services.kit.openapi import Example, UnknownOperation


class Thing(BaseModel):
    name: str


def _app(examples: dict[tuple[str, str], Example]) -> FastAPI:
    app = FastAPI()

    @app.post("/things", status_code=201)
    async def make_thing(body: Thing) -> Thing:
        return body

    openapi.attach(app, lambda: examples)
    return app


def test_the_request_and_answer_examples_are_in_the_document() -> None:
    app = _app({("POST", "/things"): Example({"name": "兴宁"}, {201: {"name": "兴宁"}})})
    operation = app.openapi()["paths"]["/things"]["post"]
    body = operation["requestBody"]["content"]["application/json"]
    answer = operation["responses"]["201"]["content"]["application/json"]
    assert (body["example"], answer["example"]) == ({"name": "兴宁"}, {"name": "兴宁"})
    assert app.openapi() is app.openapi()  # built once


@pytest.mark.parametrize(
    ("example", "message"),
    [
        ({("POST", "/thing"): Example({"name": "x"})}, "POST /thing: the document has no such"),
        ({("GET", "/things"): Example()}, "GET /things: the document has no such"),
        ({("POST", "/things"): Example(responses={200: {}})}, "POST /things answer 200 has no"),
        ({("POST", "/things"): Example(form={"name": "x"})}, "POST /things request has no"),
    ],
)
def test_an_example_that_fits_no_operation_fails_the_document(
    example: dict[tuple[str, str], Example], message: str
) -> None:
    app = _app(example)
    with pytest.raises(UnknownOperation, match=message):
        app.openapi()
    with pytest.raises(UnknownOperation):  # every time: never a document without them
        app.openapi()
