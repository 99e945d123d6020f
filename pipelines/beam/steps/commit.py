"""Commit the raw topic's offsets once the decisions of the records before them are written.

For runners without checkpoints (Prism): the reader's own commits (at bundle finalization) only
say a record was read, and a crash between that and its story decision lost the decision for good
(the restart began after it). Here a partition's committed offset moves over a record only once
the watermark below every Kafka sink of the job has passed the time its decision is written at
(core.progress has the rule), so a restart from the committed offsets, replaying the dedup
state's window before them (beam/steps/replay.py), redoes every decision a crash can have lost.

Watermark semantics, stated once: a record's decision is written at its event time plus the
allowed lateness (Assign's final timer, beam/steps/dedup/transform.py). A record that trailed its
partition's watermark is counted from the watermark it trailed (time + `behind_ms`), so a late
record's dead letter, which does not move any watermark, is written before its offset is
committed. This step's input watermark is the lowest of the reader's and of every sink's output
watermark (they are flattened into its input), and a runner advances a step's output watermark
only after the bundles before it completed, i.e. after the Kafka writers flushed.

The committed offsets therefore trail the read position by the allowed lateness: `newsbeam lag`
counts records not yet decided, not records not yet read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import apache_beam as beam
from apache_beam import coders
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Timestamp

from pipelines.beam.steps.dedup.state import KEYED, Keyed
from pipelines.config import NAMESPACE
from pipelines.core.progress import Frontier, ReadRange, advance, split_due
from pipelines.core.records import KafkaRecord
from pipelines.kafka import client

LOG = logging.getLogger(__name__)
RETRY_MS = 5_000  # watermark time before a frontier that could not learn its start asks again


class KafkaOffsets:
    """The consumer group's committed offsets of one topic: read where a frontier starts, written
    as it moves. A client of its own, made on first use (a broker outage must not fail setup)."""

    def __init__(self, bootstrap: str, topic: str, group_id: str, consumer_config: dict[str, Any]) -> None:
        self._bootstrap, self._topic, self._group_id, self._config = bootstrap, topic, group_id, consumer_config
        self._consumer = None

    def _client(self):
        if self._consumer is None:
            self._consumer = client.consumer(self._bootstrap, self._config, group_id=self._group_id,
                                             consumer_timeout_ms=1000)
        return self._consumer

    def committed(self, partition: int) -> int | None:
        return client.own_group_offsets(self._client(), self._topic, [partition]).get(partition)

    def commit(self, partition: int, offset: int) -> None:
        client.commit(self._client(), self._topic, {partition: offset})

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close(autocommit=False)
            self._consumer = None


def decision_due(record: KafkaRecord, allowed_lateness_ms: int) -> tuple[str, bytes]:
    """A raw record as the frontier's message: keyed by partition, due when its decision is written."""
    due_ms = record.timestamp_ms + record.behind_ms + allowed_lateness_ms
    read_from = record.read_from if record.read_from is not None else record.offset
    return str(record.partition), ReadRange(read_from, record.offset, due_ms).encode()


class CommitFrontierFn(beam.DoFn):
    """Keyed by partition: records wait in a bag until the watermark passes their due time; the
    frontier moves over the done ones and is committed whenever it moved."""

    PENDING = BagStateSpec("pending", coders.BytesCoder())           # ReadRange, as it came
    FRONTIER = ReadModifyWriteStateSpec("frontier", coders.BytesCoder())  # Frontier
    COMMITTED = ReadModifyWriteStateSpec("committed", coders.VarIntCoder())
    NEXT_DUE = ReadModifyWriteStateSpec("next_due", coders.VarIntCoder())  # the timer's due_ms
    DUE = TimerSpec("due", TimeDomain.WATERMARK)

    def __init__(self, offsets: KafkaOffsets) -> None:
        self._offsets = offsets
        self._done = Metrics.counter(NAMESPACE, "offsets_committed")
        self._failures = Metrics.counter(NAMESPACE, "offset_commit_failures")

    def teardown(self) -> None:
        self._offsets.close()

    def process(self, element, pending=beam.DoFn.StateParam(PENDING), next_due=beam.DoFn.StateParam(NEXT_DUE),
                due=beam.DoFn.TimerParam(DUE)):
        _, data = element
        entry = ReadRange.decode(data)
        pending.add(data)
        waiting_for = next_due.read()
        if waiting_for is None or entry.due_ms < waiting_for:
            due.set(Timestamp.of((entry.due_ms + 1) / 1000))
            next_due.write(entry.due_ms)
        return ()

    @on_timer(DUE)
    def on_due(self, key=beam.DoFn.KeyParam, fired=beam.DoFn.TimestampParam,
               pending=beam.DoFn.StateParam(PENDING), frontier_state=beam.DoFn.StateParam(FRONTIER),
               committed_state=beam.DoFn.StateParam(COMMITTED), next_due=beam.DoFn.StateParam(NEXT_DUE),
               due=beam.DoFn.TimerParam(DUE)) -> Iterable[Any]:
        partition = int(key)
        fired_ms = fired.micros // 1000
        raw = frontier_state.read()
        if raw is None:
            # Where the plan started this partition's chain: the group's offset (the planner
            # commits a start the group had not reached, kafka_io.plan_slices).
            try:
                start = self._offsets.committed(partition)
            except Exception:
                # Asked again a little later in watermark time, which stands still while the
                # broker is away: no busy retries during an outage.
                self._failures.inc()
                LOG.warning("reading the committed offset of partition %d failed; asked again later", partition,
                            exc_info=True)
                due.set(Timestamp.of((fired_ms + RETRY_MS) / 1000))
                next_due.write(fired_ms + RETRY_MS - 1)
                return ()
        done, waiting = split_due((ReadRange.decode(d) for d in pending.read()), fired_ms)
        pending.clear()
        for entry in waiting:
            pending.add(entry.encode())
        if waiting:
            soonest = min(entry.due_ms for entry in waiting)
            due.set(Timestamp.of((soonest + 1) / 1000))
            next_due.write(soonest)
        else:
            next_due.clear()
        if raw is None:
            if start is None and not done:
                return ()
            frontier = Frontier(start if start is not None else min(e.read_from for e in done))
            committed = frontier.offset
        else:
            frontier = Frontier.decode(raw)
            committed = committed_state.read()
        moved = advance(frontier, ((e.read_from, e.offset) for e in done))
        frontier_state.write(moved.encode())
        if moved.offset > committed:
            try:
                self._offsets.commit(partition, moved.offset)
            except Exception:  # the next timer commits again: at-least-once, never loss
                self._failures.inc()
                LOG.warning("committing partition %d at %d failed; retried when the frontier moves again",
                            partition, moved.offset, exc_info=True)
            else:
                self._done.inc(moved.offset - committed)
                committed = moved.offset
        committed_state.write(committed)
        return ()


class CommitAfterDecisions(beam.PTransform):
    """(raw records, the job's Kafka sink outputs) → nothing: commits each partition's offsets as
    far as the decisions of the records before them are written (module docstring)."""

    def __init__(self, offsets: KafkaOffsets, allowed_lateness_ms: int) -> None:
        super().__init__()
        self._offsets = offsets
        self._lateness = allowed_lateness_ms

    def expand(self, inputs):
        records, *written = inputs
        lateness = self._lateness
        due = records | "DecisionDue" >> beam.Map(decision_due, lateness).with_output_types(KEYED)
        return (due, *written) | "Frontier" >> Keyed(CommitFrontierFn(self._offsets))
