"""A Result as JSON bytes, put together from the JSON of its parts, each made once.

The engine shares level-3 and group results between evaluations (they are cached by their
inputs), so an answer is mostly parts already written out: joining their bytes costs a
fraction of serialising the whole Result again. The bytes equal `TypeAdapter(Result)`'s.
"""

from typing import Any

from pydantic import TypeAdapter

from services.scoring import engine

PARTS_KEPT = 4_096  # about 2 MB of JSON; emptied when full, like the engine's own caches
_RESULT = TypeAdapter(engine.Result)
_GROUP = TypeAdapter(engine.GroupResult)
_INDICATOR = TypeAdapter(engine.IndicatorResult)
_CODES = TypeAdapter(list[str])
# By id, holding the part itself: an id cannot be reused while its part is kept here.
_parts: dict[int, tuple[object, bytes]] = {}
_TAIL = {"groups", "indicators", "pending"}  # the Result's last fields, in this order


def dump(result: engine.Result) -> bytes:
    """Return the Result as JSON, byte for byte what its TypeAdapter gives."""
    head = _RESULT.dump_json(result, exclude=_TAIL)  # {"system_name": ... "complete": true}
    return b"".join(
        (
            head[:-1],
            b',"groups":[',
            b",".join([_part(group, _GROUP) for group in result.groups]),
            b'],"indicators":[',
            b",".join([_part(indicator, _INDICATOR) for indicator in result.indicators]),
            b'],"pending":',
            _CODES.dump_json(result.pending),
            b"}",
        )
    )


def _part(part: Any, adapter: TypeAdapter[Any]) -> bytes:
    known = _parts.get(id(part))
    if known is not None and known[0] is part:
        return known[1]
    data = adapter.dump_json(part)
    if len(_parts) >= PARTS_KEPT:
        _parts.clear()
    _parts[id(part)] = (part, data)
    return data
