"""Merge the services' OpenAPI documents into the gateway's one document."""

import copy
import json
from typing import Any

# Schemas that every service takes from services.kit: identical, so they are listed once.
SHARED_SCHEMAS = frozenset({"ProblemDetail", "FieldError", "Health"})
METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _component_name(service: str, name: str) -> str:
    return name if name in SHARED_SCHEMAS else f"{service.capitalize()}{name}"


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if (
                key == "$ref"
                and isinstance(value, str)
                and value.startswith("#/components/schemas/")
            ):
                name = value.rsplit("/", 1)[1]
                out[key] = f"#/components/schemas/{renames.get(name, name)}"
            else:
                out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(item, renames) for item in node]
    return node


def merge(base: dict[str, Any], services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Return base plus every service's operations under /api/v1/<segment>, names made unique.

    `services` maps the public path segment (e.g. "reports") to that service's document.
    """
    merged = copy.deepcopy(base)
    paths = merged.setdefault("paths", {})
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    tags: list[dict[str, Any]] = list(merged.get("tags", []))
    for segment, document in sorted(services.items()):
        source_schemas = document.get("components", {}).get("schemas", {})
        renames = {name: _component_name(segment, name) for name in source_schemas}
        for name, schema in source_schemas.items():
            new_name = renames[name]
            renamed = _rename_refs(schema, renames)
            if new_name in schemas and json.dumps(schemas[new_name], sort_keys=True) != json.dumps(
                renamed, sort_keys=True
            ):
                raise ValueError(f"component {new_name} differs between services")
            schemas[new_name] = renamed
        for path, item in document.get("paths", {}).items():
            public = f"/api/v1/{segment}{path}" if path != "/" else f"/api/v1/{segment}"
            new_item = _rename_refs(item, renames)
            for method, operation in new_item.items():
                if method not in METHODS:
                    continue
                operation["operationId"] = (
                    f"{segment}_{operation.get('operationId', method + path)}"
                )
                operation["tags"] = [
                    f"{segment}" if t == "health" else f"{segment}: {t}"
                    for t in operation.get("tags", [])
                ] or [segment]
            paths[public] = new_item
        for tag in document.get("tags", []):
            tags.append({**tag, "name": f"{segment}: {tag['name']}"})
    if tags:
        merged["tags"] = tags
    return merged
