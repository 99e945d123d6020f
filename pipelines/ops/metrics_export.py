"""Prometheus exporter for the pipeline: Beam counters of a running job plus lag computed from Kafka.

Why a poller: Beam has no push hook for user metrics on the local runners; the job's
PipelineResult can be asked for its metrics at any time. A daemon thread polls it every few
seconds and the HTTP handler serves the last snapshot, so a scrape never waits on the runner.

* Beam counters `newsbeam/<name>` → `newsbeam_<name>_total`; `<name>_sum`/`<name>_count` counter
  pairs → summary `newsbeam_<name>`; names listed in pipelines.ops.metric_names (Flink's reporter
  names differ; recording rules unify them).
* Portable results (Prism, Flink via the job server) cache their first `metrics()` answer, so the
  poller asks the job service (GetJobMetrics) itself every time. On Prism the cumulative values
  are the *committed* ones (attempted = bundles in flight only), see `_value`; exported counters
  are also kept monotonic, since Prometheus reads any decrease as a restart.
* A DirectRunner bounded run returns from `run()` only when it is done, so there the exporter
  shows live Kafka lag and the job's final counters.
* From Kafka (works beside any runner; `newsbeam metrics serve` runs only this part next to a Flink
  cluster): per-partition log-end, committed, lag in records and seconds, and DLQ records by
  stage and reason read from the dead letters' headers.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.config import Topics
from pipelines.kafka import client
from pipelines.ops import metric_names

LOG = logging.getLogger(__name__)
TERMINAL = {"DONE", "FAILED", "CANCELLED", "DRAINED", "UPDATED"}
MAX_REASONS = 50  # DLQ reason label values kept; the rest count as "other" (bounded cardinality)
_INVALID = re.compile(r"[^a-zA-Z0-9_]")


def prometheus_safe(name: str) -> str:
    return _INVALID.sub("_", name)


# --------------------------------------------------------------------------------------------
# Reading a job's metrics


@dataclass
class BeamSnapshot:
    """Values of the `newsbeam` namespace at one poll: counters, gauges, distributions (sum, count)."""

    counters: dict[str, int] = field(default_factory=dict)
    gauges: dict[str, float] = field(default_factory=dict)
    distributions: dict[str, tuple[float, int]] = field(default_factory=dict)
    state: str | None = None


def _fresh_metrics(result: Any) -> Any:
    """The job's current MetricResults; portable results are re-asked (they cache the first answer)."""
    job_service, job_id = getattr(result, "_job_service", None), getattr(result, "_job_id", None)
    if job_service is not None and job_id is not None:
        from apache_beam.portability.api import beam_job_api_pb2
        from apache_beam.runners.portability.portable_runner import PortableMetrics

        response = job_service.GetJobMetrics(beam_job_api_pb2.GetJobMetricsRequest(job_id=job_id))
        return PortableMetrics(response)
    return result.metrics()


def _value(metric_result: Any) -> Any:
    """Committed, else attempted.

    Measured on Prism 2.62 while a streaming job runs: `committed` is the cumulative value over
    finished bundles and moves as bundles complete, while `attempted` is only what the bundles in
    flight have counted (it drops back to 0 between bundles). The FnApiRunner reports both equal."""
    return metric_result.committed if metric_result.committed is not None else metric_result.attempted


def read_beam_metrics(result: Any) -> BeamSnapshot:
    """Sum every `newsbeam` metric over steps (a counter may be incremented by several steps)."""
    from apache_beam.metrics.metric import MetricsFilter

    snap = BeamSnapshot()
    try:
        snap.state = str(result.state).rsplit(".", 1)[-1]
    except Exception:  # state of a job whose service went away: keep the last counters
        snap.state = None
    query = _fresh_metrics(result).query(MetricsFilter().with_namespace(metric_names.NAMESPACE))
    for item in query.get("counters", []):
        name = item.key.metric.name
        snap.counters[name] = snap.counters.get(name, 0) + int(_value(item) or 0)
    for item in query.get("gauges", []):
        value = _value(item)
        if value is not None:
            snap.gauges[item.key.metric.name] = float(value.value)
    for item in query.get("distributions", []):
        value = _value(item)
        if value is not None:
            total, count = snap.distributions.get(item.key.metric.name, (0.0, 0))
            snap.distributions[item.key.metric.name] = (total + float(value.sum), count + int(value.count))
    return snap


# --------------------------------------------------------------------------------------------
# Reading Kafka


@dataclass
class KafkaSnapshot:
    lags: list[Any] = field(default_factory=list)  # pipelines.ops.lag.PartitionLag
    dlq: dict[tuple[str, str], int] = field(default_factory=dict)  # (stage, reason) -> records
    up: bool = False


