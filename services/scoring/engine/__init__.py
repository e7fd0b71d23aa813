"""The scoring engine: compile an indicator system once, then score evaluations against it.

Callers import the package: `engine.compile_system(system).score(facts, judgements)` returns an
`engine.Result`, or raises `engine.ScoringFailed` listing every fact or judgement at fault.
"""

import hashlib
from collections import OrderedDict

from services.scoring import system as systems
from services.scoring.engine.compiled import CompiledSystem
from services.scoring.engine.plan import Derivation, Group, Leaf
from services.scoring.engine.results import GroupResult, IndicatorResult, Result, ScoringFailed

__all__ = [
    "CompiledSystem",
    "Derivation",
    "Group",
    "GroupResult",
    "IndicatorResult",
    "Leaf",
    "Result",
    "ScoringFailed",
    "compile_system",
]

CACHE_SIZE = 64
_compiled: OrderedDict[str, CompiledSystem] = OrderedDict()


def compile_system(system: systems.IndicatorSystem) -> CompiledSystem:
    """Validate and compile a system, reusing the compiled form of an identical one.

    Raises system.InvalidSystem listing every problem of the system.
    """
    # Keyed by content, not identity: an equal system loaded again (another request, the same
    # template) reuses the parsed formulas and the cache of level-3 results.
    key = hashlib.sha256(system.model_dump_json().encode()).hexdigest()
    compiled = _compiled.get(key)
    if compiled is not None:
        _compiled.move_to_end(key)
        return compiled
    issues = systems.validate_system(system)
    if issues:
        raise systems.InvalidSystem(issues)
    compiled = _compiled[key] = CompiledSystem(system)
    if len(_compiled) > CACHE_SIZE:
        _compiled.popitem(last=False)
    return compiled
