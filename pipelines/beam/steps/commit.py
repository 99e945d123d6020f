"""Commit the raw topic's offsets once the decisions of the records before them are written.

For runners without checkpoints (Prism): the reader's own commits (at bundle finalization) only
say a record was read, and a crash between that and its story decision lost the decision for good
(the restart began after it). Here a partition's committed offset moves over a record only once
the watermark below every Kafka sink of the job has passed the time its decision is written at
(core.progress has the rule), so a restart from the committed offsets, replaying the dedup
state's window before them (beam/steps/replay.py), redoes every decision a crash can have lost.

Watermark semantics, stated once: a record's decision is written at its event time plus the
allowed lateness (the Index and Assign steps, beam/steps/dedup/). A record that trailed its
partition's watermark is counted from the watermark it trailed (time + `behind_ms`), so a late
record's dead letter, which does not move any watermark, is written before its offset is
committed. Each record's read range is stamped at that due time and grouped per partition in
one-second event-time windows together with the job's Kafka sink outputs (which carry no
elements, only their watermarks): a window's group is emitted once the lowest of the reader's and
every sink's watermark has passed its end, and a runner advances a sink's output watermark only
after the bundles before it completed, i.e. after the Kafka writers flushed. The gate is a
GroupByKey and not an event-time timer because Prism 2.62 fires a stateful step's pending timers
with its next bundle, whatever the watermark (apache/beam issue 35090): a timer let offsets be
committed before their decisions were written, and a crash then lost those decisions.

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
from apache_beam.transforms import window
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Timestamp

from pipelines.beam.steps.dedup.state import KEYED, Keyed
from pipelines.config import NAMESPACE
from pipelines.core.progress import Frontier, ReadRange, advance, decode_ranges
from pipelines.core.records import KafkaRecord
from pipelines.kafka import client

LOG = logging.getLogger(__name__)
RETRY_MS = 5_000  # watermark time before a frontier that could not learn its start asks again
GATE_WINDOW_S = 1  # the gate's event-time windows: a commit waits at most this long past its due time


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


def decision_due(record: KafkaRecord, allowed_lateness_ms: int) -> TimestampedValue:
    """A raw record as the frontier's message: keyed by partition, stamped at the time its decision
    is written (the time the gate's windows count)."""
    due_ms = record.timestamp_ms + record.behind_ms + allowed_lateness_ms
    read_from = record.read_from if record.read_from is not None else record.offset
    message = str(record.partition), ReadRange(read_from, record.offset, due_ms).encode()
    return TimestampedValue(message, Timestamp(micros=due_ms * 1000))


def joined_ranges(group: tuple[str, Iterable[bytes]]) -> tuple[str, bytes]:
    """A partition's ranges of one gate window as one message: ReadRange layouts back to back."""
    partition, ranges = group
    return partition, b"".join(sorted(ranges))


class CommitFrontierFn(beam.DoFn):
    """Keyed by partition: takes ranges whose decisions are written (the gate passed them), moves
    the frontier over them and commits it whenever it moved. Ranges wait in a bag only while the
    partition's start offset cannot be read (the broker is away); a retry timer asks again."""

    WAITING = BagStateSpec("waiting", coders.BytesCoder())           # ReadRange, as it came
    FRONTIER = ReadModifyWriteStateSpec("frontier", coders.BytesCoder())  # Frontier
    COMMITTED = ReadModifyWriteStateSpec("committed", coders.VarIntCoder())
    RETRY = TimerSpec("retry", TimeDomain.WATERMARK)

    def __init__(self, offsets: KafkaOffsets) -> None:
        self._offsets = offsets
        self._done = Metrics.counter(NAMESPACE, "offsets_committed")
        self._failures = Metrics.counter(NAMESPACE, "offset_commit_failures")

    def teardown(self) -> None:
        self._offsets.close()

    def process(self, element, timestamp=beam.DoFn.TimestampParam, waiting=beam.DoFn.StateParam(WAITING),
                frontier_state=beam.DoFn.StateParam(FRONTIER), committed_state=beam.DoFn.StateParam(COMMITTED),
                retry=beam.DoFn.TimerParam(RETRY)) -> Iterable[Any]:
        partition, data = element
        self._move(int(partition), decode_ranges(data), timestamp.micros // 1000, waiting, frontier_state,
                   committed_state, retry)
        return ()

    @on_timer(RETRY)
    def on_retry(self, key=beam.DoFn.KeyParam, fired=beam.DoFn.TimestampParam,
                 waiting=beam.DoFn.StateParam(WAITING), frontier_state=beam.DoFn.StateParam(FRONTIER),
                 committed_state=beam.DoFn.StateParam(COMMITTED), retry=beam.DoFn.TimerParam(RETRY)) -> Iterable[Any]:
        self._move(int(key), [], fired.micros // 1000, waiting, frontier_state, committed_state, retry)
        return ()

    def _move(self, partition: int, done: list[ReadRange], now_ms: int, waiting, frontier_state, committed_state,
              retry) -> None:
        held = [ReadRange.decode(d) for d in waiting.read()]
        raw = frontier_state.read()
        if raw is None:
            # Where the plan started this partition's chain: the group's offset (the planner
            # commits a start the group had not reached, kafka_io.plan_slices).
            try:
                start = self._offsets.committed(partition)
            except Exception:
                # Asked again a little later in watermark time, which stands still while the
                # broker is away (or with the next ranges): no busy retries during an outage.
                self._failures.inc()
                LOG.warning("reading the committed offset of partition %d failed; asked again later", partition,
                            exc_info=True)
                for entry in done:
                    waiting.add(entry.encode())
                retry.set(Timestamp(micros=(now_ms + RETRY_MS) * 1000))
                return
            if start is None and not (done or held):
                return
            frontier = Frontier(start if start is not None else min(e.read_from for e in done + held))
            committed = frontier.offset
        else:
            frontier = Frontier.decode(raw)
            committed = committed_state.read()
        if held:
            waiting.clear()
        moved = advance(frontier, ((e.read_from, e.offset) for e in held + done))
        frontier_state.write(moved.encode())
        if moved.offset > committed:
            try:
                self._offsets.commit(partition, moved.offset)
            except Exception:  # the next ranges commit again: at-least-once, never loss
                self._failures.inc()
                LOG.warning("committing partition %d at %d failed; retried when the frontier moves again",
                            partition, moved.offset, exc_info=True)
            else:
                self._done.inc(moved.offset - committed)
                committed = moved.offset
        committed_state.write(committed)


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
        due = records | "StampAtDue" >> beam.Map(decision_due, lateness).with_output_types(KEYED)
        sinks = tuple(pcoll | f"Sink{index}" >> beam.FlatMap(_nothing).with_output_types(KEYED)
                      for index, pcoll in enumerate(written))
        # No allowed lateness on the gate (Prism 2.62 refuses one): a range is never behind the
        # watermark, its due time being at least the watermark its record trailed plus the lateness.
        gated = ((due, *sinks)
                 | "Gate" >> beam.Flatten().with_output_types(KEYED)
                 | "GateWindows" >> beam.WindowInto(window.FixedWindows(GATE_WINDOW_S))
                 | "Due" >> beam.GroupByKey()
                 | "Ranges" >> beam.Map(joined_ranges).with_output_types(KEYED)
                 | "Global" >> beam.WindowInto(window.GlobalWindows()))
        return gated | "Frontier" >> Keyed(CommitFrontierFn(self._offsets))


def _nothing(_element: Any) -> Iterable[tuple[str, bytes]]:
    """A sink's output carries only its watermark into the gate."""
    return ()