class DlqTail:
    """Counts DLQ records by the stage/class headers, reading only what is new since the last poll."""

    def __init__(self, bootstrap: str, topic: str, client_config: Mapping[str, Any] | None = None) -> None:
        self._bootstrap, self._topic, self._config = bootstrap, topic, dict(client_config or {})
        self._consumer: Any = None
        self.counts: dict[tuple[str, str], int] = {}

    def poll(self, max_records: int = 20000) -> dict[tuple[str, str], int]:
        if self._consumer is None:
            self._consumer = client.consumer(self._bootstrap, self._config, client_id="newsbeam-ops",
                                             fetch_max_bytes=4 * 1024 * 1024)
            try:
                offsets = client.partition_offsets(self._consumer, self._topic)
            except client.TopicNotFound:
                self.close()
                raise
            client.assign(self._consumer, self._topic, {o.partition: o.start for o in offsets})
        seen = 0
        while seen < max_records:
            batches = self._consumer.poll(timeout_ms=100, max_records=2000)
            if not batches:
                break
            for batch in batches.values():
                for rec in batch:
                    seen += 1
                    headers = dict(rec.headers or [])
                    stage = headers.get("__connect.errors.stage", b"unknown").decode("utf-8", "replace")
                    reason = headers.get("__connect.errors.class.name", b"unknown").decode("utf-8", "replace")
                    if (stage, reason) not in self.counts and len({r for _, r in self.counts}) >= MAX_REASONS:
                        reason = "other"
                    self.counts[(stage, reason)] = self.counts.get((stage, reason), 0) + 1
        return dict(self.counts)

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None


# --------------------------------------------------------------------------------------------
# The collector and the exporter


