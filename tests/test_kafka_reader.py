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
        assert len(reader._consumers) == 2, "one consumer per partition, each still assigned"
        send(0, 1)
        assert offsets(2, 0) == [2], "the kept consumer goes on from where it was"
        assert offsets(1, 0) == [1, 2], "a restriction that starts earlier (a restore) is sought"
        assert offsets(1, 1) == []
    finally:
        reader.teardown()
        kproducer.close()
