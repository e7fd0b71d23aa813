"""Per-client request rates: a sliding window in Redis (shared by every gateway) or in memory.

The sliding-window counter keeps two numbers per key and refuses without counting; a moving
window would keep one Redis list entry per request, which a leased block of thousands makes
costly for Redis.

A Redis round trip per request would cost the gateway a quarter of its throughput (about
60 µs of CPU each, measured here), so each process takes tokens in leases: it asks the window
for a block at once and spends it locally for up to a second. The block starts at one and
doubles while a lease runs out early, halves when one expires unspent, and never exceeds 5% of
the limit: the shared count is never exceeded, and at most one block per process goes unused.
"""

import logging
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

logger = logging.getLogger("jixiao.gateway")
LEASE_S = 1.0
MAX_SHARE = 20  # a block holds at most 1/20 of the limit


@dataclass(frozen=True)
class Decision:
    """Whether a request may pass, and what to tell the client about its window."""

    allowed: bool
    limit: int
    remaining: int
    reset_s: int
    window_s: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        """Return the RateLimit-* fields (and Retry-After when refused)."""
        out = [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_s).encode()),
            (b"ratelimit-policy", f"{self.limit};w={self.window_s}".encode()),
        ]
        if not self.allowed:
            out.append((b"retry-after", str(max(self.reset_s, 1)).encode()))
        return out


@dataclass
class Lease:
    """Tokens this process took from the shared window and may spend until `expires`."""

    tokens: int
    block: int
    expires: float
    remaining: int
    reset_at: float


class Limiter:
    """Sliding-window limits keyed by (who, bucket), over Redis or in memory."""

    def __init__(self, redis_url: str | None, prefix: str) -> None:
        if redis_url:
            uri = "async+" + redis_url
            storage = storage_from_string(uri, implementation="redispy", key_prefix=prefix)
        else:
            storage = storage_from_string("async+memory://")
        self.strategy = SlidingWindowCounterRateLimiter(storage)
        self.leases: dict[tuple[str, str, str], Lease] = {}
        self._items: dict[str, RateLimitItem] = {}

    def item(self, rate: str) -> RateLimitItem:
        """Return a parsed rate such as '600/minute' (cached)."""
        found = self._items.get(rate)
        if found is None:
            found = self._items[rate] = parse(rate)
        return found

    async def hit(self, who: str, bucket: str, rate: str) -> Decision:
        """Take one request from the window of (who, bucket)."""
        item = self.item(rate)
        key = (who, bucket, rate)
        lease = self.leases.get(key)
        now = time.monotonic()
        if lease is not None and lease.tokens > 0 and now < lease.expires:
            lease.tokens -= 1
            return self._decision(True, item, lease.remaining + lease.tokens, lease.reset_at)
        if lease is None:
            block = 1
        elif now < lease.expires:  # spent early: take more next time
            block = min(lease.block * 2, max(item.amount // MAX_SHARE, 1))
        else:
            block = max(lease.block // 2, 1)
        try:
            return await self._acquire(key, item, block, now)
        except Exception:  # Redis down: let traffic through rather than stop every caller
            logger.exception("rate limit storage failed; request let through")
            return self._decision(True, item, item.amount, time.time() + item.get_expiry())

    async def _acquire(
        self, key: tuple[str, str, str], item: RateLimitItem, block: int, now: float
    ) -> Decision:
        who, bucket, _ = key
        granted = 0
        if block > 1 and await self.strategy.hit(item, who, bucket, cost=block):
            granted = block
        elif await self.strategy.hit(item, who, bucket):
            granted = 1
        stats = await self.strategy.get_window_stats(item, who, bucket)
        if not granted:
            return self._decision(False, item, 0, stats.reset_time)
        lease = self.leases.get(key)
        expires = now + min(LEASE_S, item.get_expiry() / 10)
        if lease is not None and lease.tokens > 0 and now < lease.expires:
            lease.tokens += granted - 1  # a concurrent request took a lease too: pool them
            lease.remaining, lease.reset_at = stats.remaining, stats.reset_time
        else:
            lease = Lease(granted - 1, block, expires, stats.remaining, stats.reset_time)
            self.leases[key] = lease
        return self._decision(True, item, lease.remaining + lease.tokens, lease.reset_at)

    @staticmethod
    def _decision(allowed: bool, item: RateLimitItem, remaining: int, reset_at: float) -> Decision:
        reset_s = max(int(reset_at - time.time() + 0.999), 0)
        return Decision(allowed, item.amount, max(remaining, 0), reset_s, item.get_expiry())
