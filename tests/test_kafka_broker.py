"""Integration tests: the Maven-jar broker, topic layout and a real produce/consume round trip."""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import UnknownTopicOrPartitionError

from pipelines.cli.kafka import add_kafka_parser, cli_kafka
from pipelines.cli.topics import add_topics_parser
from pipelines.config import MAX_PAGE_BYTES, Topics
from pipelines.kafka import broker as kb
from pipelines.kafka.admin import TOPIC_CONFIGS, create_topics, describe_topics, end_offsets

pytestmark = pytest.mark.integration

DAY_MS = 24 * 3600 * 1000


def _local_only(broker: object) -> kb.BrokerHandle:
    if not isinstance(broker, kb.BrokerHandle):
        pytest.skip("needs the broker this session started, not NEWSBEAM_TEST_BOOTSTRAP")
    return broker


def test_topics_have_the_designed_layout(kafka_broker, topics: Topics) -> None:
    info = describe_topics(kafka_broker.bootstrap, topics)
    for role, spec in TOPIC_CONFIGS.items():
        got = info[getattr(topics, role)]
        assert got is not None, role
        assert got["partitions"] == spec.partitions, role
        for key, value in spec.configs.items():
            assert got["configs"][key] == value, (role, key)
    stories = info[topics.stories]["configs"]
    assert stories["cleanup.policy"] == "compact"
    assert int(stories["min.compaction.lag.ms"]) > 0
    assert info[topics.raw]["configs"]["cleanup.policy"] == "delete"
    assert info[topics.raw]["configs"]["retention.ms"] == str(7 * DAY_MS)
    assert info[topics.dlq]["configs"]["retention.ms"] == str(30 * DAY_MS)
    assert int(info[topics.raw]["configs"]["max.message.bytes"]) > MAX_PAGE_BYTES


def test_create_topics_is_idempotent(kafka_broker, topics: Topics) -> None:
    again = create_topics(kafka_broker.bootstrap, topics)
    assert again == dict.fromkeys(topics.all(), "exists")

    fresh = Topics(prefix=f"t{uuid.uuid4().hex[:8]}.")
    assert create_topics(kafka_broker.bootstrap, fresh, partitions=2) == dict.fromkeys(fresh.all(), "created")
    info = describe_topics(kafka_broker.bootstrap, fresh)
    assert {v["partitions"] for v in info.values()} == {2}
    assert info[fresh.stories]["configs"]["cleanup.policy"] == "compact"
    missing = describe_topics(kafka_broker.bootstrap, ["no.such.topic"])
    assert missing == {"no.such.topic": None}


def test_topics_that_keep_all_records_keep_the_rest_of_the_layout(kafka_broker) -> None:
    """The benchmarks' topics for a crawl older than the raw topic's retention."""
    kept = Topics(prefix=f"k{uuid.uuid4().hex[:8]}.")
    create_topics(kafka_broker.bootstrap, kept, keep_all=True)
    info = describe_topics(kafka_broker.bootstrap, kept)
    assert {v["configs"]["retention.ms"] for v in info.values()} == {"-1"}
    assert info[kept.stories]["configs"]["cleanup.policy"] == "compact"
    assert int(info[kept.raw]["configs"]["max.message.bytes"]) > MAX_PAGE_BYTES


def test_produce_consume_round_trip(kafka_broker, topics: Topics) -> None:
    bootstrap = kafka_broker.bootstrap
    big = bytes(range(256)) * (2 * 1024 * 1024 // 256 + 1)  # > the 1 MiB broker default
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=MAX_PAGE_BYTES * 2)
    try:
        small_md = producer.send(
            topics.articles, key=b"page-1", value=b'{"title": "hi"}', headers=[("stage", b"test")]
        ).get(timeout=30)
        big_md = producer.send(topics.raw, key=b"big", value=big).get(timeout=30)
        producer.flush()
    finally:
        producer.close()

    ends = end_offsets(bootstrap, topics.articles)
    assert sorted(ends) == list(range(TOPIC_CONFIGS["articles"].partitions))
    assert ends[small_md.partition] == small_md.offset + 1 and sum(ends.values()) == 1

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        group_id=None,
        fetch_max_bytes=MAX_PAGE_BYTES * 2,
        max_partition_fetch_bytes=MAX_PAGE_BYTES * 2,
    )
    try:
        got = {}
        wanted = {TopicPartition(topics.articles, small_md.partition), TopicPartition(topics.raw, big_md.partition)}
        consumer.assign(list(wanted))
        consumer.seek_to_beginning()
        deadline = time.monotonic() + 30
        while len(got) < 2 and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for r in records:
                    got[r.topic] = r
    finally:
        consumer.close()
    article = got[topics.articles]
    assert (article.key, article.value) == (b"page-1", b'{"title": "hi"}')
    assert list(article.headers) == [("stage", b"test")]
    assert got[topics.raw].value == big


