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
from bisect import bisect_left, insort
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


class BandIndex:
    """Residents by band tag, each tag's residents in seniority order, so that a lookup reads only
    the residents within the horizon of the newcomer however many the index holds (a bounded run
    never expires any). `seniors` is what the rule's final decision reads (documents senior to the
    newcomer within the horizon); `near` what an early firing reads (either side)."""

    def __init__(self) -> None:
        self.residents: dict[str, Resident] = {}
        self._by_tag: dict[int, list[tuple[int, str]]] = {}

    def __len__(self) -> int:
        return len(self.residents)

    def __contains__(self, page_id: str) -> bool:
        return page_id in self.residents

    def add(self, resident: Resident) -> bool:
        """Files a document under its tags; False (and nothing changes) when it is already here."""
        if resident.page_id in self.residents:
            return False
        self.residents[resident.page_id] = resident
        entry = resident.seniority
        for tag in resident.tags:
            bucket = self._by_tag.get(tag)
            if bucket is None:
                self._by_tag[tag] = [entry]
            elif bucket[-1] < entry:  # documents mostly come in time order
                bucket.append(entry)
            else:
                insort(bucket, entry)
        return True

    def _between(self, tags: Iterable[int], low: tuple[int, str], high: tuple[int, str],
                 page_id: str) -> list[Resident]:
        """Residents other than `page_id` sharing one of `tags`, with low ≤ seniority < high, in
        seniority order."""
        found: set[str] = set()
        for tag in tags:
            bucket = self._by_tag.get(tag)
            if bucket:
                found.update(pid for _, pid in bucket[bisect_left(bucket, low):bisect_left(bucket, high)])
        found.discard(page_id)
        return sorted(map(self.residents.__getitem__, found), key=_seniority)

    def seniors(self, tags: Iterable[int], event_time_ms: int, page_id: str, horizon_ms: int) -> list[Resident]:
        """Residents senior to the document (event time, then page id) within the horizon before it,
        that share one of its bands: its candidates under the story rule."""
        return self._between(tags, (event_time_ms - horizon_ms, ""), (event_time_ms, page_id), page_id)

    def near(self, tags: Iterable[int], event_time_ms: int, page_id: str, horizon_ms: int) -> list[Resident]:
        """Residents within the horizon on either side that share one of the document's bands."""
        return self._between(tags, (event_time_ms - horizon_ms, ""), (event_time_ms + horizon_ms + 1, ""), page_id)

    def expire(self, arrived_before_ms: int) -> list[str]:
        """Drops residents that arrived before `arrived_before_ms`; returns their page ids."""
        gone = [pid for pid, r in self.residents.items() if r.arrival_ms < arrived_before_ms]
        if gone:
            for pid in gone:
                del self.residents[pid]
            self._by_tag = {}
            for resident in sorted(self.residents.values(), key=_seniority):
                for tag in resident.tags:
                    self._by_tag.setdefault(tag, []).append(resident.seniority)
        return gone
