"""A real Prometheus server scrapes a streaming pipeline on the real broker and is queried.

Prism: the in-process exporter serves the job's counters and the Kafka lag. Flink (embedded
mini cluster): Flink's own Prometheus reporter serves the Beam counters and the exporter only the
Kafka side, as on a cluster. Both runs are queried through the same recording rules the dashboard
uses (`newsbeam:pages_read:total`, ...), which is what makes one dashboard serve both runners."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from pipelines.config import JobSettings
from pipelines.kafka.broker import free_port
from pipelines.kafka.produce import messages_from_jsonl, produce
from pipelines.ops.metrics_export import MetricsExporter
from pipelines.ops.render import RULES_PATH
from pipelines.quality.samplefeed.generate import write_feed
from pipelines.runners.launch import cancel, run

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not shutil.which("prometheus"), reason="Prometheus missing: deploy/prometheus/install.sh"),
]
SEEDS = Path(__file__).parent / "data" / "seeds"
DEADLINE_S = 100  # per phase; the whole test stays under two minutes when things work


class Prometheus:
    """A throwaway Prometheus on a free loopback port: 1 s scrapes, the project's rules at 1 s."""

    def __init__(self, root: Path, targets: list[str]) -> None:
        self.port = free_port()
        rules = yaml.safe_load(RULES_PATH.read_text())
        for group in rules["groups"]:
            group["interval"] = "1s"
        (root / "rules.yml").write_text(yaml.safe_dump(rules, sort_keys=False))
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
            "rule_files": [str(root / "rules.yml")],
            "scrape_configs": [{"job_name": "newsbeam", "static_configs": [{"targets": targets}]}],
        }
        (root / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.log = (root / "prometheus.log").open("wb")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={root / 'prometheus.yml'}", f"--storage.tsdb.path={root / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=1h"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        wait_for(lambda: self._ready(), 30, "Prometheus did not become ready")

    def _ready(self) -> bool:
        assert self.proc.poll() is None, "prometheus exited"
        try:
            return urllib.request.urlopen(f"{self.url}/-/ready", timeout=1).status == 200
        except OSError:
            return False

    def query(self, expr: str) -> dict[tuple, float]:
        """Instant query → {sorted label items: value}."""
        url = f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        body = json.loads(urllib.request.urlopen(url, timeout=5).read())
        assert body["status"] == "success", body
        return {tuple(sorted(r["metric"].items())): float(r["value"][1]) for r in body["data"]["result"]}

    def scalar(self, expr: str) -> float | None:
        result = self.query(expr)
        return sum(result.values()) if result else None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def wait_for(check: Callable[[], object], timeout_s: float, message: str) -> object:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, message
        time.sleep(1)


def job_error(result) -> str:
    """Why a portable job failed: wait_until_finish raises with the runner's last error message."""
    try:
        result.wait_until_finish(duration=5000)
    except Exception as exc:  # the runner's own failure text is what the reader needs
        return str(exc)[:2000]
    return str(result.state)


@pytest.fixture(scope="module")
def messages(tmp_path_factory) -> list:
    path = tmp_path_factory.mktemp("feed") / "feed.jsonl"
    write_feed(path, seed=5, n_pages=30, seeds_dir=SEEDS)
    return list(messages_from_jsonl(path))


@pytest.mark.parametrize("runner", ["PrismRunner", "FlinkRunner"])
def test_prometheus_scrapes_a_streaming_run(kafka_broker, topics, messages, tmp_path, runner, monkeypatch):
    bootstrap, group = kafka_broker.bootstrap, f"prom-{topics.prefix}"
    first, second = messages[:15], messages[15:]
    produce(bootstrap, topics.raw, first, progress=False)

    targets = []
    if runner == "FlinkRunner":
        from pipelines.runners.flink import ensure_job_server_jar
        from pipelines.runners.flink_metrics import embedded_flink_metrics

        reporter_port = free_port()
        env = embedded_flink_metrics(ensure_job_server_jar(), reporter_port, conf_dir=tmp_path / "flink-conf")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        targets.append(f"127.0.0.1:{reporter_port}")
    # Flink streaming checkpoints (pipeline.FLINK_CHECKPOINT_MS, 2 s here) and commits offsets when
    # a checkpoint completes, so the lag returns to 0 on both runners.
    job = JobSettings(bootstrap=bootstrap, topics=topics, group_id=group, runner=runner, mode="streaming",
                      allowed_lateness_ms=5_000,
                      extra_beam_args=["--checkpointing_interval=2000"] if runner == "FlinkRunner" else [])
    result = run(job, wait=False)
    exporter = prom = None
    try:
        # Prism: job counters + Kafka from the exporter; Flink: Kafka only (the reporter has the counters)
        exporter = MetricsExporter(0, result=result if runner == "PrismRunner" else None, bootstrap=bootstrap,
                                   topics=topics, group_id=group, interval_s=1.0, addr="127.0.0.1").start()
        targets.append(f"127.0.0.1:{exporter.port}")
        prom = Prometheus(tmp_path, targets)

        raw_name = "newsbeam_pages_read_total" if runner == "PrismRunner" else \
            "flink_taskmanager_job_task_operator_newsbeam_pages_read"
        def progress() -> str:
            from pipelines.kafka.topics import count

            outputs = count(bootstrap, topics.articles) + count(bootstrap, topics.dlq)
            return (f"{raw_name}={prom.scalar(f'sum({raw_name})')}, outputs on Kafka={outputs}, "
                    f"job={result.state}, targets={prom.query('up')}")

        def first_batch_read() -> bool:
            if "FAILED" in str(result.state):  # fail fast with the runner's reason, not after the deadline
                pytest.fail(f"the {runner} job failed: {job_error(result)}")
            return (prom.scalar(f"sum({raw_name})") or 0) >= len(first)

        try:
            wait_for(first_batch_read, DEADLINE_S, "")
        except AssertionError:
            pytest.fail(f"{raw_name} never reached {len(first)}: {progress()}")
        wait_for(lambda: (prom.scalar("newsbeam:pages_read:total") or 0) >= len(first), 20,
                 "the recording rule newsbeam:pages_read:total did not pick the runner's series up")
        stages = ("pages_decoded", "articles_extracted", "articles_written", "dead_letters", "dead_letters_decode")

        def per_stage_and_ledger() -> bool:
            values = {stage: prom.scalar(f"newsbeam:{stage}:total") for stage in ("pages_read", *stages)}
            if any(v is None for v in values.values()):
                return False
            # the ledger in metrics: every page read was decoded or became a decode dead letter
            return values["pages_decoded"] + values["dead_letters_decode"] == values["pages_read"]

        wait_for(per_stage_and_ledger, 60, "per-stage counters missing or not adding up")
        lag_series = prom.query("newsbeam_source_lag_records")
        assert len(lag_series) == 4 and all(dict(k)["group"] == group for k in lag_series)
        assert prom.scalar("newsbeam_dlq_records_total") is not None

        before = prom.scalar("newsbeam:pages_read:total")
        produce(bootstrap, topics.raw, second, progress=False)
        wait_for(lambda: prom.scalar("newsbeam:pages_read:total") >= before + len(second), DEADLINE_S,
                 "pages_read did not increase after more input")
        wait_for(lambda: (prom.scalar("newsbeam:pages_read:rate5m") or 0) > 0, 20, "no rate over the run")
        wait_for(lambda: prom.scalar("sum(newsbeam_source_lag_records)") == 0, 60, "lag did not return to 0")
        if runner == "FlinkRunner":  # the checkpoint-health series the dashboard and alerts read are there
            wait_for(lambda: (prom.scalar("flink_jobmanager_job_numberOfCompletedCheckpoints") or 0) > 0, 30,
                     "no checkpoint completed")
            for name in ("flink_jobmanager_job_numberOfCompletedCheckpoints",
                         "flink_jobmanager_job_numberOfFailedCheckpoints", "flink_jobmanager_job_uptime"):
                assert prom.scalar(name) is not None, name
            assert prom.scalar("newsbeam:flink_checkpoints_failed:increase15m") == 0
    finally:
        if prom is not None:
            prom.stop()
        if exporter is not None:
            exporter.stop()
        if "FAILED" not in str(result.state):
            cancel(result)
