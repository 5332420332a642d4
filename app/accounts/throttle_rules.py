"""Growing delays after repeated failures (pure: no Flask, no database).

A key (an address, an account, an address on one account) may fail `free` times in a window
without waiting; after that each further attempt must wait base * 2^k seconds, k counting the
failures beyond the free ones, never more than `cap` seconds. A delay slows a guesser to a crawl
without ever refusing a right password for longer than the cap.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    free: int  # failures allowed before any wait
    cap_seconds: int  # the longest any one wait can be
    window_seconds: int = 3600  # failures older than this are forgotten
    base_seconds: int = 1

    def wait_after(self, failures: int) -> int:
        """Seconds to wait after this many failures in the window."""
        if failures < self.free:
            return 0
        extra = failures - self.free
        # 2^k overflows nothing in Python, but stop doubling once the cap is certainly reached.
        if extra >= self.cap_seconds.bit_length() + 1:
            return self.cap_seconds
        return min(self.base_seconds * 2**extra, self.cap_seconds)


def seconds_left(next_allowed_at: datetime, now: datetime) -> int:
    """Whole seconds until an attempt is allowed again (rounded up), 0 when it already is."""
    left = next_allowed_at - now
    if left <= timedelta(0):
        return 0
    return int(left.total_seconds()) + (1 if left.total_seconds() % 1 else 0)
