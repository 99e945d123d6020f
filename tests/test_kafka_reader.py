"""The streaming Kafka reader's bundles on a real broker: a reader that reaches the end of its
partition hands its records on at once (a bundle's outputs move on only when it ends), and one
that finds nothing new polls again soon; a stream's reader keeps a consumer per partition."""

from __future__ import annotations

import time

import pytest

from pipelines.config import Topics
from pipelines.kafka.admin import create_topics
from pipelines.kafka.produce import produce
from tests.test_broker_outage import _pages, _read_once

pytestmark = pytest.mark.integration


def test_a_caught_up_reader_ends_its_bundle_with_its_records_and_polls_again_soon(kafka_broker) -> None:
    from pipelines.beam.kafka_io import CAUGHT_UP_REPOLL_S, _ReadSlicesForever

    bootstrap = kafka_broker.bootstrap
    topics = Topics(prefix=f"reader{int(time.time() * 1000)}.")
    create_topics(bootstrap, topics, partitions=1)
    produce(bootstrap, topics.raw, _pages(0, 3, int(time.time() * 1000) - 60_000), progress=False)
    # A bundle may last a minute: only reaching the partition's end can have ended it.
    reader = _ReadSlicesForever(bootstrap, None, {}, False, 5000, 60.0, 10.0)
    reader.setup()
    try:
        records, _, (residual, delay) = _read_once(reader, 0, None, topics.raw)
        assert [r.value.offset for r in records] == [0, 1, 2]
        assert residual.start == 3 and delay.micros <= 0, "records in hand: resume at once, no wait"
        records, _, (residual, delay) = _read_once(reader, 3, None, topics.raw)
        assert records == [] and residual.start == 3
        # The delay as the tracker reports it: what is left of it by now.
        assert 0 < delay.micros <= CAUGHT_UP_REPOLL_S * 1e6 < 1e6, "nothing new: poll again soon"
        produce(bootstrap, topics.raw, _pages(3, 2, int(time.time() * 1000)), progress=False)
        records, _, _ = _read_once(reader, 3, None, topics.raw)
        assert [r.value.offset for r in records] == [3, 4]
    finally:
        reader.teardown()


def test_a_stream_reader_keeps_each_partition_s_consumer_and_resumes_where_the_runner_says(kafka_broker) -> None:
    from pipelines.beam.kafka_io import _ReadSlicesForever
    from pipelines.kafka.client import producer

    bootstrap = kafka_broker.bootstrap
    topics = Topics(prefix=f"reader{int(time.time() * 1000)}.")
    create_topics(bootstrap, topics, partitions=2)
    kproducer = producer(bootstrap)

    def send(partition: int, n: int) -> None:
        for _ in range(n):
            kproducer.send(topics.raw, value=b"page", partition=partition)
        kproducer.flush()

    def offsets(start: int, partition: int) -> list[int]:
        records, _, _ = _read_once(reader, start, None, topics.raw, partition)
        return [r.value.offset for r in records if r.value.partition == partition]

    send(0, 2)
    send(1, 1)
    reader = _ReadSlicesForever(bootstrap, None, {}, False, 5000, 60.0, 10.0)
    reader.setup()
    try:
        assert offsets(0, 0) == [0, 1]
        assert offsets(0, 1) == [0]
        kept = dict(reader._shared.idle_consumers)
        assert set(kept) == {(topics.raw, 0), (topics.raw, 1)}, "one consumer per partition, each still assigned"
        send(0, 1)
        assert offsets(2, 0) == [2], "the kept consumer goes on from where it was"
        # A runner makes another instance while it holds this one until its bundle is finalized:
        # the new instance reads the partition on the same consumer.
        twin = _ReadSlicesForever(bootstrap, None, {}, False, 5000, 60.0, 10.0)
        twin.setup()
        try:
            send(0, 1)
            records, _, _ = _read_once(twin, 3, None, topics.raw, 0)
            assert [r.value.offset for r in records] == [3]
            assert twin._shared.idle_consumers[(topics.raw, 0)] is kept[(topics.raw, 0)]
        finally:
            twin.teardown()
        assert reader._shared.idle_consumers, "the last instance's teardown closes the shared clients, not the first"
        assert offsets(1, 0) == [1, 2, 3], "a restriction that starts earlier (a restore) is sought"
        assert offsets(1, 1) == []
    finally:
        reader.teardown()
        kproducer.close()


