"""A 405 names every method of the path, also for routes in included routers."""

from fastapi import APIRouter, FastAPI

from services.kit import problems
from services.kit.clients import service_client


def _app() -> FastAPI:
    inner = APIRouter(prefix="/things")

    @inner.get("/{name}")
    async def read_thing(name: str) -> str:
        return name

    @inner.delete("/{name}")
    async def delete_thing(name: str) -> None:
        return None

    outer = APIRouter()
    outer.include_router(inner)
    app = FastAPI()
    problems.install(app)
    app.include_router(outer)
    return app


async def test_a_405_in_an_included_router_names_the_methods_of_the_path() -> None:
    async with service_client("http://test", _app()) as client:
        response = await client.put("/things/a")
        assert response.status_code == 405
        assert response.headers["content-type"] == problems.PROBLEM_JSON
        assert response.headers["allow"] == "DELETE, GET"
        assert (await client.get("/things/a")).json() == "a"
