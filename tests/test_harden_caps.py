"""Result caps: at most `limit` items, and truncation is stated only when something was cut."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store

from server.limits import TRUNCATED_HEADER, Capped, QueryTimeout, cap
from server.observability import REGISTRY


def store_with(n: int) -> Store:
    store = Store()
    p = NamedNode("http://example.org/p")
    store.extend(Quad(NamedNode(f"http://example.org/s{i}"), p, Literal(i)) for i in range(n))
    return store


def test_fewer_items_than_the_limit_are_not_truncated() -> None:
    capped = cap(range(3), 5)
    assert list(capped) == [0, 1, 2]
    assert (capped.truncated, capped.count, capped.headers()) == (False, 3, {})


def test_exactly_the_limit_is_not_truncated() -> None:
    capped = cap(range(5), 5)
    assert list(capped) == [0, 1, 2, 3, 4]
    assert capped.truncated is False


def test_one_more_than_the_limit_is_truncated() -> None:
    capped = cap(range(6), 5)
    assert list(capped) == [0, 1, 2, 3, 4]
    assert capped.truncated is True
    assert capped.headers() == {TRUNCATED_HEADER: "true"}


def test_zero_limit_means_no_cap() -> None:
    capped = cap(range(1000), 0)
    assert len(list(capped)) == 1000
    assert capped.truncated is False


def test_cap_reads_at_most_one_item_past_the_limit() -> None:
    pulled: list[int] = []

    def source() -> Iterator[int]:
        for i in range(1_000_000):
            pulled.append(i)
            yield i

    capped = cap(source(), 10)
    assert len(list(capped)) == 10
    assert len(pulled) == 11


def test_capped_select_solutions() -> None:
    solutions = store_with(20).query("SELECT ?s WHERE { ?s ?p ?o }")
    capped = cap(solutions, 7)
    rows = [row["s"] for row in capped]
    assert len(rows) == 7
    assert capped.truncated


def test_capped_construct_serializes_through_pyoxigraph() -> None:
    triples = store_with(20).query("CONSTRUCT WHERE { ?s ?p ?o }")
    capped = cap(triples, 4)
    data = pyoxigraph.serialize(capped, format=RdfFormat.N_TRIPLES)
    assert data is not None
    assert len(data.decode().strip().splitlines()) == 4
    assert capped.truncated


def test_reading_past_the_deadline_raises_query_timeout_and_counts_it() -> None:
    before = REGISTRY.get_sample_value("onteam_query_timeouts_total")
    capped = Capped(range(10), 100, deadline=time.monotonic() - 1, timeout=30)
    with pytest.raises(QueryTimeout) as caught:
        list(capped)
    assert caught.value.status == 503
    assert caught.value.message == (
        "The query exceeded the 30 s limit and was stopped after 0 results (--query-timeout, ONTEAM_QUERY_TIMEOUT)"
    )
    assert REGISTRY.get_sample_value("onteam_query_timeouts_total") == before + 1


def test_deadline_is_checked_between_items() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        deadline_passes()
        yield 3

    def deadline_passes() -> None:
        capped.deadline = time.monotonic() - 1

    capped = Capped(items(), 0, deadline=time.monotonic() + 3600, timeout=5)
    seen: list[int] = []
    with pytest.raises(QueryTimeout, match="after 2 results"):
        for item in capped:
            seen.append(item)
    assert seen == [1, 2]


def test_no_timeout_means_no_deadline() -> None:
    assert cap(range(3), 0, timeout=None).deadline is None
    assert cap(range(3), 0, timeout=0).deadline is None
    assert cap(range(3), 0, timeout=5).deadline is not None
