"""Which input is done, per partition: the rule behind committing offsets only after decisions, and
the window a restart re-reads to rebuild the dedup state.

Committing (runners without checkpoints, beam/steps/commit.py). A raw record is *done* once every
output it can trigger at its own decision is durable: its article or dead letter, and the story
records and links of its final dedup decision, which the job takes when the watermark passes its
time plus the allowed lateness. The committed offset of a partition is the frontier below which
every record is done, so a restart from it re-reads every record whose decision might be lost.
Offsets of one partition are not contiguous (compaction, transaction markers), so each record
brings the position the reader stood at before it (`read_from`): the frontier moves over a record
when its range [read_from, offset] starts at or below the frontier.

Replaying (restart without a checkpoint). The state a record's decision reads was built from
records up to three state lifetimes (horizon + allowed lateness each) older than it: its founder is
one lifetime back; the other members of that story, whose own founders must be right, another; a
`related` edge's first pair, whose far side is a third (pipelines/core/dedup/stories.py). A record
that is not late is at most one allowed lateness older than any record before it in its
partition, so the time of the record at the committed offset (or, when there is none yet, of the
last one before it) less one lateness bounds from below every decision the restart must take.
Re-reading from three lifetimes and one more lateness before that bound rebuilds the state those
decisions read; the extra lateness also gives the re-read records the late marks of their first
reading (a record's mark only depends on records at most one lateness newer than itself).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from typing import NamedTuple

STATE_LIFETIMES_REPLAYED = 3


class ReadRange(NamedTuple):
    """One raw record as the commit frontier sees it: the reader's position before it, its offset,
    and when (watermark time, ms) its decision is durable."""

    read_from: int
    offset: int
    due_ms: int

    FORMAT = 0x51
    _LAYOUT = struct.Struct(">Bqqq")

    def encode(self) -> bytes:
        return self._LAYOUT.pack(self.FORMAT, *self)

    @classmethod
    def decode(cls, data: bytes) -> ReadRange:
        if len(data) != cls._LAYOUT.size or data[0] != cls.FORMAT:
            raise ValueError(f"not a ReadRange (format 0x{cls.FORMAT:02x}, {cls._LAYOUT.size} bytes): {data[:9]!r}")
        return cls(*cls._LAYOUT.unpack(data)[1:])


class Frontier(NamedTuple):
    """A partition's commit frontier: every record below `offset` is done; `done` are finished
    ranges not yet joined to it (a record before them is still pending)."""

    offset: int
    done: tuple[tuple[int, int], ...] = ()  # (read_from, offset), sorted

    FORMAT = 0x52
    _HEAD = struct.Struct(">BqI")
    _RANGE = struct.Struct(">qq")

    def encode(self) -> bytes:
        return self._HEAD.pack(self.FORMAT, self.offset, len(self.done)) + b"".join(
            self._RANGE.pack(*r) for r in self.done)

    @classmethod
    def decode(cls, data: bytes) -> Frontier:
        if len(data) < cls._HEAD.size or data[0] != cls.FORMAT:
            raise ValueError(f"not a Frontier (format 0x{cls.FORMAT:02x}): {data[:13]!r}")
        _, offset, count = cls._HEAD.unpack_from(data)
        if len(data) != cls._HEAD.size + count * cls._RANGE.size:
            raise ValueError(f"a Frontier of {count} ranges cannot be {len(data)} bytes")
        done = tuple(cls._RANGE.unpack_from(data, cls._HEAD.size + i * cls._RANGE.size) for i in range(count))
        return cls(offset, done)


def advance(frontier: Frontier, finished: Iterable[tuple[int, int]]) -> Frontier:
    """The frontier once the records of `finished` (read_from, offset) are done as well."""
    ranges = sorted({*frontier.done, *finished})
    offset = frontier.offset
    waiting = []
    for read_from, last in ranges:
        if last < offset:
            continue  # already behind the frontier (a record read twice after a retried bundle)
        if read_from <= offset:
            offset = last + 1
        else:
            waiting.append((read_from, last))
    # A range that waited may join now that the frontier moved past the gap before it.
    while waiting and waiting[0][0] <= offset:
        offset = max(offset, waiting.pop(0)[1] + 1)
    return Frontier(offset, tuple(r for r in waiting if r[1] >= offset))


def decode_ranges(data: bytes) -> list[ReadRange]:
    """ReadRange layouts back to back (beam/steps/commit.py joins a gate window's ranges so)."""
    size = ReadRange._LAYOUT.size
    if len(data) % size:
        raise ValueError(f"not a run of ReadRange layouts ({size} bytes each): {len(data)} bytes")
    return [ReadRange.decode(data[i:i + size]) for i in range(0, len(data), size)]


class ReplayWindow(NamedTuple):
    """A restart's re-read, per partition: from `start` (warm-up: state only) and, from `live` (the
    committed offset), records whose outputs are written again."""

    start: Mapping[int, int]
    live: Mapping[int, int]
    since_ms: int  # the time `start` was looked up for

    def warm_up(self, partition: int, offset: int) -> bool:
        """Whether a re-read record only rebuilds state (everything it triggers is written already)."""
        return offset < self.live.get(partition, 0)


def replay_since_ms(times_at_commit: Iterable[int], horizon_ms: int, allowed_lateness_ms: int) -> int | None:
    """The time from which a restart re-reads, given per partition the time of the record at its
    committed offset (or of the last one before it); None when there is no record at all."""
    times = list(times_at_commit)
    if not times:
        return None
    lifetime = horizon_ms + allowed_lateness_ms
    return min(times) - allowed_lateness_ms - STATE_LIFETIMES_REPLAYED * lifetime - allowed_lateness_ms
