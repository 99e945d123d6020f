"""An in-memory index of documents by band tag: which residents a newcomer shares a band with.

The story rule (stories.py) compares a document with the documents that share one of its band
keys. The streaming job keeps its residents in keyed state and this index in memory beside it;
the index is a pure structure (no Beam), so its rule can be tested on its own.

A band tag is the first 8 bytes of BLAKE2b of a band key, as an int: two different bands with
equal tags (2^-64) only make an extra candidate pair, which `decide.explain` judges on the full
fingerprints anyway.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import NamedTuple

TAG_PERSON = b"nb-bucket"


def band_tag(key: str) -> int:
    """A band key's 64-bit tag (stable across processes and machines)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8, person=TAG_PERSON).digest(), "big")


def band_tags(keys: Iterable[str]) -> tuple[int, ...]:
    """The distinct tags of a document's band keys, sorted (equal documents give equal tuples)."""
    return tuple(sorted({band_tag(key) for key in keys}))


class Resident(NamedTuple):
    """What the index knows of one document: enough to order and filter candidates without
    decoding its fingerprint."""

    page_id: str
    event_time_ms: int
    arrival_ms: int
    tags: tuple[int, ...]

    @property
    def seniority(self) -> tuple[int, str]:
        return (self.event_time_ms, self.page_id)


def _seniority(resident: Resident) -> tuple[int, str]:
    return (resident.event_time_ms, resident.page_id)


class _Bucket:
    """One tag's residents in seniority order, as two parallel columns: event times (searched with
    bisect on plain ints) and page ids (sliced out in C)."""

    __slots__ = ("times", "page_ids")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.page_ids: list[str] = []

    def insert(self, event_time_ms: int, page_id: str) -> None:
        times, page_ids = self.times, self.page_ids
        if not times or (times[-1], page_ids[-1]) < (event_time_ms, page_id):  # mostly in time order
            times.append(event_time_ms)
            page_ids.append(page_id)
            return
        low, high = bisect_left(times, event_time_ms), bisect_right(times, event_time_ms)
        at = bisect_left(page_ids, page_id, low, high)
        times.insert(at, event_time_ms)
        page_ids.insert(at, page_id)

    def before(self, event_time_ms: int, page_id: str) -> int:
        """Position of the first entry whose seniority is not below (event_time_ms, page_id)."""
        times = self.times
        low, high = bisect_left(times, event_time_ms), bisect_right(times, event_time_ms)
        return bisect_left(self.page_ids, page_id, low, high) if low < high else low


class BandIndex:
    """Residents by band tag, each tag's residents in seniority order, so that a lookup reads only
    the residents within the horizon of the newcomer however many the index holds (a bounded run
    never expires any). `seniors` is what the rule's final decision reads (documents senior to the
    newcomer within the horizon); `near` what an early firing reads (either side)."""

    def __init__(self) -> None:
        self.residents: dict[str, Resident] = {}
        self._by_tag: dict[int, _Bucket | tuple[int, str]] = {}

    def __len__(self) -> int:
        return len(self.residents)

    def __contains__(self, page_id: str) -> bool:
        return page_id in self.residents

    def add(self, resident: Resident) -> bool:
        """Files a document under its tags; False (and nothing changes) when it is already here."""
        if resident.page_id in self.residents:
            return False
        self.residents[resident.page_id] = resident
        self._file(resident)
        return True

    def _file(self, resident: Resident) -> None:
        buckets = self._by_tag
        entry = (resident.event_time_ms, resident.page_id)
        for tag in resident.tags:
            bucket = buckets.get(tag)
            if bucket is None:
                # Most tags belong to one resident: a plain (event time, page id) pair stands for its
                # bucket. Python's cyclic collector stops tracking such a pair, whereas a _Bucket is
                # three tracked objects, and a full collection walks every tracked object with the
                # worker's GIL held (docs/decisions-runtime.md).
                buckets[tag] = entry
            elif type(bucket) is tuple:
                grown = buckets[tag] = _Bucket()
                grown.insert(*bucket)
                grown.insert(*entry)
            else:
                bucket.insert(*entry)

    def _between(self, tags: Iterable[int], low_ms: int, high: tuple[int, str], page_id: str) -> list[Resident]:
        """Residents other than `page_id` sharing one of `tags`, with event time ≥ low_ms and
        seniority below `high`, in seniority order."""
        found: set[str] = set()
        high_ms, high_id = high
        buckets = self._by_tag
        for tag in tags:
            bucket = buckets.get(tag)
            if bucket is None:
                continue
            if type(bucket) is tuple:
                if bucket[0] >= low_ms and bucket < high:
                    found.add(bucket[1])
                continue
            start = bisect_left(bucket.times, low_ms)
            found.update(bucket.page_ids[start:bucket.before(high_ms, high_id)])
        found.discard(page_id)
        return sorted(map(self.residents.__getitem__, found), key=_seniority)

    def seniors(self, tags: Iterable[int], event_time_ms: int, page_id: str, horizon_ms: int) -> list[Resident]:
        """Residents senior to the document (event time, then page id) within the horizon before it,
        that share one of its bands: its candidates under the story rule."""
        return self._between(tags, event_time_ms - horizon_ms, (event_time_ms, page_id), page_id)

    def near(self, tags: Iterable[int], event_time_ms: int, page_id: str, horizon_ms: int) -> list[Resident]:
        """Residents within the horizon on either side that share one of the document's bands."""
        return self._between(tags, event_time_ms - horizon_ms, (event_time_ms + horizon_ms + 1, ""), page_id)

    def expire(self, arrived_before_ms: int) -> list[str]:
        """Drops residents that arrived before `arrived_before_ms`; returns their page ids."""
        gone = [pid for pid, r in self.residents.items() if r.arrival_ms < arrived_before_ms]
        if gone:
            for pid in gone:
                del self.residents[pid]
            self._by_tag = {}
            for resident in sorted(self.residents.values(), key=_seniority):
                self._file(resident)
        return gone