class _Finalizer:
    """The runner's side of bundle finalization: keeps what a bundle registers, runs it on demand
    (Flink does once the checkpoint that holds the bundle's outputs completes)."""

    def __init__(self) -> None:
        self.callbacks: list = []

    def register(self, callback) -> None:
        self.callbacks.append(callback)

    def finalize(self) -> None:
        callbacks, self.callbacks = self.callbacks, []
        for callback in callbacks:
            callback()


def test_a_stream_reader_asks_for_a_commit_only_past_what_is_committed_and_at_most_once_a_second(
        kafka_broker) -> None:
    """A bundle that asks for finalization keeps its DoFn instances (and their clients) held by
    Beam's SDK until the runner finalizes it: a quiet partition's bundles must not ask."""
    from pipelines.beam import kafka_io
    from pipelines.kafka.client import consumer_client, own_group_offsets

    clock = [1000.0]
    bootstrap = kafka_broker.bootstrap
    topics = Topics(prefix=f"reader{int(time.time() * 1000)}.")
    create_topics(bootstrap, topics, partitions=1)
    group = f"commits-{int(time.time() * 1000)}"
    produce(bootstrap, topics.raw, _pages(0, 3, int(time.time() * 1000)), progress=False)
    reader = kafka_io._ReadSlicesForever(bootstrap, group, {}, True, 5000, 60.0, 10.0)
    reader.setup()
    reader._shared.clock = lambda: clock[0]
    finalizer = _Finalizer()

    def committed() -> int | None:
        with consumer_client(bootstrap, group_id=group) as kconsumer:
            return own_group_offsets(kconsumer, topics.raw, [0]).get(0)

    try:
        records, _, _ = _read_once(reader, 0, None, topics.raw, 0, finalizer)
        assert len(records) == 3 and len(finalizer.callbacks) == 1, "records read: ask for their commit"
        clock[0] += 0.2
        _read_once(reader, 3, None, topics.raw, 0, finalizer)
        assert len(finalizer.callbacks) == 1, "asked less than a second ago: no second ask"
        finalizer.finalize()
        assert committed() == 3
        clock[0] += 5
        _read_once(reader, 3, None, topics.raw, 0, finalizer)
        assert finalizer.callbacks == [], "nothing read past the committed offset: nothing to ask"
        produce(bootstrap, topics.raw, _pages(3, 2, int(time.time() * 1000)), progress=False)
        _read_once(reader, 3, None, topics.raw, 0, finalizer)
        clock[0] += 0.5
        _read_once(reader, 5, None, topics.raw, 0, finalizer)
        assert len(finalizer.callbacks) == 1
        finalizer.callbacks.clear()  # the runner never finalized that bundle (it failed, say)
        clock[0] += 1
        _read_once(reader, 5, None, topics.raw, 0, finalizer)
        assert len(finalizer.callbacks) == 1, "an ask that was never finalized is made again"
        finalizer.finalize()
        assert committed() == 5
    finally:
        reader.teardown()


def test_the_stream_readers_are_marked_unbounded_per_element_and_the_slice_reader_is_not() -> None:
    """The mark makes the reader's output an unbounded PCollection in the job's graph; Beam reads
    it from the process method, so a mark on the class is silently ignored."""
    from apache_beam.runners.common import DoFnSignature

    from pipelines.beam import kafka_io

    def unbounded(step) -> bool:
        return DoFnSignature(step("127.0.0.1:9", None, {}, False, 5000, 5.0, 10.0)).is_unbounded_per_element()

    assert unbounded(kafka_io._ReadSlicesForever)
    assert unbounded(kafka_io._ReadSlicesForeverUncommitted)
    assert not unbounded(kafka_io._ReadSlices)