def test_end_offsets_of_unknown_topic_raises(kafka_broker) -> None:
    with pytest.raises(UnknownTopicOrPartitionError):
        end_offsets(kafka_broker.bootstrap, "no.such.topic.v1")


def test_status_reports_running(kafka_broker, capsys: pytest.CaptureFixture[str]) -> None:
    handle = _local_only(kafka_broker)
    state_dir = Path(handle.state_file).parent
    st = kb.status(state_dir)
    assert st["running"] and st["ready"]
    assert (st["pid"], st["bootstrap"]) == (handle.pid, handle.bootstrap)

    args = argparse.Namespace(action="status", state_dir=state_dir, json=True)
    assert cli_kafka(args) == 0
    assert json.loads(capsys.readouterr().out)["bootstrap"] == handle.bootstrap


def test_cli_parsers_register(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(required=True)
    add_kafka_parser(sub)
    add_topics_parser(sub)
    args = parser.parse_args(["kafka", "status", "--state-dir", str(tmp_path), "--json"])
    assert args.func is cli_kafka and args.state_dir == tmp_path
    assert cli_kafka(args) == 3  # nothing recorded in an empty state dir
    args = parser.parse_args(["topics", "create", "--prefix", "x.", "--partitions", "2"])
    assert (args.prefix, args.partitions, args.topics_action) == ("x.", 2, "create")


def test_second_broker_lifecycle(kafka_broker, tmp_path: Path) -> None:
    """Start/stop through the state dir like `newsbeam kafka`; a restart keeps its port and data."""
    _local_only(kafka_broker)
    state = tmp_path / "state"
    first = kb.start(tmp_path / "data", state_dir=state)
    try:
        assert kb.status(state)["running"]
        create_topics(first.bootstrap, Topics("keep."), partitions=1)
        with pytest.raises(kb.KafkaBrokerError, match="already running"):
            kb.start(tmp_path / "other", state_dir=state)
    finally:
        assert kb.stop(state_dir=state)
    assert not first.alive()
    assert kb.status(state)["running"] is False and kb.load_state(state) is None

    second = kb.start(tmp_path / "data", state_dir=state)
    try:
        assert second.bootstrap == first.bootstrap
        assert create_topics(second.bootstrap, Topics("keep.")) == dict.fromkeys(Topics("keep.").all(), "exists")
    finally:
        kb.stop(second)


def test_start_failures_are_clear(kafka_broker, tmp_path: Path) -> None:
    handle = _local_only(kafka_broker)
    with pytest.raises(kb.KafkaBrokerError, match="in use"):
        kb.start(tmp_path / "data", port=handle.port)
    # A JVM that dies at once: the error must carry the log tail, and nothing is left running.
    with pytest.raises(kb.KafkaBrokerError, match="exited during startup(?s:.*)heap") as err:
        kb.start(tmp_path / "data", jvm_opts=["-Xmx1k"], state_dir=tmp_path / "state")
    assert kb.load_state(tmp_path / "state") is None, err.value


def _time_wait_on(port: int) -> bool:
    """Whether a TCP connection with local port `port` is in TIME_WAIT (state 06). The JVM's sockets
    are IPv6 ones (IPv4-mapped addresses), so both tables are read."""
    rows = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            rows += [line.split() for line in lines.readlines()[1:]]
    return any(int(row[1].rsplit(":", 1)[1], 16) == port and row[3] == "06" for row in rows)


def test_restart_on_the_same_port_right_after_a_stop(kafka_broker, tmp_path: Path) -> None:
    """A stopped broker leaves its closed connections in TIME_WAIT for a minute; the port is free."""
    from pipelines.kafka import client

    _local_only(kafka_broker)
    port = kb.free_port()
    first = kb.start(tmp_path / "data", port=port)
    connected = client.consumer(first.bootstrap)
    try:
        assert connected.topics() is not None  # a connection the broker closes itself when it stops
        kb.stop(first)
        deadline = time.monotonic() + 10
        while not _time_wait_on(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _time_wait_on(port), "the broker's side of the connection should linger in TIME_WAIT"
        second = kb.start(tmp_path / "data", port=port)  # at once, on the same port
    finally:
        connected.close()
    try:
        assert second.bootstrap == first.bootstrap
        assert create_topics(second.bootstrap, Topics("again."), partitions=1)
    finally:
        kb.stop(second)
