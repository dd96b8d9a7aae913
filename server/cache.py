"""A result cache for small query answers, bounded in bytes.

Entries are keyed by the answer's ETag, which already hashes the query, the dataset, the
parameters, Accept, the format and the store generation: a write makes every old key
unreachable, and `clear` then frees their memory.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from .observability import CACHE_HITS, CACHE_MISSES


@dataclass(frozen=True)
class CachedAnswer:
    """A complete, small answer: its media type, body and extra headers."""

    media_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()  # replayed with the body (OnTeam-Truncated)


class ResultCache:
    """Least-recently-used answers up to `max_bytes` in all; 0 turns the cache off."""

    def __init__(self, max_bytes: int, max_entry_bytes: int = 1 << 20) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self.size = 0
        self._entries: OrderedDict[str, CachedAnswer] = OrderedDict()

    def get(self, key: str) -> CachedAnswer | None:
        """The answer stored under `key`, if any (and mark it recently used)."""
        answer = self._entries.get(key)
        if answer is None:
            CACHE_MISSES.inc()
            return None
        self._entries.move_to_end(key)
        CACHE_HITS.inc()
        return answer

    def put(self, key: str, answer: CachedAnswer) -> None:
        """Keep `answer` unless it is larger than one entry may be; evict the oldest to fit."""
        if len(answer.body) > self.max_entry_bytes or key in self._entries:
            return
        self._entries[key] = answer
        self.size += len(answer.body)
        while self.size > self.max_bytes:
            _, old = self._entries.popitem(last=False)
            self.size -= len(old.body)

    def clear(self) -> None:
        """Forget every answer (after a write: their keys can never match again)."""
        self._entries.clear()
        self.size = 0

    def __len__(self) -> int:
        return len(self._entries)
