"""A streaming job outlives a broker outage: its reader backs off and retries, holds its watermark
(it cannot know what it has not read), counts and logs the outage, and resumes where it stopped.

The broker here is the test's own (stopped and started on the same port and data), never the
session broker other tests use."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipelines.config import JobSettings, Topics
from pipelines.kafka import broker as kb
from pipelines.kafka.admin import create_topics
from pipelines.kafka.ledger import read_ledger
from pipelines.kafka.produce import page_message, produce
from pipelines.ops.lag import consumer_lag, summarize
from pipelines.runners.launch import cancel, counters, run

pytestmark = pytest.mark.integration


def _pages(first: int, n: int, fetched_at: int) -> list:
    return [page_message({
        "url": f"https://news.example/outage/{i}", "source": "outage", "fetched_at": fetched_at + i,
        "published_at": None, "content_type": "text/plain", "charset": "utf-8", "headers": {},
        "body": f"Report number {i} on the ferry strike and the talks at the port.\n".encode() * 8,
    }) for i in range(first, first + n)]


def _accounted(bootstrap: str, topics: Topics) -> int:
    ledger = read_ledger(bootstrap, topics)
    return ledger.articles + ledger.dead_input


def _outage_logged(caplog) -> bool:
    return any(r.getMessage().startswith("Kafka outage: cannot read") for r in caplog.records)


def _wait(condition, deadline: float, what: str) -> None:
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(1)


@pytest.fixture
def own_broker(kafka_broker, tmp_path: Path):
    if getattr(kafka_broker, "pid", None) is None:
        pytest.skip("stops and starts a broker of its own: needs the local broker (not NEWSBEAM_TEST_BOOTSTRAP)")
    port = kb.free_port()
    handle = kb.start(tmp_path / "data", port=port, timeout=120)
    holder = {"handle": handle, "data": tmp_path / "data", "port": port}
    yield holder
    if holder["handle"] is not None:
        kb.stop(holder["handle"])


@pytest.mark.parametrize("runner", ["PrismRunner", "FlinkRunner"])
def test_streaming_survives_a_broker_outage(own_broker, runner: str, caplog) -> None:
    bootstrap = own_broker["handle"].bootstrap
    topics = Topics(prefix=f"outage{runner[:5].lower()}.")
    create_topics(bootstrap, topics, partitions=2)
    group = f"outage-group-{runner}"
    now = int(time.time() * 1000)
    before, after = _pages(0, 8, now - 120_000), _pages(8, 8, now - 60_000)
    produce(bootstrap, topics.raw, before, progress=False)
    # One SDK worker, inside this process (LOOPBACK), so that the reader's log lines reach caplog.
    result = run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=group, runner=runner,
                             mode="streaming", allowed_lateness_ms=5_000, sdk_workers=1), wait=False)
    try:
        deadline = time.monotonic() + 180  # embedded Flink takes longer to start than Prism
        _wait(lambda: _accounted(bootstrap, topics) >= len(before), deadline, "the job did not read the first pages")

        kb.stop(own_broker["handle"])
        own_broker["handle"] = None
        # A runner may hold the reader back for a while (a Flink checkpoint, a loaded machine): wait
        # for the reader to notice rather than for a fixed time.
        _wait(lambda: _outage_logged(caplog), time.monotonic() + 120, "the outage must show in the job's log")
        time.sleep(10)  # a few backoffs more
        assert str(result.state).endswith("RUNNING"), f"the job must wait for the broker, not end: {result.state}"

        own_broker["handle"] = kb.start(own_broker["data"], port=own_broker["port"], timeout=120)
        assert own_broker["handle"].bootstrap == bootstrap
        produce(bootstrap, topics.raw, after, progress=False)
        deadline = time.monotonic() + 100
        _wait(lambda: _accounted(bootstrap, topics) >= len(before) + len(after), deadline,
              "the job did not resume reading after the broker came back")
        # On Prism offsets are committed once decisions are written (the allowed lateness later, in
        # watermark time), so the commits get their own budget after a slow reconnect.
        deadline = time.monotonic() + 100
        _wait(lambda: summarize(consumer_lag(bootstrap, topics.raw, group))["lag"] == 0, deadline,
              "offsets were not committed after the outage")
        # Stories are decided when the watermark passes each article's time plus the lateness:
        # cancelling at lag 0 could cut those last decisions off.
        _wait(lambda: read_ledger(bootstrap, topics).holds, deadline + 60, "every on-time article to join a story")
        assert str(result.state).endswith("RUNNING")
        if runner == "PrismRunner":  # Flink reports a running job's metrics through its own reporter only
            assert counters(result).get("kafka_read_failures", 0) > 0, "the outage must show in the job's metrics"
    finally:
        state = cancel(result)
    assert state in {"CANCELLED", "CANCELLING"}
    finalize_errors = [r for r in caplog.records if "not in a finalizable state" in r.getMessage()]
    assert not finalize_errors, "a reader that commits nothing must not ask the runner to finalize its bundles"
    ledger = read_ledger(bootstrap, topics)
    assert ledger.holds, ledger.describe()
    assert ledger.raw == len(before) + len(after)


def _read_once(reader, start: int, watermark_at, topic: str = "outage.news.pages.raw.v1", partition: int = 0,
               finalizer=None):
    """One call of the streaming reader's process body, as a runner makes it: records out, the
    watermark after, and what it deferred (residual restriction, delay)."""
    from apache_beam.io.restriction_trackers import OffsetRange
    from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
    from apache_beam.runners.sdf_utils import RestrictionTrackerView, ThreadsafeRestrictionTracker

    from pipelines.beam.kafka_io import _PartitionTracker
    from pipelines.core.records import UNBOUNDED_END, PartitionSlice

    tracker = ThreadsafeRestrictionTracker(_PartitionTracker(OffsetRange(start, UNBOUNDED_END)))
    watermark = ManualWatermarkEstimator(watermark_at)
    element = PartitionSlice(topic, partition, start, UNBOUNDED_END)
    records = list(reader._read(element, RestrictionTrackerView(tracker), watermark, finalizer))
    return records, watermark.current_watermark(), tracker.deferred_status()


def test_a_reader_that_loses_the_broker_holds_its_watermark_backs_off_and_gives_up(own_broker) -> None:
    from apache_beam.utils.timestamp import Timestamp

    from pipelines.beam.kafka_io import OUTAGE_BACKOFF_S, BrokerUnreachable, _ReadSlicesForever

    bootstrap = own_broker["handle"].bootstrap
    topics = Topics(prefix="outage.")
    create_topics(bootstrap, topics, partitions=1)
    old = int(time.time() * 1000) - 3_600_000
    produce(bootstrap, topics.raw, _pages(0, 3, old), progress=False)
    reader = _ReadSlicesForever(bootstrap, None, {}, False, 5000, 5.0, 10.0, max_outage_seconds=12)
    reader.setup()
    try:
        records, mark, (residual, _delay) = _read_once(reader, 0, None)
        assert [r.value.offset for r in records] == [0, 1, 2]
        assert mark > Timestamp.of(old / 1000 + 600), "caught up on a live broker: the idle watermark moves on"

        kb.stop(own_broker["handle"])
        own_broker["handle"] = None
        held = Timestamp.of(old / 1000)
        records, after, (residual, delay) = _read_once(reader, 3, held)
        assert records == [] and after == held, "no answer from the broker must not move the watermark"
        assert residual.stop > residual.start == 3 and abs(delay.micros / 1e6 - OUTAGE_BACKOFF_S[0]) < 0.5
        _, _, (_, delay) = _read_once(reader, 3, held)
        assert abs(delay.micros / 1e6 - OUTAGE_BACKOFF_S[1]) < 0.5, "backs off further on each failed read"
        time.sleep(2)
        with pytest.raises(BrokerUnreachable, match="unreachable for .* s while reading"):
            _read_once(reader, 3, held)
    finally:
        reader.teardown()


class _ConsumerThatLostItsBroker:
    """A stream's kept consumer after its broker went away: assigned as before, its poll returns
    nothing, and asking its position raises (kafka-python validates it against fresh metadata)."""

    def __init__(self, topic: str, assigned: bool) -> None:
        from kafka import TopicPartition

        self._assigned = {TopicPartition(topic, 0)} if assigned else set()

    def assignment(self):
        return self._assigned

    def assign(self, partitions) -> None:
        self._assigned = set(partitions)

    def seek(self, tp, offset: int) -> None:
        pass

    def poll(self, timeout_ms: int = 0, max_records: int = 0) -> dict:
        return {}

    def position(self, tp) -> int:
        from kafka import errors as kerrors

        raise kerrors.KafkaConnectionError("111 ECONNREFUSED")

    def close(self, autocommit: bool = False) -> None:
        pass


@pytest.mark.parametrize("assigned", [True, False], ids=["position-before-reading", "position-after-a-poll"])
def test_a_kept_consumer_whose_position_cannot_be_validated_is_an_outage_not_a_failed_bundle(assigned: bool,
                                                                                            caplog) -> None:
    """Seen on Prism: the kept consumer's position() raised in the middle of a read and failed the job."""
    from apache_beam.utils.timestamp import Timestamp

    from pipelines.beam.kafka_io import OUTAGE_BACKOFF_S, _ReadSlicesForever

    topic = "lost.news.pages.raw.v1"
    reader = _ReadSlicesForever("127.0.0.1:9", None, {}, False, 5000, 5.0, 10.0, max_outage_seconds=60)
    reader.setup()
    try:
        reader._shared.idle_consumers[(topic, 0)] = _ConsumerThatLostItsBroker(topic, assigned)
        held = Timestamp.of(1_000)
        records, after, (residual, delay) = _read_once(reader, 7, held, topic)
        assert records == [] and after == held
        assert residual.start == 7 and abs(delay.micros / 1e6 - OUTAGE_BACKOFF_S[0]) < 0.5
        assert _outage_logged(caplog)
    finally:
        reader.teardown()


