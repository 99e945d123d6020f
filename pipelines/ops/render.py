"""Generates the Prometheus rules and the Grafana dashboard in deploy/ from the metric registry.

Why generated: the recording rules must cover every registered counter on both runners, and the
dashboard and alerts must only use names the pipeline exports; generating them from
pipelines.ops.metric_names keeps all three in step. The files are committed (people read and
review them, Prometheus and Grafana load them as they are); tests fail when a committed file
differs from what this module renders. Regenerate with `python -m pipelines.ops.render`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from pipelines.config import DEPLOY_DIR
from pipelines.core.dead_letters import STAGES
from pipelines.ops.metric_names import LANG_CODES, LANG_COUNTERS, REGISTRY, direct_name, flink_name

RULES_PATH = DEPLOY_DIR / "prometheus" / "rules" / "newsbeam.rules.yml"
DASHBOARD_PATH = DEPLOY_DIR / "grafana" / "newsbeam.json"
RATE_WINDOW = "5m"
WATERMARK = "flink_taskmanager_job_task_operator_currentOutputWatermark"


def _either(direct: str, flink: str, fn: str) -> str:
    """The DirectRunner/Prism series if present, else Flink's: `fn` wraps each side."""
    return f"{fn.format(direct)} or {fn.format(flink)}"


def recording_rules() -> list[dict[str, Any]]:
    """Runner-neutral series: newsbeam:<counter>:rate5m / :total, plus lag, DLQ and ratio series."""
    rate = "sum(rate({}[" + RATE_WINDOW + "]))"
    rules: list[dict[str, Any]] = []
    for metric in REGISTRY.values():
        if metric.kind == "latency":
            sum_rate = _either(f"newsbeam_{metric.name}_sum", flink_name(metric.name + "_sum"), rate)
            count_rate = _either(f"newsbeam_{metric.name}_count", flink_name(metric.name + "_count"), rate)
            rules.append({"record": f"newsbeam:{metric.name}:mean{RATE_WINDOW}",
                          "expr": f"({sum_rate}) / ({count_rate})"})
            continue
        if metric.name in LANG_COUNTERS:
            continue  # one labelled series below
        rules.append({"record": f"newsbeam:{metric.name}:rate{RATE_WINDOW}",
                      "expr": _either(direct_name(metric.name), flink_name(metric.name), rate)})
        rules.append({"record": f"newsbeam:{metric.name}:total",
                      "expr": _either(direct_name(metric.name), flink_name(metric.name), "sum({})")})
    for code in LANG_CODES:
        name = f"lang_{code}"
        rules.append({"record": f"newsbeam:lang:rate{RATE_WINDOW}", "labels": {"lang": code},
                      "expr": _either(direct_name(name), flink_name(name), rate)})
    for stage in STAGES:
        name = f"dead_letters_{stage}"
        rules.append({"record": f"newsbeam:dead_letters_by_stage:rate{RATE_WINDOW}", "labels": {"stage": stage},
                      "expr": _either(direct_name(name), flink_name(name), rate)})
    w = RATE_WINDOW
    rules += [
        {"record": f"newsbeam:dlq_records:rate{w}",
         "expr": f"sum by (stage, reason) (rate(newsbeam_dlq_records_total[{w}]))"},
        {"record": "newsbeam:source_lag_records:sum",
         "expr": "sum by (topic, group) (newsbeam_source_lag_records)"},
        {"record": "newsbeam:source_lag_seconds:max",
         "expr": "max by (topic, group) (newsbeam_source_lag_seconds)"},
        {"record": f"newsbeam:source_input:rate{w}",
         "expr": f"sum by (topic) (rate(newsbeam_source_log_end_offset[{w}]))"},
        # Flink: the oldest operator output watermark (unset ones are Long.MIN_VALUE, hence > 0);
        # DirectRunner/Prism: the age of the last committed record (offsets commit after output).
        {"record": "newsbeam:watermark_lag_seconds",
         "expr": f"(time() - min({WATERMARK} > 0) / 1000) or max(newsbeam_source_lag_seconds)"},
        {"record": f"newsbeam:extract_empty:ratio{w}",
         "expr": f"newsbeam:extract_empty:rate{w} / newsbeam:articles_extracted:rate{w}"},
        {"record": f"newsbeam:dead_letters:ratio{w}",
         "expr": f"newsbeam:dead_letters:rate{w} / newsbeam:pages_read:rate{w}"},
        {"record": f"newsbeam:dedup:ratio{w}",
         "expr": f"(newsbeam:dups_exact:rate{w} + newsbeam:dups_near:rate{w}) / newsbeam:articles_extracted:rate{w}"},
        {"record": "newsbeam:flink_checkpoints_failed:increase15m",
         "expr": "sum(increase(flink_jobmanager_job_numberOfFailedCheckpoints[15m]))"},
        {"record": "newsbeam:flink_checkpoints_completed:increase15m",
         "expr": "sum(increase(flink_jobmanager_job_numberOfCompletedCheckpoints[15m]))"},
    ]
    return rules