class PipelineCollector:
    """A prometheus_client collector serving the latest snapshots (never blocks on the runner)."""

    def __init__(self, group_id: str | None = None) -> None:
        self.group_id = group_id
        self.beam: BeamSnapshot | None = None
        self.kafka: KafkaSnapshot | None = None
        self.polled_at: float | None = None
        self.lock = threading.Lock()
        self._high: dict[str, int] = {}  # highest value exported per counter (monotonic guard)

    def update_beam(self, snap: BeamSnapshot) -> None:
        """Install a new job snapshot; a counter never goes below what was already exported."""
        with self.lock:
            for name, value in snap.counters.items():
                self._high[name] = max(self._high.get(name, 0), value)
            snap.counters = dict(self._high)  # a counter seen once stays (runners omit idle steps)
            self.beam = snap

    def collect(self) -> Iterable[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily

        with self.lock:
            beam, kafka, polled_at = self.beam, self.kafka, self.polled_at
        if polled_at is not None:
            yield GaugeMetricFamily("newsbeam_metrics_poll_timestamp_seconds",
                                    metric_names.KAFKA_METRICS["newsbeam_metrics_poll_timestamp_seconds"], polled_at)
        if beam is not None:
            yield from self._beam_families(beam, CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily)
        if kafka is not None:
            yield from self._kafka_families(kafka, CounterMetricFamily, GaugeMetricFamily)

    def _beam_families(self, beam: BeamSnapshot, counter_cls: Any, gauge_cls: Any, summary_cls: Any) -> Iterable[Any]:
        latencies: dict[str, dict[str, int]] = {}
        for name, value in sorted(beam.counters.items()):
            base = metric_names.latency_of(name)
            if base is not None:
                latencies.setdefault(base, {})[name[len(base) + 1:]] = value
                continue
            known = metric_names.REGISTRY.get(name)
            yield counter_cls(f"newsbeam_{prometheus_safe(name)}",
                              known.help if known else f"Beam counter newsbeam/{name}", value=value)
        for base, parts in sorted(latencies.items()):
            yield summary_cls(f"newsbeam_{base}", metric_names.REGISTRY[base].help,
                              count_value=parts.get("count", 0), sum_value=parts.get("sum", 0))
        for name, (total, count) in sorted(beam.distributions.items()):
            yield summary_cls(f"newsbeam_{prometheus_safe(name)}", f"Beam distribution newsbeam/{name}",
                              count_value=count, sum_value=total)
        for name, value in sorted(beam.gauges.items()):
            yield gauge_cls(f"newsbeam_{prometheus_safe(name)}", f"Beam gauge newsbeam/{name}", value=value)

    def _kafka_families(self, kafka: KafkaSnapshot, counter_cls: Any, gauge_cls: Any) -> Iterable[Any]:
        help_ = metric_names.KAFKA_METRICS
        yield gauge_cls("newsbeam_kafka_up", help_["newsbeam_kafka_up"], value=1.0 if kafka.up else 0.0)
        labels = ["topic", "partition", "group"]
        end = gauge_cls("newsbeam_source_log_end_offset", help_["newsbeam_source_log_end_offset"], labels=labels)
        committed = gauge_cls("newsbeam_source_committed_offset", help_["newsbeam_source_committed_offset"],
                              labels=labels)
        lag = gauge_cls("newsbeam_source_lag_records", help_["newsbeam_source_lag_records"], labels=labels)
        seconds = gauge_cls("newsbeam_source_lag_seconds", help_["newsbeam_source_lag_seconds"], labels=labels)
        for item in kafka.lags:
            values = [item.topic, str(item.partition), self.group_id or ""]
            end.add_metric(values, item.log_end)
            if item.committed is not None:
                committed.add_metric(values, item.committed)
            lag.add_metric(values, item.lag)
            if item.lag_seconds is not None:
                seconds.add_metric(values, item.lag_seconds)
        yield from (end, committed, lag, seconds)
        dlq = counter_cls("newsbeam_dlq_records", help_["newsbeam_dlq_records_total"], labels=["stage", "reason"])
        for (stage, reason), value in sorted(kafka.dlq.items()):
            dlq.add_metric([stage, reason], value)
        yield dlq


class MetricsExporter:
    """Serves /metrics on `port` and keeps the snapshots fresh from a daemon thread.

    Give `result` for the job's Beam counters, `bootstrap`+`topics`+`group_id` for Kafka lag and
    DLQ counts; either part may be absent. `port=0` picks a free port (see `.port`)."""

    def __init__(self, port: int, *, result: Any = None, bootstrap: str | None = None,
                 topics: Topics | None = None, group_id: str | None = None, interval_s: float = 5.0,
                 addr: str = "0.0.0.0", client_config: Mapping[str, Any] | None = None) -> None:
        self._requested_port = port
        self._addr = addr
        self.result = result
        self.bootstrap, self.topics, self.group_id = bootstrap, topics, group_id
        self.interval_s = interval_s
        self._client_config = dict(client_config or {})
        self.collector = PipelineCollector(group_id)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self._dlq: DlqTail | None = None
        self.polls = 0

    @property
    def port(self) -> int:
        return int(self._server.server_port) if self._server is not None else self._requested_port

    def start(self) -> MetricsExporter:
        from prometheus_client import CollectorRegistry, start_http_server

        registry = CollectorRegistry(auto_describe=False)
        registry.register(self.collector)
        self.poll_once()  # the first scrape already has data
        self._server, _ = start_http_server(self._requested_port, addr=self._addr, registry=registry)
        self._thread = threading.Thread(target=self._loop, name="newsbeam-metrics", daemon=True)
        self._thread.start()
        LOG.info("metrics exporter on :%d", self.port)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval_s + 15)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._dlq is not None:
            self._dlq.close()

    def __enter__(self) -> MetricsExporter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.poll_once()

    def poll_once(self) -> None:
        """One poll of the job and of Kafka; failures are logged and leave the last values."""
        beam = kafka = None
        if self.result is not None:
            last = self.collector.beam
            if last is None or last.state not in TERMINAL:  # a finished job's counters are final
                try:
                    beam = read_beam_metrics(self.result)
                except Exception:
                    LOG.warning("polling the job's metrics failed", exc_info=True)
        if self.bootstrap and self.topics is not None and self.group_id:
            kafka = self._poll_kafka()
        if beam is not None:
            self.collector.update_beam(beam)
        with self.collector.lock:
            if kafka is not None:
                self.collector.kafka = kafka
            self.collector.polled_at = time.time()
        self.polls += 1

    def _poll_kafka(self) -> KafkaSnapshot:
        from pipelines.ops.lag import consumer_lag

        assert self.bootstrap and self.topics is not None and self.group_id
        snap = KafkaSnapshot()
        try:
            snap.lags = consumer_lag(self.bootstrap, self.topics.raw, self.group_id,
                                     client_config=self._client_config, timeout_s=3.0)
            if self._dlq is None:
                self._dlq = DlqTail(self.bootstrap, self.topics.dlq, self._client_config)
            snap.dlq = self._dlq.poll()
            snap.up = True
        except Exception as exc:
            LOG.warning("polling Kafka for lag failed: %s", exc)
            last = self.collector.kafka
            if last is not None:  # keep the last offsets; only `up` says Kafka is not answering
                snap.lags, snap.dlq = last.lags, last.dlq
        return snap


def start_for_job(result: Any, job: Any, port: int, *, interval_s: float = 5.0) -> MetricsExporter:
    """The pipeline.run hook: export the job's counters and its Kafka lag on `port`.

    `job` is a pipelines.config.JobSettings. On FlinkRunner only the Kafka side is exported:
    Flink's reporter publishes the live counters (see pipelines.runners.flink_metrics), and the job
    server's own metrics would shadow them in the recording rules, which prefer the exporter's."""
    with_counters = getattr(job, "runner", None) != "FlinkRunner"
    return MetricsExporter(port, result=result if with_counters else None, bootstrap=job.bootstrap,
                           topics=job.topics, group_id=job.group_id, interval_s=interval_s,
                           client_config=getattr(job, "consumer_config", None)).start()
