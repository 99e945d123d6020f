"""Metric names: the registry, the exporter's output, the generated rules and dashboard, promtool.

The contract checked here: every metric a dashboard panel or an alert uses is exported by the
pipeline (by the in-process exporter, by Flink's reporter, or is a recording rule built from
those), and every counter the code defines is in the registry."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from pipelines.config import PROJECT_ROOT
from pipelines.ops import metric_names, render
from pipelines.ops.metrics_export import BeamSnapshot, KafkaSnapshot, PipelineCollector

DATA = Path(__file__).parent / "data" / "ops"
PROMQL_WORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset",
                "bool", "inf", "nan"}


def promql_metric_names(expr: str) -> set[str]:
    """Series names an expression reads: strips strings, label matchers, grouping clauses,
    ranges and functions, and keeps the remaining identifiers."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', "", expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\boffset\s+\d+[smhdwy]", " ", text)
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        token = match.group(0)
        rest = text[match.end():].lstrip()
        if rest.startswith("(") or token.lower() in PROMQL_WORDS:
            continue  # a function call or an operator keyword
        names.add(token)
    return names


def code_counter_names() -> set[str]:
    """`Metrics.counter(NAMESPACE, "x")` literals and the names handed to transforms that count
    under a given name (WriteToKafka, EncodeKeyed) in pipelines/ (the ops package defines none)."""
    names = set()
    for path in (PROJECT_ROOT / "pipelines").rglob("*.py"):
        if "ops" in path.relative_to(PROJECT_ROOT / "pipelines").parts:
            continue
        text = path.read_text()
        names |= set(re.findall(r"Metrics\.counter\(\s*NAMESPACE\s*,\s*[\"']([a-z0-9_]+)[\"']", text))
        # transforms taking the counter name as their last argument (WriteToKafka, EncodeKeyed)
        names |= set(re.findall(r"(?:WriteToKafka|EncodeKeyed)\([^)]*[\"']([a-z0-9_]+)[\"']\s*\)", text))
    return names


def rules_doc() -> dict:
    return yaml.safe_load(render.RULES_PATH.read_text())


def recorded_names() -> set[str]:
    return {r["record"] for g in rules_doc()["groups"] for r in g["rules"] if "record" in r}


def test_promql_name_extraction():
    assert promql_metric_names('sum by (a, b) (rate(x_total{job="y"}[5m])) or max(y:z offset 1d) > 3') == \
        {"x_total", "y:z"}
    assert promql_metric_names("absent(a) and on() b_c == 0") == {"a", "b_c"}


def test_every_code_counter_is_registered_and_pending_ones_are_declared():
    in_code = code_counter_names()
    assert {"pages_read", "pages_decoded", "articles_extracted", "dead_letters"} <= in_code
    missing = in_code - set(metric_names.counter_names())
    assert not missing, f"counters in the code but not in pipelines/ops/metric_names.py: {sorted(missing)}"
    undeclared = {m.name for m in metric_names.REGISTRY.values()
                  if not m.pending and not m.dynamic and m.kind == "counter"} - in_code
    assert not undeclared, f"registered as emitted but no code emits them: {sorted(undeclared)}"


def test_names_are_valid_prometheus_names():
    for name in metric_names.exported_names() | recorded_names():
        assert re.fullmatch(r"[a-zA-Z_:][a-zA-Z0-9_:]*", name), name


def test_dashboard_and_alerts_use_only_exported_or_recorded_names():
    exported, recorded = metric_names.exported_names(), recorded_names()
    exprs = []
    for group in rules_doc()["groups"]:
        exprs += [(r.get("alert") or r["record"], r["expr"]) for r in group["rules"]]
    board = json.loads(render.DASHBOARD_PATH.read_text())
    exprs += [(p["title"], t["expr"]) for p in board["panels"] for t in p["targets"]]
    assert len(exprs) > 80
    for where, expr in exprs:
        names = promql_metric_names(expr)
        assert names, (where, expr)
        unknown = {n for n in names if n not in (recorded if ":" in n else exported)}
        assert not unknown, f"{where}: {expr} uses names nothing exports: {sorted(unknown)}"
    # the dashboard reads only runner-neutral names (recording rules or the Kafka-side exporter)
    for panel in board["panels"]:
        for target in panel["targets"]:
            for name in promql_metric_names(target["expr"]):
                assert ":" in name or name in metric_names.KAFKA_METRICS or name in metric_names.FLINK_SYSTEM_METRICS


def test_dashboard_covers_what_the_issue_asks():
    board = json.loads(render.DASHBOARD_PATH.read_text())
    titles = " | ".join(p["title"].lower() for p in board["panels"])
    for topic in ("throughput", "lag per partition (records)", "lag per partition (seconds)", "dead letters by stage",
                  "reason", "extraction empty", "language mix", "dedup", "stories", "checkpoints", "watermark"):
        assert topic in titles, topic
    alerts = {r["alert"] for g in rules_doc()["groups"] for r in g["rules"] if "alert" in r}
    assert {"NewsbeamLagGrowing", "NewsbeamDeadLetterSpike", "NewsbeamNoInput", "NewsbeamWatermarkStuck"} <= alerts
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))