def alert_rules() -> list[dict[str, Any]]:
    """Pages for on-call: lag growing, DLQ spikes, no input, stuck watermark, Flink checkpoints."""
    w = RATE_WINDOW

    def alert(name: str, expr: str, for_: str, severity: str, summary: str, action: str) -> dict[str, Any]:
        return {"alert": name, "expr": expr, "for": for_, "labels": {"severity": severity},
                "annotations": {"summary": summary, "runbook": action}}

    return [
        alert("NewsbeamLagGrowing",
              "sum(newsbeam_source_lag_records) > 1000 and sum(delta(newsbeam_source_lag_records[15m])) > 0",
              "15m", "warning", "The pipeline falls behind its raw topic: {{ $value }} records of backlog and rising.",
              "`newsbeam lag` per partition; check throughput and Flink backpressure; add partitions/parallelism."),
        alert("NewsbeamLagSecondsHigh", "max(newsbeam_source_lag_seconds) > 1800", "10m", "critical",
              "The oldest unprocessed page is {{ $value | humanizeDuration }} old.",
              "`newsbeam status`; is the job running and committing offsets?"),
        alert("NewsbeamDeadLetterSpike",
              f"newsbeam:dead_letters:ratio{w} > 0.05 and newsbeam:dead_letters:rate{w} > 0.05",
              "10m", "warning", "More than 5% of pages become dead letters ({{ $value | humanizePercentage }}).",
              "`newsbeam dlq show --summary --since 1h`; fix the cause, then `newsbeam dlq replay`."),
        alert("NewsbeamDeadLetterReasonSpike",
              f"newsbeam:dlq_records:rate{w} > 3 * (newsbeam:dlq_records:rate{w} offset 1d) "
              f"and newsbeam:dlq_records:rate{w} > 0.1",
              "15m", "warning", "Dead letters of {{ $labels.stage }}/{{ $labels.reason }} tripled against yesterday.",
              "`newsbeam dlq show --stage STAGE --reason REASON --limit 20`."),
        alert("NewsbeamLateRecords", f"newsbeam:records_late:rate{w} > 0", "5m", "warning",
              "Records older than the allowed lateness arrive ({{ $value }}/s): their articles are written "
              "but join no story.",
              "The log names the partitions. A backfill into a running stream? Load backfills with a bounded "
              "run (`newsbeam run --mode bounded`), or re-inject with `newsbeam dlq replay --stage dedup "
              "--timestamp now`."),
        alert("NewsbeamNoInput", f"sum(newsbeam:source_input:rate{w}) == 0", "30m", "warning",
              "No page arrived on the raw topic for 30 minutes: the feeders may be down.",
              "Check the producers upstream of the raw topic; `newsbeam status`."),
        alert("NewsbeamNotConsuming",
              f"(newsbeam:pages_read:rate{w} == 0 or absent(newsbeam:pages_read:rate{w})) "
              "and on() sum(newsbeam_source_lag_records) > 0",
              "15m", "critical", "There is a backlog but the pipeline reads nothing.",
              "Is the job running? `newsbeam status`; Flink UI; restart from the last savepoint."),
        alert("NewsbeamWatermarkStuck",
              "newsbeam:watermark_lag_seconds > 1800 and delta(newsbeam:watermark_lag_seconds[15m]) > 600",
              "5m", "critical", "The event-time watermark stopped advancing ({{ $value | humanizeDuration }} behind).",
              "Look for a stuck partition (`newsbeam lag`) or a failing task in the Flink UI."),
        alert("NewsbeamCheckpointsFailing", "newsbeam:flink_checkpoints_failed:increase15m > 0", "15m", "warning",
              "Flink checkpoints fail: a restart would replay more input.",
              "Flink UI → Checkpoints; check the checkpoint storage and state size."),
        alert("NewsbeamNoCheckpoints",
              "newsbeam:flink_checkpoints_completed:increase15m == 0 "
              "and on() max(flink_jobmanager_job_uptime) > 1800000",
              "15m", "critical", "No Flink checkpoint completed in 15 minutes.",
              "Flink UI → Checkpoints; backpressure or a stuck operator blocks barriers."),
        alert("NewsbeamKafkaUnreachable", "newsbeam_kafka_up == 0", "5m", "critical",
              "The newsbeam exporter cannot reach Kafka.", "`newsbeam status`; broker health."),
    ]


