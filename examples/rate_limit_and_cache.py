"""Rate limiting and caching (models guide: "Rate limiting"), offline.

The limiter spaces requests out; the cache answers a repeated prompt without a request.
Requires: linguafranca_openai.chat_models, linguafranca_tests.emulators
"""

import time

from linguafranca import init_chat_model
from linguafranca.caches import InMemoryCache
from linguafranca.rate_limiters import InMemoryRateLimiter
from linguafranca_tests.emulators import OpenAIEmulator

rate_limiter = InMemoryRateLimiter(
    requests_per_second=10,  # one request every 100 ms
    check_every_n_seconds=0.01,  # check every 10 ms whether a request may go
    max_bucket_size=1,  # no bursts
)

with OpenAIEmulator() as emulator:
    model = init_chat_model(
        model="gpt-4.1-mini",
        model_provider="openai",
        base_url=emulator.base_url,
        api_key="sk-emulator",
        rate_limiter=rate_limiter,
        cache=InMemoryCache(),
    )

    print("== rate limiter: 4 different prompts")
    start = time.perf_counter()
    for n in range(1, 5):
        reply = model.invoke(f"Question {n}")
        print(f"{time.perf_counter() - start:5.2f} s  {reply.text}")
    elapsed = time.perf_counter() - start
    print(f"4 requests took {elapsed:.2f} s (at most 10 per second: at least 0.4 s)")

    print("\n== cache: the same prompt twice")
    before = len(emulator.requests)
    first = model.invoke("Why do parrots talk?")
    start = time.perf_counter()
    second = model.invoke("Why do parrots talk?")
    print(f"first:  {first.text}")
    print(f"second: {second.text} ({(time.perf_counter() - start) * 1000:.1f} ms)")
    print(f"requests sent for the two calls: {len(emulator.requests) - before}")
