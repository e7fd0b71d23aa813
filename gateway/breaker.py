"""A circuit breaker per service: after failures in a row, refuse at once for a while."""

import time
from collections.abc import Callable

CLOSED, HALF_OPEN, OPEN = 0, 1, 2


class Breaker:
    """Closed, open after `failures` in a row, half-open after `reset_s` (one trial passes)."""

    def __init__(
        self, failures: int, reset_s: float, on_change: Callable[[int], None] | None = None
    ) -> None:
        self.failures = failures
        self.reset_s = reset_s
        self.on_change = on_change
        self.state = CLOSED
        self.count = 0
        self.opened_at = 0.0

    def allow(self) -> bool:
        """Tell whether a request may go to the service now."""
        if self.state == CLOSED:
            return True
        if self.state == OPEN and time.monotonic() - self.opened_at >= self.reset_s:
            self._set(HALF_OPEN)
            return True  # the one trial
        return False

    def retry_after_s(self) -> int:
        """Return how long until the circuit lets a trial through."""
        return max(int(self.reset_s - (time.monotonic() - self.opened_at)) + 1, 1)

    def succeeded(self) -> None:
        """Record an answer from the service (any status: it is up)."""
        self.count = 0
        if self.state != CLOSED:
            self._set(CLOSED)

    def failed(self) -> None:
        """Record a refused connection or a timeout."""
        self.count += 1
        if self.state == HALF_OPEN or self.count >= self.failures:
            self.opened_at = time.monotonic()
            self._set(OPEN)

    def _set(self, state: int) -> None:
        self.state = state
        if self.on_change is not None:
            self.on_change(state)
