"""Dependencies of the scoring routes."""

from services.kit.identity import Identity, IdentityDep

# The caller as the gateway vouches for it: who acts (for the audit log) and for which org.
CallerDep = IdentityDep

__all__ = ["CallerDep", "Identity"]
