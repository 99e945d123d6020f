"""Kafka in and out of Beam, Python-native with kafka-python (no Java expansion service).

Reading is a splittable DoFn over one restriction per topic-partition, offsets as the restriction:

* bounded catch-up: the end offsets are captured once when the read starts, so a run is a
  well-defined slice of the log (tests, backfills, the demo); works on every runner;
* unbounded streaming: the restriction is open-ended, the DoFn checkpoints itself after a bounded
  number of records or seconds, and the watermark follows record timestamps; a partition that is
  caught up advances its watermark from the wall clock so idle partitions never hold the pipeline.
  "Caught up" is only ever what the broker said: while it cannot be reached the reader backs off
  and retries (counted as `kafka_read_failures`, logged when the outage starts and ends), holds
  its watermark, and gives up with an error, failing the job, after `max_outage_seconds`.

Consumer-group offsets are committed from a bundle finalizer, i.e. only after the runner has made
the bundle's outputs durable, so `newsbeam lag` reports real progress and a restart resumes there.
Writing goes through an idempotent producer (`acks=all`) flushed before each bundle completes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import apache_beam as beam
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
from apache_beam.metrics import Metrics
from apache_beam.transforms.core import RestrictionProvider
from apache_beam.utils.timestamp import Duration, Timestamp
from kafka import errors as kerrors

from pipelines.config import MAX_FUTURE_TIMESTAMP_MS, NAMESPACE
from pipelines.core.dead_letters import SOURCE_HEADER, source_coordinates, to_message, write_dead_letter
from pipelines.core.limits import writable_timestamp
from pipelines.core.progress import ReplayWindow
from pipelines.core.records import UNBOUNDED_END, KafkaMessage, KafkaRecord, PartitionSlice
from pipelines.kafka import client

LOG = logging.getLogger(__name__)
# How long a streaming read waits for an unreachable broker before it fails the job (the runner
# would otherwise sit silently on a dead input forever). NEWSBEAM_MAX_KAFKA_OUTAGE_S overrides it.
MAX_OUTAGE_SECONDS = 15 * 60
# How soon a reader that found nothing new polls again: the most a record arriving then waits.
CAUGHT_UP_REPOLL_S = 0.1
PROBE_TIMEOUT_MS = 5_000  # one ask for the end offsets: an answer, or the broker counts as unreachable
# How long one poll waits for records. A reader takes its partitions in turn inside one bundle, so
# a poll that waits on a quiet partition delays the next partition's records; a stream's consumer
# keeps its fetch open between bundles, so what arrived meanwhile is in hand at once. A reader
# behind the partition's end (a bounded slice, a backlog) waits for the fetch that brings records.
QUIET_POLL_MS = 10
BACKLOG_POLL_MS = 200
OUTAGE_BACKOFF_S = (1, 2, 4, 8, 15)  # between tries while the broker is unreachable; the last repeats


class BrokerUnreachable(RuntimeError):
    """Kafka could not be reached (read from or written to) for longer than the job may wait.

    Raising it fails the bundle. Each one is also noted for this process (`broker_gave_up`): where
    the SDK harness runs inside the launcher (Prism's loopback workers), a failed bundle has not
    always ended the job, so the launcher reads the note and cancels the job itself."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        _GAVE_UP.append(message)


_GAVE_UP: list[str] = []


def broker_gave_up() -> str | None:
    """Why a step of a job running in this process stopped waiting for Kafka, if one did."""
    return _GAVE_UP[0] if _GAVE_UP else None


def forget_broker_outages() -> None:
    """Before a job starts: what earlier jobs in this process gave up on is not its concern."""
    _GAVE_UP.clear()


class _Outage:
    """One partition's current outage: when the first failed read was and how many failed since."""

    def __init__(self, started: float, error: Exception) -> None:
        self.started = started
        self.failures = 0
        self.last_error = error


def _reader(bootstrap: str, group_id: str | None, client_config: dict[str, Any]) -> client.KafkaConsumer:
    """The reader's consumer: assigned partitions only, commits made explicitly (bundle finalization)."""
    return client.consumer(bootstrap, client_config, group_id=group_id, consumer_timeout_ms=1000)


# How often a stream's reader asks the runner to commit a partition's offset once its outputs are
# durable. Beam's SDK keeps a bundle's DoFn instances aside until the runner finalizes the bundle
# (Flink: its next completed checkpoint) and builds new ones meanwhile, so a finalizer on every
# bundle held a bundle processor, and its Kafka clients, per bundle between two checkpoints.
COMMIT_REQUEST_EVERY_S = 1.0


class _ReaderClients:
    """What every instance of one reader DoFn in this process shares: the stream's consumer per
    partition, the client that asks for end offsets, the committer, the offsets committed and the
    partitions' outages.

    A runner makes a new DoFn instance whenever the ones it has are busy or held for finalization
    (above), and a partition's bundles move between instances; kept per instance, the clients
    multiplied with the instances (hundreds of consumers on one broker) and an outage's clock
    restarted on every fresh instance. kafka-python clients are not thread-safe: a partition's
    consumer is checked out by the bundle reading it (the runner reads a partition in one bundle at
    a time), and the prober and the committer are used under a lock."""

    def __init__(self, bootstrap: str, group_id: str | None, config: dict[str, Any]) -> None:
        self._bootstrap, self._group_id, self._config = bootstrap, group_id, config
        self.users = 0
        self.lock = threading.Lock()
        self.idle_consumers: dict[tuple[str, int], Any] = {}
        self.outages: dict[tuple[str, int], _Outage] = {}
        self.committed: dict[tuple[str, int], int] = {}
        self.commit_requested_at: dict[tuple[str, int], float] = {}
        self._prober: Any = None
        self._committer: Any = None
        self._probe_lock = threading.Lock()
        self._commit_lock = threading.Lock()
        self.clock = time.monotonic

    def checkout(self, partition: tuple[str, int]) -> Any:
        """The partition's consumer, still assigned from its last bundle, or a new one."""
        with self.lock:
            consumer = self.idle_consumers.pop(partition, None)
        return consumer if consumer is not None else _reader(self._bootstrap, self._group_id, self._config)

    def checkin(self, partition: tuple[str, int], consumer: Any) -> None:
        with self.lock:
            spare = self.idle_consumers.get(partition)
            self.idle_consumers[partition] = consumer
        if spare is not None:
            spare.close(autocommit=False)

    def end_offset(self, tp) -> int:
        with self._probe_lock:
            if self._prober is None:
                self._prober = _reader(self._bootstrap, None, self._config)
            return self._prober.end_offsets([tp], timeout_ms=PROBE_TIMEOUT_MS)[tp]

    def wants_commit(self, partition: tuple[str, int], next_offset: int) -> bool:
        """Whether a bundle that read up to `next_offset` should ask for a commit: it is past what
        is committed and no bundle asked in the last COMMIT_REQUEST_EVERY_S (an ask whose bundle
        never got finalized is thus asked again)."""
        now = self.clock()
        with self.lock:
            if self.committed.get(partition, -1) >= next_offset:
                return False
            if now - self.commit_requested_at.get(partition, float("-inf")) < COMMIT_REQUEST_EVERY_S:
                return False
            self.commit_requested_at[partition] = now
            return True

    def commit(self, partition: tuple[str, int], next_offset: int) -> None:
        # Runners call finalizers on threads of their own, possibly while a bundle polls: commits
        # go through a client of their own.
        with self._commit_lock:
            if self.committed.get(partition, -1) >= next_offset:
                return  # a later bundle already committed further
            if self._committer is None:
                self._committer = _reader(self._bootstrap, self._group_id, self._config)
            client.commit(self._committer, partition[0], {partition[1]: next_offset})
            with self.lock:
                self.committed[partition] = next_offset

    def close(self) -> None:
        with self.lock:
            clients = [*self.idle_consumers.values(), self._prober, self._committer]
            self.idle_consumers, self._prober, self._committer = {}, None, None
        for kafka_client in clients:
            if kafka_client is not None:
                kafka_client.close(autocommit=False)


class _SharedPerProcess:
    """Clients that every step instance of this process shares, one per settings key, counted by
    their users: the last user's release closes them."""

    def __init__(self) -> None:
        self._shared: dict[tuple, Any] = {}
        self._lock = threading.Lock()

    def acquire(self, key: tuple, make: Callable[[], Any]) -> Any:
        with self._lock:
            shared = self._shared.get(key)
            if shared is None:
                shared = self._shared[key] = make()
            shared.users += 1
            return shared

    def release(self, shared: Any) -> None:
        with self._lock:
            shared.users -= 1
            if shared.users > 0:
                return
            self._shared = {key: value for key, value in self._shared.items() if value is not shared}
        shared.close()


_READER_CLIENTS = _SharedPerProcess()


def _reader_clients(bootstrap: str, group_id: str | None, config: dict[str, Any]) -> _ReaderClients:
    """This process's shared clients for a reader of `group_id` on `bootstrap`; one more user."""
    return _READER_CLIENTS.acquire((bootstrap, group_id, repr(sorted(config.items()))),
                                   lambda: _ReaderClients(bootstrap, group_id, config))


def plan_slices(bootstrap: str, topic: str, group_id: str | None, start: str = "committed", bounded: bool = True,
                consumer_config: dict[str, Any] | None = None, chunk: int = 20000,
                replay: ReplayWindow | None = None, commit_starts: bool = False) -> list[PartitionSlice]:
    """One PartitionSlice per partition: from the group's committed offset (else per `start`), or
    from the `replay` window's start, to the end offset now (bounded) or open-ended (streaming).

    `commit_starts`: commit a start the group has not reached yet (no offset committed, or
    `start=latest`), so that the job's commit frontier (beam/steps/commit.py) begins there."""
    from_committed = start == "committed" and bool(group_id)
    as_group = from_committed or (commit_starts and bool(group_id))
    with client.consumer_client(bootstrap, consumer_config, group_id=group_id if as_group else None) as consumer:
        try:
            offsets = client.partition_offsets(consumer, topic)
        except client.TopicNotFound as exc:
            raise RuntimeError(f"topic {topic!r} does not exist on {bootstrap}") from exc
        committed = client.own_group_offsets(consumer, topic, [o.partition for o in offsets]) if as_group else {}
        slices = []
        ahead: dict[int, int] = {}
        for partition in offsets:
            begin = partition.start
            if replay is not None and partition.partition in replay.start:
                begin = max(replay.start[partition.partition], partition.start)
            elif start == "latest":
                begin = partition.end
            elif from_committed and partition.partition in committed:
                begin = max(committed[partition.partition], partition.start)
            if commit_starts and begin > committed.get(partition.partition, -1):
                ahead[partition.partition] = begin
            stop = partition.end if bounded else UNBOUNDED_END
            LOG.info("plan %s[%d]: offsets %d..%s", topic, partition.partition, begin, stop)
            slices.append(PartitionSlice(topic, partition.partition, begin, stop, chunk))
        if ahead and as_group:
            client.commit(consumer, topic, ahead)
    return slices


def commit_slices(bootstrap: str, group_id: str, slices: list[PartitionSlice],
                  consumer_config: dict[str, Any] | None = None) -> None:
    """Commit the end of each bounded slice for `group_id`: called once the job's outputs are durable."""
    by_topic: dict[str, dict[int, int]] = {}
    for s in slices:
        if s.stop < UNBOUNDED_END:
            by_topic.setdefault(s.topic, {})[s.partition] = s.stop
    with client.consumer_client(bootstrap, consumer_config, group_id=group_id) as consumer:
        for topic, offsets in by_topic.items():
            client.commit(consumer, topic, offsets)


class _PlanPartitions(beam.DoFn):
    """Impulse → the streaming job's slices, planned when the job starts (so restarts resume)."""

    def __init__(self, bootstrap, topic, group_id, start, consumer_config, replay=None, commit_starts=False):
        self._args = (bootstrap, topic, group_id, start, False, consumer_config)
        self._replay = replay
        self._commit_starts = commit_starts

    def process(self, _impulse) -> Iterable[PartitionSlice]:
        slices = plan_slices(*self._args, replay=self._replay, commit_starts=self._commit_starts)
        LOG.info("streaming read planned: %s", ", ".join(f"{s.topic}[{s.partition}]@{s.start}" for s in slices))
        yield from slices


class _PartitionTracker(OffsetRestrictionTracker):
    """Offset tracker that splits an open-ended range only at the current position (a checkpoint).

    A fractional split of [n, maxsize) would cut the log at an offset that does not exist yet;
    runners such as Prism try that for work rebalancing, so it is refused here."""

    def try_split(self, fraction_of_remainder):
        if self._range.stop >= UNBOUNDED_END and fraction_of_remainder > 0:
            return None
        return super().try_split(fraction_of_remainder)


class _SliceRestrictions(RestrictionProvider):
    """Offsets as the restriction; bounded slices split into chunks so several workers can read."""

    def initial_restriction(self, element: PartitionSlice) -> OffsetRange:
        return OffsetRange(element.start, element.stop)

    def create_tracker(self, restriction: OffsetRange) -> OffsetRestrictionTracker:
        return _PartitionTracker(restriction)

    def restriction_size(self, element: PartitionSlice, restriction: OffsetRange) -> int:
        if restriction.stop >= UNBOUNDED_END:
            return 1 << 20  # unknown backlog: a constant keeps runners from over-splitting
        return max(restriction.size(), 0)

    def split(self, element: PartitionSlice, restriction: OffsetRange):
        if restriction.stop >= UNBOUNDED_END or restriction.size() <= element.chunk:
            yield restriction
            return
        yield from restriction.split(element.chunk, element.chunk // 4)


class _ReadSlices(beam.DoFn):
    """Reads one bounded partition slice up to its captured end offset."""

    def __init__(self, bootstrap, group_id, consumer_config, commit_offsets, max_records, max_seconds,
                 idle_lag_seconds, max_outage_seconds: float = MAX_OUTAGE_SECONDS):
        self._bootstrap = bootstrap
        self._group_id = group_id
        self._config = consumer_config
        self._commit = commit_offsets and bool(group_id)
        self._max_records = max_records
        self._max_seconds = max_seconds
        self._idle_lag = idle_lag_seconds
        self._max_outage = max_outage_seconds
        self._read_failures = Metrics.counter(NAMESPACE, "kafka_read_failures")
        self._slice_consumer: Any = None
        self._shared: _ReaderClients | None = None
        self._records_read = Metrics.counter(NAMESPACE, "pages_read")

    def setup(self) -> None:
        # Consumers are made on first read, not here: kafka-python clients bootstrap in their
        # constructor, and a setup that raises during a broker outage fails the whole job.
        self._slice_consumer = None
        self._shared = _reader_clients(self._bootstrap, self._group_id, self._config)

    def teardown(self) -> None:
        if self._slice_consumer is not None:
            self._slice_consumer.close(autocommit=False)
            self._slice_consumer = None
        if self._shared is not None:
            _READER_CLIENTS.release(self._shared)
            self._shared = None

    def process(
        self,
        element: PartitionSlice,
        tracker=beam.DoFn.RestrictionParam(_SliceRestrictions()),
        watermark=beam.DoFn.WatermarkEstimatorParam(ManualWatermarkEstimator.default_provider()),
    ):
        # Bounded runs commit offsets from the launcher once the job is done: Flink's batch mode
        # cannot finalize bundles (apache/beam#19526), and the end offsets are known up front.
        yield from self._read(element, tracker, watermark, None)

    def _commit_later(self, finalizer, topic: str, partition: int, next_offset: int) -> None:
        if finalizer is None or not self._commit or not self._shared.wants_commit((topic, partition), next_offset):
            return
        shared = self._shared

        def commit() -> None:
            try:
                shared.commit((topic, partition), next_offset)
            except Exception:  # a lost commit only means re-reading: at-least-once, never loss
                LOG.warning("offset commit %s[%d]@%d failed", topic, partition, next_offset, exc_info=True)

        finalizer.register(commit)

    def _read(self, element: PartitionSlice, tracker, watermark, finalizer):
        from kafka import TopicPartition

        restriction: OffsetRange = tracker.current_restriction()
        tp = TopicPartition(element.topic, element.partition)
        bounded = restriction.stop < UNBOUNDED_END
        # A stream keeps one consumer per partition, assigned for good: its fetch stays open at the
        # broker between bundles, so records that arrive meanwhile are already here at the next
        # poll. One consumer re-assigned per partition starts a fresh fetch each time, and the
        # reader takes its partitions in turn. A bounded slice has a consumer of this instance's
        # own: slices of one partition may be read at once.
        partition = (element.topic, element.partition)
        try:
            consumer = self._slice_consumer if bounded else self._shared.checkout(partition)
            if consumer is None:
                consumer = self._slice_consumer = _reader(self._bootstrap, self._group_id, self._config)
        except (kerrors.KafkaError, OSError) as exc:
            if bounded:
                raise
            self._wait_for_broker(element, tracker, finalizer, restriction.start, exc)
            return
        try:
            yield from self._read_with(consumer, element, tp, restriction, bounded, tracker, watermark, finalizer)
        finally:
            if not bounded:
                self._shared.checkin(partition, consumer)

    def _read_with(self, consumer, element: PartitionSlice, tp, restriction: OffsetRange, bounded: bool, tracker,
                   watermark, finalizer):
        try:
            if consumer.assignment() != {tp}:
                consumer.assign([tp])
                consumer.seek(tp, restriction.start)
            elif consumer.position(tp) != restriction.start:
                consumer.seek(tp, restriction.start)
        except (kerrors.KafkaError, OSError) as exc:
            if bounded:
                raise
            self._wait_for_broker(element, tracker, finalizer, restriction.start, exc)
            return
        started = time.monotonic()
        emitted = 0
        next_offset = restriction.start
        high_ts = watermark.current_watermark()
        LOG.debug("reading %s[%d] from %d (watermark %s)", element.topic, element.partition, restriction.start, high_ts)
        poll_ms = BACKLOG_POLL_MS if bounded else QUIET_POLL_MS
        while True:
            try:
                batch = consumer.poll(timeout_ms=poll_ms, max_records=500).get(tp, [])
            except (kerrors.KafkaError, OSError) as exc:
                if bounded:
                    raise  # a bounded read fails its bundle; the runner retries it
                self._wait_for_broker(element, tracker, finalizer, next_offset, exc)
                return
            for rec in batch:
                if not tracker.try_claim(rec.offset):
                    self._commit_later(finalizer, element.topic, element.partition, next_offset)
                    return
                read_from, next_offset = next_offset, rec.offset + 1
                headers = tuple((k, v if v is not None else b"") for k, v in (rec.headers or []))
                ts = Timestamp.of(rec.timestamp / 1000.0)
                behind = 0 if high_ts is None or ts >= high_ts else int((high_ts - ts).micros // 1000)
                record = KafkaRecord(rec.topic, rec.partition, rec.offset, rec.key, rec.value, rec.timestamp, headers,
                                     behind, read_from=read_from)
                if high_ts is None or ts > high_ts:
                    high_ts = ts
                    if not bounded:
                        # A bounded read holds its watermark until its slice is done, so a runner
                        # executing it in streaming mode (Flink) fires every event-time timer after
                        # all input, as a batch runner does: same decisions, whatever the order.
                        watermark.set_watermark(ts)
                self._records_read.inc()
                emitted += 1
                yield beam.window.TimestampedValue(record, ts)
            try:
                # A consumer that lost its broker validates its position again before it answers.
                position = consumer.position(tp)
            except (kerrors.KafkaError, OSError) as exc:
                if bounded:
                    raise
                self._wait_for_broker(element, tracker, finalizer, next_offset, exc)
                return
            if bounded:
                if position >= restriction.stop:
                    tracker.try_claim(restriction.stop)  # marks the slice done even across compaction gaps
                    return
                continue
            caught_up = False
            if batch:
                # The fetch that brought the batch also reported the partition's end: a reader that
                # reached it hands its records on now (a bundle's outputs move on only when it
                # ends); one with a backlog keeps reading in large bundles.
                end = consumer.highwater(tp)
                caught_up = end is not None and position >= end
            else:
                # Only the broker's own answer says the partition is caught up: an empty poll is
                # also what a lost broker looks like, and moving the watermark to the wall clock
                # then would make every record written during the outage late.
                try:
                    end = self._end_offset(tp)
                except (kerrors.KafkaError, OSError) as exc:
                    self._wait_for_broker(element, tracker, finalizer, next_offset, exc)
                    return
                self._broker_reached(element)
                caught_up = position >= end
            if caught_up:
                idle_mark = Timestamp.of(time.time() - self._idle_lag)
                if high_ts is None or idle_mark > high_ts:
                    high_ts = idle_mark
                    watermark.set_watermark(idle_mark)
            if caught_up or emitted >= self._max_records or time.monotonic() - started >= self._max_seconds:
                self._commit_later(finalizer, element.topic, element.partition, next_offset)
                tracker.defer_remainder(Duration.of(CAUGHT_UP_REPOLL_S if caught_up and not batch else 0))
                return
            poll_ms = BACKLOG_POLL_MS

    def _end_offset(self, tp) -> int:
        """The partition's end, asked of the broker by a client of its own. The reader's consumer
        keeps a fetch waiting at the broker (up to its fetch.max.wait.ms) until records come, and a
        broker answers one connection's requests in order: asked there, the answer would wait for
        that fetch, and the reader's other partitions with it."""
        return self._shared.end_offset(tp)

    def _wait_for_broker(self, element: PartitionSlice, tracker, finalizer, next_offset: int, exc: Exception) -> None:
        """The broker cannot be reached: come back after a backoff with the watermark where it is, or
        fail the job once the outage has lasted `max_outage_seconds`."""
        key = (element.topic, element.partition)
        now = time.monotonic()
        outage = self._shared.outages.get(key)
        if outage is None:
            outage = self._shared.outages[key] = _Outage(now, exc)
            LOG.error("Kafka outage: cannot read %s[%d] from %s (%r); retrying with backoff, the watermark holds "
                      "(gives up after %d s)", element.topic, element.partition, self._bootstrap, exc,
                      self._max_outage)
        outage.failures += 1
        outage.last_error = exc
        self._read_failures.inc()
        down_for = now - outage.started
        if down_for >= self._max_outage:
            raise BrokerUnreachable(
                f"Kafka at {self._bootstrap} unreachable for {down_for:.0f} s while reading {element.topic}"
                f"[{element.partition}] at offset {next_offset} ({outage.failures} failed reads, last: {exc!r}); "
                f"the job stops instead of waiting silently (limit {self._max_outage:.0f} s)") from exc
        self._commit_later(finalizer, element.topic, element.partition, next_offset)
        delay = OUTAGE_BACKOFF_S[min(outage.failures, len(OUTAGE_BACKOFF_S)) - 1]
        tracker.defer_remainder(Duration.of(delay))

    def _broker_reached(self, element: PartitionSlice) -> None:
        outage = self._shared.outages.pop((element.topic, element.partition), None)
        if outage is not None:
            LOG.warning("Kafka outage over: %s[%d] readable again after %.0f s (%d failed reads)", element.topic,
                        element.partition, time.monotonic() - outage.started, outage.failures)


class _ReadSlicesForever(_ReadSlices):
    """Streaming: reads an open-ended slice in bounded bundles, committing offsets on finalization."""

    @beam.DoFn.unbounded_per_element()  # on the method: Beam reads the mark there, not on the class
    def process(
        self,
        element: PartitionSlice,
        finalizer=beam.DoFn.BundleFinalizerParam,  # positional: Beam passes it before the SDF kwargs
        tracker=beam.DoFn.RestrictionParam(_SliceRestrictions()),
        watermark=beam.DoFn.WatermarkEstimatorParam(ManualWatermarkEstimator.default_provider()),
    ):
        yield from self._read(element, tracker, watermark, finalizer)


class _ReadSlicesForeverUncommitted(_ReadSlices):
    """Streaming, for a reader that commits nothing (no group, or the job's commit step commits).
    Its signature takes no bundle finalizer: Prism finalizes every bundle of a stage whose DoFn
    takes one, and the SDK answers each bundle that registered nothing with an error in the log."""

    @beam.DoFn.unbounded_per_element()
    def process(
        self,
        element: PartitionSlice,
        tracker=beam.DoFn.RestrictionParam(_SliceRestrictions()),
        watermark=beam.DoFn.WatermarkEstimatorParam(ManualWatermarkEstimator.default_provider()),
    ):
        yield from self._read(element, tracker, watermark, None)


class ReadFromKafka(beam.PTransform):
    """Kafka records of one topic as a PCollection of KafkaRecord, timestamped by record time.

    Bounded: give the `slices` planned by `plan_slices` (the launcher commits them after the job
    succeeds). Streaming: slices are planned inside the job from the group's committed offsets, or
    from the start of a restart's `replay` window."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        group_id: str | None = None,
        slices: list[PartitionSlice] | None = None,
        start: str = "committed",
        consumer_config: dict[str, Any] | None = None,
        commit_offsets: bool = True,
        max_records_per_bundle: int = 5000,
        max_bundle_seconds: float = 5.0,
        idle_watermark_lag_seconds: float = 10.0,
        max_outage_seconds: float | None = None,
        replay: ReplayWindow | None = None,
        commit_after_decisions: bool = False,
    ) -> None:
        super().__init__()
        if start not in {"committed", "earliest", "latest"}:
            raise ValueError(f"start must be committed|earliest|latest, got {start!r}")
        self._slices = slices
        # commit_after_decisions: the reader commits nothing; the job's commit step does, once
        # the records' decisions are written (beam/steps/commit.py), from where the plan starts.
        self._plan = _PlanPartitions(bootstrap, topic, group_id, start, consumer_config or {}, replay,
                                     commit_starts=commit_offsets and commit_after_decisions)
        reader_commits = commit_offsets and not commit_after_decisions and bool(group_id)
        if slices is not None:
            read_step = _ReadSlices
        else:
            read_step = _ReadSlicesForever if reader_commits else _ReadSlicesForeverUncommitted
        self._read = read_step(
            bootstrap, group_id, consumer_config or {}, reader_commits,
            max_records_per_bundle,
            max_bundle_seconds, idle_watermark_lag_seconds,
            max_outage_seconds if max_outage_seconds is not None
            else float(os.environ.get("NEWSBEAM_MAX_KAFKA_OUTAGE_S", MAX_OUTAGE_SECONDS)),
        )

    def expand(self, pbegin):
        if self._slices is not None:
            planned = pbegin | "PartitionSlices" >> beam.Create(self._slices, reshuffle=False)
        else:
            planned = pbegin | "Impulse" >> beam.Impulse() | "PlanPartitions" >> beam.ParDo(self._plan)
        return (
            planned
            | "SpreadPartitions" >> beam.Reshuffle()
            | "ReadPartitions" >> beam.ParDo(self._read)
        )


# Refusals about the record itself: sending it again can only be refused again.
_REFUSED_FOR_GOOD = (
    kerrors.MessageSizeTooLargeError,
    kerrors.RecordListTooLargeError,
    kerrors.InvalidTimestampError,
    kerrors.InvalidRecordError,
    kerrors.CorruptRecordError,
)
SEND_BACKOFF_S = 0.5  # before a message that failed in its batch is sent alone again; doubled each time
MAX_SEND_BACKOFF_S = 15.0


class _SharedProducer:
    """The producer every writer DoFn instance with the same settings in this process sends on.

    Beam's SDK builds a new instance of a step whenever the ones it has are busy or held for a
    bundle's finalization (the reader's step holds them until Flink's next checkpoint), and a
    producer per instance meant a producer, its sender thread and its connections per held
    bundle. kafka-python's producer is thread-safe; a flush waits for every instance's records."""

    def __init__(self, bootstrap: str, config: dict[str, Any]) -> None:
        self._bootstrap, self._config = bootstrap, config
        self.users = 0
        self._lock = threading.Lock()
        self._producer: Any = None

    def get(self) -> Any:
        with self._lock:
            if self._producer is None:
                self._producer = client.producer(self._bootstrap, self._config)
            return self._producer

    def discard(self, producer: Any) -> None:
        """After a batch it could not write, kafka-python's idempotent producer aborts every batch
        still in flight with that batch's error while it bumps its epoch: the next sends go to a
        fresh producer. Closing the old one first sends what it still buffers."""
        with self._lock:
            if self._producer is not producer:
                return
            self._producer = None
        _close_producer(producer)

    def close(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            _close_producer(producer)


def _close_producer(producer: Any) -> None:
    try:
        producer.close(timeout=10)
    except kerrors.KafkaError as exc:
        # Only records of a bundle that did not finish are still buffered here, and that bundle
        # is retried: the job's failure is the bundle's, not this close's.
        LOG.warning("Kafka producer closed with records unsent: %r", exc)


_PRODUCERS = _SharedPerProcess()


def _shared_producer(bootstrap: str, config: dict[str, Any]) -> _SharedProducer:
    return _PRODUCERS.acquire((bootstrap, repr(sorted(config.items()))), lambda: _SharedProducer(bootstrap, config))


class _ProduceFn(beam.DoFn):
    """Sends KafkaMessages; flushes in finish_bundle so a bundle completes only once Kafka has it.

    A message the broker refuses for good (_REFUSED_FOR_GOOD: too large for the topic, a timestamp
    or record it will never accept) becomes a `write` dead letter on the dead-letter topic instead
    of failing its bundle on every retry. A failed message is first sent again alone on a fresh
    producer of its own (`_SharedProducer.discard` says why), so only its own refusal counts. Any other failure is
    retried with backoff, then fails the bundle, which the runner retries (writes are keyed and
    deterministic, so a retried bundle rewrites the same records)."""

    def __init__(self, bootstrap: str, topic: str, producer_config: dict[str, Any], metric: str | None,
                 dead_letter_topic: str | None, dead_letter_format: str) -> None:
        self._bootstrap = bootstrap
        self._topic = topic
        self._config = producer_config
        self._dead_letter_topic = dead_letter_topic
        self._dead_letter_format = dead_letter_format
        self._max_outage = float(os.environ.get("NEWSBEAM_MAX_KAFKA_OUTAGE_S", MAX_OUTAGE_SECONDS))
        self._producer = None
        self._shared: _SharedProducer | None = None
        self._pending: list[tuple[KafkaMessage, Any]] = []
        self._written = Metrics.counter(NAMESPACE, metric) if metric else None
        self._refused = Metrics.counter(NAMESPACE, "dead_letters_write")

    def setup(self) -> None:
        self._producer = None  # made on first use: a broker outage must not fail the DoFn's setup
        self._shared = _shared_producer(self._bootstrap, self._config)

    def start_bundle(self) -> None:
        self._pending = []

    def _client(self):
        """The producer, made now if need be; while the broker cannot be reached, retried with
        backoff for as long as the reader waits for a lost broker, then the bundle fails."""
        backoff = SEND_BACKOFF_S
        deadline = time.monotonic() + self._max_outage
        while self._producer is None:
            try:
                self._producer = self._shared.get()
            except (kerrors.KafkaError, OSError) as exc:
                if time.monotonic() + backoff >= deadline:
                    raise BrokerUnreachable(f"no producer for {self._topic}: Kafka at {self._bootstrap} unreachable "
                                            f"for {self._max_outage:.0f} s ({exc!r}); the job stops instead of "
                                            "waiting silently") from exc
                LOG.warning("Kafka outage: cannot connect a producer for %s (%r); again in %.1f s", self._topic,
                            exc, backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, MAX_SEND_BACKOFF_S)
        return self._producer

    def _send(self, message: KafkaMessage, producer: Any = None):
        headers = list(message.headers)
        if message.source is not None:
            headers.append((SOURCE_HEADER, source_coordinates(message.source)))  # lineage for the ledger
        return (producer or self._client()).send(
            self._topic,
            key=message.key,
            value=message.value,
            headers=headers or None,
            timestamp_ms=writable_timestamp(message.timestamp_ms, int(time.time() * 1000), MAX_FUTURE_TIMESTAMP_MS),
        )

    def process(self, message: KafkaMessage):
        try:
            future = self._send(message)
        except Exception as exc:  # refused before sending (over max_request_size, no metadata): sent alone later
            future = exc
        self._pending.append((message, future))
        return ()  # a sink: nothing flows on

    def finish_bundle(self) -> None:
        if not self._pending:
            return
        try:
            # Bounded like the reader's wait: kafka-python's own flush waits out its delivery
            # timeout (two minutes), which kept a job whose broker was gone from failing.
            self._client().flush(timeout=self._max_outage)
        except kerrors.KafkaTimeoutError as exc:
            raise BrokerUnreachable(
                f"Kafka at {self._bootstrap} unreachable for {self._max_outage:.0f} s while writing "
                f"{len(self._pending)} records to {self._topic}; the job stops instead of waiting silently") from exc
        failed: list[KafkaMessage] = []
        for message, future in self._pending:
            try:
                if isinstance(future, Exception):
                    raise future
                future.get(timeout=60)
            except Exception:
                failed.append(message)
        written = len(self._pending) - len(failed)
        if failed:
            self._shared.discard(self._producer)
            self._producer = None
        letters = []
        for message in failed:
            refusal = self._send_alone(message)
            if refusal is None:
                written += 1
            else:
                letters.append(refusal)
        if letters:
            self._write_dead_letters(letters)
        if self._written is not None:
            self._written.inc(written)
        self._pending = []

    def _send_alone(self, message: KafkaMessage) -> tuple[KafkaMessage, Exception] | None:
        """None once `message` is written; (message, error) when the broker refuses it for good.
        Transient failures (a broker outage) are retried with backoff for as long as the reader
        waits for a lost broker; then this raises, the bundle fails and the job with it."""
        backoff = SEND_BACKOFF_S
        deadline = time.monotonic() + self._max_outage
        attempt = 0
        while True:
            attempt += 1
            try:
                failure = self._send_on_own_producer(message)
            except _REFUSED_FOR_GOOD as exc:
                return message, exc
            if failure is None:
                return None
            if not _transient(failure) or time.monotonic() + backoff >= deadline:
                raise RuntimeError(f"writing to {self._topic} failed {attempt} times: {failure!r}") from failure
            LOG.warning("writing to %s failed (%r); attempt %d in %.1f s", self._topic, failure, attempt + 1, backoff)
            time.sleep(backoff)
            backoff = min(backoff * 2, MAX_SEND_BACKOFF_S)

    def _send_on_own_producer(self, message: KafkaMessage) -> Exception | None:
        """Sends `message` on a fresh producer of its own: None once written, else the failure; a
        refusal for good is raised."""
        try:
            alone = client.producer(self._bootstrap, self._config)
        except (kerrors.KafkaError, OSError) as exc:
            return exc
        try:
            self._send(message, alone).get(timeout=60)
            return None
        except _REFUSED_FOR_GOOD:
            raise
        except Exception as exc:
            return exc
        finally:
            _close_producer(alone)

    def _write_dead_letters(self, refusals: list[tuple[KafkaMessage, Exception]]) -> None:
        from pipelines.core import codecs

        for message, exc in refusals:
            reason = f"{type(exc).__name__}: {exc}"
            LOG.error("%s refused %s for good (%s)%s", self._topic, message.source or message.key, reason,
                      "" if self._dead_letter_topic else "; no dead-letter topic, the record is dropped")
        if not self._dead_letter_topic:
            return  # the dead-letter writer itself: a letter about a letter would be refused alike
        futures = []
        for message, exc in refusals:
            letter = write_dead_letter(message, self._topic, type(exc).__name__, str(exc) or type(exc).__name__)
            dead = to_message(letter, codecs.encode("DeadLetter", letter, self._dead_letter_format))
            futures.append(self._client().send(self._dead_letter_topic, key=dead.key, value=dead.value,
                                               headers=list(dead.headers), timestamp_ms=dead.timestamp_ms))
        self._client().flush()
        for future in futures:
            future.get(timeout=60)  # a dead-letter topic that cannot be written fails the bundle
        self._refused.inc(len(futures))

    def teardown(self) -> None:
        self._producer = None  # the shared producer is closed by its last user
        if self._shared is not None:
            _PRODUCERS.release(self._shared)
            self._shared = None


def _transient(exc: Exception) -> bool:
    """Worth sending again: Kafka's retriable errors, timeouts and lost connections."""
    return bool(getattr(exc, "retriable", False)) or isinstance(exc, (kerrors.KafkaTimeoutError, OSError))


class WriteToKafka(beam.PTransform):
    """Writes KafkaMessages to one topic with an idempotent, acks=all producer; messages the broker
    refuses for good go to `dead_letter_topic` as `write` dead letters (encoded as `dead_letter_format`)."""

    def __init__(self, bootstrap: str, topic: str, producer_config: dict[str, Any] | None = None,
                 metric: str | None = None, dead_letter_topic: str | None = None,
                 dead_letter_format: str = "avro") -> None:
        super().__init__()
        self._fn = _ProduceFn(bootstrap, topic, producer_config or {}, metric, dead_letter_topic, dead_letter_format)

    def expand(self, pcoll):
        return pcoll | "Produce" >> beam.ParDo(self._fn)
