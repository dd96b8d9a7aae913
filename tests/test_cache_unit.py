"""The result cache keeps small answers, evicts the least recently used, and can be off."""

from __future__ import annotations

from server.cache import CachedAnswer, ResultCache
from server.observability import REGISTRY


def answer(size: int) -> CachedAnswer:
    return CachedAnswer("application/sparql-results+json", b"x" * size)


def lookups() -> tuple[float, float]:
    """The process's result cache hits and misses so far, as /metrics reports them."""
    return tuple(  # type: ignore[return-value]
        REGISTRY.get_sample_value("onteam_result_cache_lookups_total", {"outcome": outcome}) for outcome in ("hit", "miss")
    )


def test_a_stored_answer_is_found_by_its_key() -> None:
    cache = ResultCache(1000)
    cache.put("a", answer(10))
    hits, misses = lookups()
    assert cache.get("a") == answer(10)
    assert cache.get("b") is None
    assert lookups() == (hits + 1, misses + 1)


def test_the_least_recently_used_answer_is_evicted_first() -> None:
    cache = ResultCache(30)
    cache.put("a", answer(10))
    cache.put("b", answer(10))
    cache.put("c", answer(10))
    cache.get("a")  # now "b" is the oldest
    cache.put("d", answer(10))
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("d") is not None
    assert cache.size == 30


def test_an_answer_larger_than_an_entry_may_be_is_not_kept() -> None:
    cache = ResultCache(100, max_entry_bytes=50)
    cache.put("big", answer(51))
    assert len(cache) == 0 and cache.size == 0


def test_a_zero_budget_keeps_nothing() -> None:
    cache = ResultCache(0)
    cache.put("a", answer(1))
    assert cache.get("a") is None


def test_clear_frees_everything() -> None:
    cache = ResultCache(100)
    cache.put("a", answer(10))
    cache.clear()
    assert len(cache) == 0 and cache.size == 0 and cache.get("a") is None
