import asyncio
import threading
import time

import pytest

from linguafranca.rate_limiters import BaseRateLimiter, InMemoryRateLimiter


class FakeClock:
    """A clock that only moves when someone sleeps (or the test advances it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def make(clock: FakeClock, **kwargs) -> InMemoryRateLimiter:
    return InMemoryRateLimiter(
        clock=clock, sleep=clock.sleep, async_sleep=clock.async_sleep, **kwargs
    )


def test_base_rate_limiter_is_abstract():
    with pytest.raises(TypeError):
        BaseRateLimiter()  # type: ignore[abstract]


def test_starts_empty():
    clock = FakeClock()
    limiter = make(clock, requests_per_second=2)
    assert limiter.acquire(blocking=False) is False
    clock.advance(0.25)
    assert limiter.acquire(blocking=False) is False
    clock.advance(0.25)
    assert limiter.acquire(blocking=False) is True
    assert limiter.acquire(blocking=False) is False


def test_blocking_acquire_waits_for_refill():
    clock = FakeClock()
    limiter = make(clock, requests_per_second=4, check_every_n_seconds=0.1)
    start = clock()
    assert limiter.acquire() is True
    # One token at 4 per second takes 0.25 s; never sleeps longer than the polling interval.
    assert clock() - start == pytest.approx(0.25)
    assert all(s <= 0.1 + 1e-12 for s in clock.sleeps)
    assert limiter.acquire() is True
    assert clock() - start == pytest.approx(0.5)


def test_refill_rate_over_many_requests():
    clock = FakeClock()
    limiter = make(clock, requests_per_second=10, check_every_n_seconds=1.0)
    start = clock()
    for _ in range(50):
        limiter.acquire()
    assert clock() - start == pytest.approx(5.0)


def test_bucket_cap_limits_bursts():
    clock = FakeClock()
    limiter = make(clock, requests_per_second=1, max_bucket_size=3)
    assert limiter.acquire(blocking=False) is False  # starts the clock
    clock.advance(100)  # would be 100 tokens without the cap
    granted = sum(limiter.acquire(blocking=False) for _ in range(10))
    assert granted == 3


def test_fractional_tokens_accumulate():
    clock = FakeClock()
    limiter = make(clock, requests_per_second=1)
    limiter.acquire(blocking=False)
    for _ in range(9):
        clock.advance(0.1)
        assert limiter.acquire(blocking=False) is False
    clock.advance(0.1)
    assert limiter.acquire(blocking=False) is True


def test_non_blocking_is_single_attempt():
    clock = FakeClock()
    limiter = make(clock, requests_per_second=1)
    assert limiter.acquire(blocking=False) is False
    assert clock.sleeps == []


async def test_async_acquire_uses_async_sleep():
    clock = FakeClock()
    limiter = make(clock, requests_per_second=5, check_every_n_seconds=0.05)
    start = clock()
    assert await limiter.aacquire() is True
    assert clock() - start == pytest.approx(0.2)
    assert await limiter.aacquire(blocking=False) is False


async def test_async_acquire_does_not_block_the_loop():
    limiter = InMemoryRateLimiter(requests_per_second=20, check_every_n_seconds=0.01)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    await limiter.aacquire()
    await limiter.aacquire()
    task.cancel()
    assert ticks >= 3  # the loop kept running while the limiter waited ~0.1 s


def test_threads_never_get_more_tokens_than_exist():
    clock = FakeClock()
    limiter = make(clock, requests_per_second=1, max_bucket_size=25)
    limiter.acquire(blocking=False)
    clock.advance(25)
    granted: list[bool] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for _ in range(100):
            granted.append(limiter.acquire(blocking=False))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) == 25


def test_threads_share_the_rate_with_real_clock():
    limiter = InMemoryRateLimiter(
        requests_per_second=200, check_every_n_seconds=0.005, max_bucket_size=1
    )
    done: list[int] = []

    def worker() -> None:
        for _ in range(5):
            limiter.acquire()
            done.append(1)

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    elapsed = time.monotonic() - start
    assert len(done) == 20
    # Starting empty, 20 tokens at 200 per second cannot be granted faster than 0.1 s.
    assert elapsed >= 0.1 - 1e-3
    assert elapsed < 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"requests_per_second": 0}, "requests_per_second"),
        ({"requests_per_second": -1}, "requests_per_second"),
        ({"check_every_n_seconds": 0}, "check_every_n_seconds"),
        ({"max_bucket_size": 0.5}, "max_bucket_size must be at least 1"),
        ({"requests_per_second": float("inf")}, "finite"),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        InMemoryRateLimiter(**kwargs)


def test_non_number_argument():
    with pytest.raises(TypeError, match="requests_per_second must be a number"):
        InMemoryRateLimiter(requests_per_second="1")  # type: ignore[arg-type]


def test_repr_shows_settings():
    limiter = InMemoryRateLimiter(requests_per_second=0.5)
    assert "requests_per_second=0.5" in repr(limiter)