def rules_document() -> dict[str, Any]:
    return {"groups": [
        {"name": "newsbeam-recording", "interval": "30s", "rules": recording_rules()},
        {"name": "newsbeam-alerts", "rules": alert_rules()},
    ]}


def render_rules() -> str:
    header = "# Generated by `python -m pipelines.ops.render` from pipelines/ops/metric_names.py: do not edit.\n"
    return header + yaml.safe_dump(rules_document(), sort_keys=False, width=200, allow_unicode=True)


# --------------------------------------------------------------------------------------------
# Grafana


def _panel(title: str, targets: list[tuple[str, str]], *, unit: str = "short", kind: str = "timeseries",
           stack: bool = False, description: str = "") -> dict[str, Any]:
    custom: dict[str, Any] = {"stacking": {"mode": "normal" if stack else "none"}} if kind == "timeseries" else {}
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "targets": [{"refId": chr(65 + i), "expr": expr, "legendFormat": legend}
                    for i, (expr, legend) in enumerate(targets)],
        "fieldConfig": {"defaults": {"unit": unit, "custom": custom}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}} if kind == "timeseries" else {},
    }


def dashboard() -> dict[str, Any]:
    """One dashboard for both runners: every query uses the recording rules' runner-neutral names
    (or the exporter's Kafka series, which are the same beside any runner)."""
    w = RATE_WINDOW
    rows: list[list[dict[str, Any]]] = [
        [
            _panel("Pages read", [("newsbeam:pages_read:total", "pages")], kind="stat"),
            _panel("Articles written", [("newsbeam:articles_written:total", "articles")], kind="stat"),
            _panel("Dead letters", [("newsbeam:dead_letters:total", "dead letters")], kind="stat"),
            _panel("Backlog (records)", [("sum(newsbeam:source_lag_records:sum)", "backlog")], kind="stat"),
        ],
        [
            _panel("Throughput", [(f"newsbeam:pages_read:rate{w}", "read"),
                                  (f"newsbeam:articles_written:rate{w}", "articles"),
                                  (f"newsbeam:dead_letters:rate{w}", "dead letters"),
                                  (f"sum(newsbeam:source_input:rate{w})", "arriving on raw")], unit="ops"),
            _panel("Lag per partition (records)", [("newsbeam_source_lag_records", "{{topic}}[{{partition}}]")],
                   description="log-end offset minus the group's committed offset"),
        ],
        [
            _panel("Lag per partition (seconds)", [("newsbeam_source_lag_seconds", "{{topic}}[{{partition}}]")],
                   unit="s", description="age of the last committed record while there is a backlog"),
            _panel("Watermark lag", [("newsbeam:watermark_lag_seconds", "watermark lag")], unit="s",
                   description="Flink: oldest operator output watermark; local runners: source lag seconds"),
        ],
        [
            _panel("Dead letters by stage", [(f"newsbeam:dead_letters_by_stage:rate{w}", "{{stage}}")],
                   unit="ops", stack=True),
            _panel("Dead letters by stage and reason", [(f"newsbeam:dlq_records:rate{w}", "{{stage}} {{reason}}")],
                   unit="ops", stack=True, description="from the DLQ topic's headers (error class)"),
        ],
        [
            _panel("Extraction empty rate", [(f"newsbeam:extract_empty:ratio{w}", "empty / extracted")],
                   unit="percentunit"),
            _panel("Language mix", [(f"newsbeam:lang:rate{w}", "{{lang}}")], unit="ops", stack=True),
        ],
        [
            _panel("Dedup", [(f"newsbeam:dups_exact:rate{w}", "exact"), (f"newsbeam:dups_near:rate{w}", "near"),
                             (f"newsbeam:dedup:ratio{w}", "duplicate share")], unit="ops"),
            _panel("Stories", [(f"newsbeam:stories_created:rate{w}", "created"),
                               (f"newsbeam:stories_updated:rate{w}", "updated"),
                               (f"newsbeam:stories_merged:rate{w}", "merged"),
                               (f"newsbeam:links_emitted:rate{w}", "links")], unit="ops"),
        ],
        [
            _panel("Latency (mean)", [(f"newsbeam:extract_latency_ms:mean{w}", "extract"),
                                      (f"newsbeam:event_latency_ms:mean{w}", "record → article")], unit="ms"),
            _panel("Flink checkpoints", [("newsbeam:flink_checkpoints_completed:increase15m", "completed / 15m"),
                                         ("newsbeam:flink_checkpoints_failed:increase15m", "failed / 15m"),
                                         ("max(flink_jobmanager_job_lastCheckpointDuration) / 1000",
                                          "last duration (s)"),
                                         ("max(flink_jobmanager_job_lastCheckpointSize)", "last size (bytes)")],
                   description="Flink only"),
        ],
    ]
    panels = []
    y = 0
    for row in rows:
        width = 24 // len(row)
        height = 4 if all(p["type"] == "stat" for p in row) else 8
        for i, panel in enumerate(row):
            panel["id"] = len(panels) + 1
            panel["gridPos"] = {"h": height, "w": width, "x": i * width, "y": y}
            panels.append(panel)
        y += height
    return {
        "uid": "newsbeam-pipeline",
        "title": "newsbeam pipeline",
        "description": "Generated by `python -m pipelines.ops.render`; one dashboard for DirectRunner/Prism and Flink.",
        "tags": ["newsbeam", "beam", "kafka"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus",
                                 "label": "Prometheus", "current": {}, "hide": 0}]},
        "annotations": {"list": []},
        "panels": panels,
    }


def render_dashboard() -> str:
    return json.dumps(dashboard(), indent=2, ensure_ascii=False) + "\n"


def outputs() -> dict[Path, str]:
    """Every generated deploy/ file and its content."""
    from pipelines.ops.manifests import render_topics

    return {RULES_PATH: render_rules(), DASHBOARD_PATH: render_dashboard(),
            **render_topics()}


def main(argv: list[str] | None = None) -> int:
    """Write (default) or `--check` the generated files; --check exits 1 when one is stale."""
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    stale = []
    for path, text in outputs().items():
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    for path in stale:
        print(("stale: " if check else "wrote: ") + str(path.relative_to(DEPLOY_DIR.parent)))
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
