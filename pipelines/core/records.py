"""The records that cross the Kafka edge, and the lateness rule they are judged by.

Pure data: the Beam reader builds these from kafka-python's records, the writers send them, and
every other layer (dead letters, CLI tools, tests) reads them without a Kafka client."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import NamedTuple

UNBOUNDED_END = sys.maxsize
"""The stop offset of a streaming slice: the log has no end."""


class KafkaRecord(NamedTuple):
    """One consumed record; failures keep its coordinates in their dead letter."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int
    headers: tuple[tuple[str, bytes], ...]
    # How far this record's timestamp trails its partition's watermark when it was read (0 when
    # it is the newest so far). A function of the partition's log, so replays agree on it.
    behind_ms: int = 0
    # Set by the job's lateness step (beam.steps.lateness) when `is_late` holds for the record.
    late: bool = False
    # Where the reader stood before this record (the previous record's offset + 1, or where its
    # bundle began), so that gaps in a partition's offsets still chain up (core.progress).
    read_from: int | None = None
    # Set on a record re-read after a restart only to rebuild the dedup state (beam.steps.replay):
    # everything it triggers was written before the restart.
    warm_up: bool = False


class SourceRecord(NamedTuple):
    """Where an output came from: the coordinates of the raw record it was made of."""

    topic: str
    partition: int
    offset: int


class KafkaMessage(NamedTuple):
    """One record to produce: key, value, headers and the event time it carries."""

    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    timestamp_ms: int | None
    # The raw record this message was made of (articles), so that a record the broker refuses
    # for good becomes a dead letter of that input; None for outputs of many inputs (stories).
    source: SourceRecord | None = None


class PartitionSlice(NamedTuple):
    """The work of one partition: read offsets [start, stop); stop is UNBOUNDED_END when streaming."""

    topic: str
    partition: int
    start: int
    stop: int
    chunk: int = 20000  # bounded slices split into ranges of this many offsets


def behind_watermark(timestamps: Iterable[int]) -> list[int]:
    """For each timestamp of a partition in offset order: how far it trails the highest one before
    it, which is what the reader's watermark stands at when it reads that record (catch-up reads;
    an idle streaming partition also advances the watermark from the wall clock)."""
    high = None
    out = []
    for ts in timestamps:
        out.append(0 if high is None or ts >= high else high - ts)
        high = ts if high is None else max(high, ts)
    return out


def is_late(record: KafkaRecord, allowed_lateness_ms: int | None) -> bool:
    """The lateness rule: a record is late when it trails its partition's watermark by more than
    the allowed lateness. Its story decision has already been taken without it, so it is written
    as an article but not deduplicated (and reported as a `dedup`/`LateRecord` dead letter).
    `None` means no lateness at all (bounded runs: their watermark waits for all input)."""
    return allowed_lateness_ms is not None and record.behind_ms > allowed_lateness_ms