def test_newsbeam_run_exits_non_zero_with_the_reason_when_the_broker_stays_away(own_broker, tmp_path: Path) -> None:
    """`newsbeam run` in streaming mode on Prism: the broker goes away for longer than the job may
    wait (NEWSBEAM_MAX_KAFKA_OUTAGE_S=10 here); the command ends non-zero and says why."""
    import os
    import subprocess
    import sys

    bootstrap = own_broker["handle"].bootstrap
    topics = Topics(prefix="gone.")
    create_topics(bootstrap, topics, partitions=1)
    produce(bootstrap, topics.raw, _pages(0, 3, int(time.time() * 1000) - 60_000), progress=False)
    env = dict(os.environ, NEWSBEAM_MAX_KAFKA_OUTAGE_S="10", PYTHONPATH=str(Path(__file__).parent.parent))
    log = tmp_path / "run.log"
    with log.open("w") as out:
        job = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli.main", "run", "--bootstrap", bootstrap, "--prefix", topics.prefix,
             "--group-id", "gone", "--runner", "PrismRunner", "--mode", "streaming", "--allowed-lateness-s", "5"],
            stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 100
            _wait(lambda: _accounted(bootstrap, topics) >= 3, deadline, "the job did not read its input")
            kb.stop(own_broker["handle"])
            own_broker["handle"] = None
            try:
                rc = job.wait(timeout=120)
            except subprocess.TimeoutExpired:
                pytest.fail("the job did not end 120 s after its broker went away:\n" + log.read_text()[-4000:])
        finally:
            if job.poll() is None:
                job.kill()
                job.wait()
    text = log.read_text()
    assert rc != 0, text[-3000:]
    assert "unreachable for" in text and "the job stops instead of waiting silently" in text, text[-3000:]


def test_a_writer_whose_broker_is_gone_fails_its_bundle_with_the_reason_and_closes_quietly() -> None:
    """The writer's flush gives up after the outage limit with the reader's wording, and its
    teardown does not replace that failure with the close's own timeout (seen on a loaded CI)."""
    from kafka import errors as kerrors

    from pipelines.beam.kafka_io import BrokerUnreachable, _ProduceFn

    class GoneProducer:
        def flush(self, timeout=None):
            raise kerrors.KafkaTimeoutError("Timeout waiting for future")

        close = flush

    writer = _ProduceFn("127.0.0.1:9", "gone.stories", {}, None, None, "avro")
    writer._max_outage = 10.0
    writer._producer = GoneProducer()
    writer._pending = [("message", None)]
    with pytest.raises(BrokerUnreachable, match="unreachable for 10 s while writing 1 records to gone.stories; "
                                                "the job stops instead of waiting silently"):
        writer.finish_bundle()
    writer.teardown()
    assert writer._producer is None
