"""Request bodies built from an OpenAPI document: minimal valid ones, full ones, one field set."""

from collections.abc import Callable, Iterator, Mapping
from typing import Any

METHODS = ("post", "put", "patch", "delete")
JSON = "application/json"
Path = tuple[str | int, ...]
# Values by property name, e.g. {"evaluation_id": "…"}; KEY names the keys of maps.
Fill = Mapping[str, Any]
KEY = "[key]"
SAMPLE = {"date": "2025-01-01", "date-time": "2025-06-01T08:00:00+08:00"}


def write_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (method, path, operation) of every operation that may change something."""
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def json_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    """Return the JSON request body schema of an operation, if it takes one."""
    content = operation.get("requestBody", {}).get("content", {})
    schema: dict[str, Any] | None = content.get(JSON, {}).get("schema")
    return schema


class Bodies:
    """Build bodies from the schemas of one OpenAPI document."""

    def __init__(self, document: dict[str, Any], fill: Fill | None = None) -> None:
        self.components: dict[str, Any] = document.get("components", {}).get("schemas", {})
        self.fill = dict(fill or {})

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Follow a $ref to its component."""
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def ref_name(self, schema: dict[str, Any]) -> str | None:
        """Return the component a schema points at, if it is a $ref."""
        ref: str | None = schema.get("$ref")
        return ref.rsplit("/", 1)[1] if ref else None

    def choice(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Return the schema itself, or the first non-null member of its anyOf/oneOf."""
        schema = self.resolve(schema)
        for union in ("anyOf", "oneOf"):
            if union in schema:
                members = [m for m in schema[union] if m.get("type") != "null"]
                return self.choice(members[0])
        if "allOf" in schema:
            return self.choice(schema["allOf"][0])
        return schema

    def value(
        self, schema: dict[str, Any], full: bool = False, name: str = KEY, depth: int = 0
    ) -> Any:
        """Return a valid value: required members only, or (full) every member."""
        if name != KEY and name in self.fill:
            return self.fill[name]
        full = full and depth < 6  # a tree (indicators in indicators) ends somewhere
        schema = self.choice(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            return self._object(schema, full, depth)
        if kind == "array":
            count = max(schema.get("minItems", 0), 1 if full else 0)
            return [self.value(schema.get("items", {}), full, depth=depth + 1)] * count
        if kind == "string":
            return self._string(schema)
        if kind == "integer":
            return int(max(schema.get("minimum", 1), 1))
        if kind == "number":
            return 1
        if kind == "boolean":
            return False
        return "x"

    def _object(self, schema: dict[str, Any], full: bool, depth: int) -> dict[str, Any]:
        required = set(schema.get("required", ()))
        out = {
            prop: self.value(sub, full, prop, depth + 1)
            for prop, sub in schema.get("properties", {}).items()
            if full or prop in required
        }
        extra = schema.get("additionalProperties")
        if full and isinstance(extra, dict) and not schema.get("properties"):
            out[self.fill.get(KEY, "k")] = self.value(extra, full, depth=depth + 1)
        return out

    def _string(self, schema: dict[str, Any]) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            return "00000000-0000-4000-8000-000000000000"
        if isinstance(fmt, str) and fmt in SAMPLE:
            return SAMPLE[fmt]
        if "pattern" in schema:
            return "1"  # the patterns of request bodies are numbers written as text
        return "字" * max(int(schema.get("minLength", 1)), 1)

    def place(self, body: Any, schema: dict[str, Any], path: Path, value: Any) -> Any:
        """Return body with the member at path set to value, making the members on the way."""
        if not path:
            return value
        head, rest = path[0], path[1:]
        schema = self.choice(schema)
        if isinstance(head, int):
            items = schema["items"]
            listed = list(body) if isinstance(body, list) and body else [self.value(items)]
            listed[0] = self.place(listed[0], items, rest, value)
            return listed
        members = schema.get("properties", {})
        sub = members.get(head) or schema["additionalProperties"]
        current = dict(body) if isinstance(body, dict) else {}
        inner = current[head] if head in current else self.value(sub)
        current[head] = self.place(inner, sub, rest, value)
        return current


def location(path: Path) -> str:
    """Return a body path as the services name fields in problems: body.texts.basis[0]."""
    out = "body"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


Leaf = tuple[Path, dict[str, Any]]


def leaves(bodies: Bodies, schema: dict[str, Any], owned: Callable[[str], bool]) -> Iterator[Leaf]:
    """Yield (path, schema) of every string, array and map inside owned components."""

    def walk(node: dict[str, Any], path: Path, seen: frozenset[str]) -> Iterator[Leaf]:
        name = bodies.ref_name(node)
        if name is not None:
            if name in seen or not owned(name):
                return
            seen = seen | {name}
        node = bodies.resolve(node)
        for union in ("anyOf", "oneOf"):
            for member in node.get(union, ()):
                yield from walk(member, path, seen)
        kind = node.get("type")
        extra = node.get("additionalProperties")
        mapping = isinstance(extra, dict) and not node.get("properties")
        if kind in ("string", "array") or (kind == "object" and mapping):
            yield path, node
        if kind == "array":
            yield from walk(node.get("items", {}), (*path, 0), seen)
        for prop, sub in node.get("properties", {}).items():
            yield from walk(sub, (*path, prop), seen)
        if isinstance(extra, dict) and mapping:
            yield from walk(extra, (*path, "k"), seen)

    yield from walk(schema, (), frozenset())