def test_every_counter_has_a_rule_unifying_both_runners():
    rules = {(r["record"], tuple(sorted((r.get("labels") or {}).items()))): r["expr"]
             for g in rules_doc()["groups"] for r in g["rules"] if "record" in r}
    for metric in metric_names.REGISTRY.values():
        if metric.kind == "latency":
            expr = rules[(f"newsbeam:{metric.name}:mean5m", ())]
            assert f"newsbeam_{metric.name}_sum" in expr and metric_names.flink_name(metric.name + "_count") in expr
        elif metric.name in metric_names.LANG_COUNTERS:
            expr = rules[("newsbeam:lang:rate5m", (("lang", metric.name[5:]),))]
        else:
            expr = rules[(f"newsbeam:{metric.name}:rate5m", ())]
        if metric.kind == "counter":
            assert metric_names.direct_name(metric.name) in expr and metric_names.flink_name(metric.name) in expr


def test_flink_reporter_names_line_up_with_the_registry():
    """A real scrape of Flink's reporter (embedded Flink 1.19 running the pipeline, tests/data/ops)."""
    scraped = {re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
               for line in (DATA / "flink_reporter_scrape.txt").read_text().splitlines() if not line.startswith("#")}
    for name in ("pages_read", "pages_decoded", "articles_extracted", "dead_letters", "dead_letters_decode"):
        assert metric_names.flink_name(name) in scraped
    assert scraped >= metric_names.FLINK_SYSTEM_METRICS
    beam_on_flink = {n for n in scraped if n.startswith(metric_names.FLINK_OPERATOR_PREFIX + "newsbeam_")}
    assert beam_on_flink <= metric_names.exported_names()


def test_generated_files_are_up_to_date():
    stale = [str(p) for p, text in render.outputs().items() if not p.exists() or p.read_text() != text]
    assert not stale, f"regenerate with `python -m pipelines.ops.render`: {stale}"


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool missing: deploy/prometheus/install.sh")
def test_promtool_accepts_the_rules_and_config():
    for args in (["check", "rules", str(render.RULES_PATH)],
                 ["check", "config", str(render.RULES_PATH.parent.parent / "prometheus.yml")]):
        proc = subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout + proc.stderr


def test_exporter_exposition_names_types_and_monotonic_counters():
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from pipelines.ops.lag import PartitionLag

    collector = PipelineCollector("grp")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    collector.update_beam(BeamSnapshot(counters={"pages_read": 10, "dead_letters_decode": 2,
                                                 "extract_latency_ms_sum": 500, "extract_latency_ms_count": 4,
                                                 "some_new_counter": 1}, state="RUNNING"))
    collector.kafka = KafkaSnapshot(lags=[PartitionLag("raw", 0, 0, 12, 10, 2, 1, 30.0),
                                          PartitionLag("raw", 1, 0, 5, None, 5, None, None)],
                                    dlq={("decode", "AvroHeaderError"): 2}, up=True)
    collector.update_beam(BeamSnapshot(counters={"pages_read": 7}, state="RUNNING"))  # a runner hiccup
    families = {f.name: f for f in text_string_to_metric_families(generate_latest(registry).decode())}
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}
    assert families["newsbeam_pages_read"].type == "counter"
    assert samples[("newsbeam_pages_read_total", ())] == 10  # never goes down
    assert families["newsbeam_extract_latency_ms"].type == "summary"
    assert samples[("newsbeam_extract_latency_ms_sum", ())] == 500
    assert samples[("newsbeam_source_lag_records", (("group", "grp"), ("partition", "0"), ("topic", "raw")))] == 2
    assert samples[("newsbeam_source_lag_seconds", (("group", "grp"), ("partition", "0"), ("topic", "raw")))] == 30
    assert samples[("newsbeam_dlq_records_total", (("reason", "AvroHeaderError"), ("stage", "decode")))] == 2
    assert samples[("newsbeam_kafka_up", ())] == 1
    exposed = {s[0] for s in samples}
    for name in exposed - {"newsbeam_some_new_counter_total", "newsbeam_extract_latency_ms_count",
                           "newsbeam_extract_latency_ms_sum"}:
        assert name in metric_names.exported_names(), name


def test_exporter_serves_a_running_jobs_counters_over_http():
    """A stand-in PipelineResult whose counters move: the HTTP endpoint follows, committed first."""
    import urllib.request

    from apache_beam.metrics.execution import MetricKey, MetricResult
    from apache_beam.metrics.metricbase import MetricName

    from pipelines.ops.metrics_export import MetricsExporter

    class FakeResult:
        state = "RUNNING"
        reads = 0

        def metrics(self):
            outer = self

            class Results:
                def query(self, _filter=None):
                    outer.reads += 1  # committed is cumulative; attempted is only the bundles in flight
                    key = MetricKey("ReadPartitions", MetricName("newsbeam", "pages_read"))
                    return {"counters": [MetricResult(key, committed=10 * outer.reads, attempted=1)],
                            "gauges": [], "distributions": []}

            return Results()

    exporter = MetricsExporter(0, result=FakeResult(), interval_s=0.2, addr="127.0.0.1").start()
    try:
        def scrape() -> float:
            body = urllib.request.urlopen(f"http://127.0.0.1:{exporter.port}/metrics", timeout=5).read().decode()
            (line,) = [x for x in body.splitlines() if x.startswith("newsbeam_pages_read_total ")]
            return float(line.split()[1])

        first = scrape()
        assert first >= 10
        deadline = time.monotonic() + 10
        while scrape() <= first:
            assert time.monotonic() < deadline, "exporter did not follow the job"
    finally:
        exporter.stop()
