"""The registry of every metric the pipeline exports, and how each name looks on each runner.

Why one registry: dashboards, alert rules and the two exporters (the in-process exporter on the
DirectRunner/Prism, Flink's Prometheus reporter) must agree on names, and a test checks that every
name a panel or an alert uses is listed here and that every `Metrics.counter` in the code is too.

Naming, per Beam counter `newsbeam/<name>`:
* DirectRunner/Prism exporter: `newsbeam_<name>_total` (a Prometheus counter);
* Flink 1.19's PrometheusReporter: `flink_taskmanager_job_task_operator_newsbeam_<name>`, one
  series per operator subtask (Beam joins namespace and name with Flink's scope delimiter "."
  and the reporter turns it into "_"; Flink reports counters as gauges, without `_total`);
* recording rules (deploy/prometheus/rules/newsbeam.rules.yml, generated from this registry)
  unify both into `newsbeam:<name>:rate5m` and `newsbeam:<name>:total`, which the dashboard and
  alerts use, so one dashboard serves both runners.
Latencies are pairs of counters `<name>_sum`/`<name>_count` (Flink's reporter drops Beam
distributions), exported as a Prometheus summary `newsbeam_<name>` without quantiles.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.config import NAMESPACE  # noqa: E402
from pipelines.core.dead_letters import STAGES
from pipelines.core.language.codes import METRIC_CODES

FLINK_OPERATOR_PREFIX = "flink_taskmanager_job_task_operator_"


@dataclass(frozen=True)
class Metric:
    """One Beam metric of namespace `newsbeam`; `pending` = named by DESIGN §7, not emitted yet."""

    name: str
    help: str
    kind: str = "counter"  # counter | latency (a _sum/_count counter pair)
    pending: bool = False
    dynamic: bool = False  # the code builds the name at run time (e.g. lang_<code>), not a literal


def _build() -> dict[str, Metric]:
    metrics = [
        Metric("pages_read", "raw records read from Kafka"),
        Metric("pages_decoded", "raw records decoded into RawPages"),
        Metric("articles_extracted", "pages that became an article"),
        Metric("extract_empty", "articles whose extracted body is empty"),
        Metric("articles_written", "article records acknowledged by Kafka"),
        Metric("dead_letters", "dead letters of every stage"),
        Metric("dead_letters_written", "dead-letter records acknowledged by Kafka"),
        Metric("boilerplate_pages_changed", "pages whose learned site boilerplate was removed"),
        Metric("boilerplate_blocks_learned", "boilerplate blocks learned per site"),
        Metric("boilerplate_sites_expired", "site boilerplate models expired from state"),
        Metric("lang_errors", "articles whose language tagging failed (kept untagged)"),
        Metric("dups_exact", "pages whose content hash matched a story member"),
        Metric("dups_near", "pages joined to a story by MinHash similarity"),
        Metric("stories_created", "stories founded"),
        Metric("stories_updated", "story upserts"),
        Metric("stories_merged", "stories merged into another"),
        Metric("stories_provisional", "articles placed in a story at arrival (early firing, streaming)"),
        Metric("provisional_withdrawn", "early placements the final decision moved to another story"),
        Metric("provisional_moved", "early placements moved when a more senior duplicate arrived"),
        Metric("story_upserts", "story records encoded for the compacted stories topic"),
        Metric("links_emitted", "story links written"),
        Metric("dedup_state_bytes", "bytes written to dedup state that is kept for the horizon"),
        Metric("dedup_story_state_bytes", "bytes written to per-story state (members, canonical member)"),
        Metric("dedup_state_bytes_transient", "bytes written to dedup state kept only until a decision"),
        Metric("dedup_docs", "documents (articles and related items) entering dedup"),
        Metric("dedup_pairs_judged", "candidate pairs judged at the final decision (senior residents sharing a band)"),
        Metric("kafka_read_failures", "streaming reads that could not reach Kafka (a broker outage); each backs off"),
        Metric("records_late", "raw records older than the allowed lateness: written as articles, in no story"),
        Metric("offsets_committed", "raw records whose decisions are written and offsets committed (Prism)"),
        Metric("offset_commit_failures", "commits of decided offsets that failed; retried as the frontier moves"),
        Metric("records_warm_up", "records re-read by a restart only to rebuild the dedup state (Prism)"),
        Metric("extract_latency_ms", "extraction time per page (ms)", kind="latency"),
        Metric("event_latency_ms", "record time to article write (ms)", kind="latency"),
    ]
    for stage in STAGES:
        emitted = stage in ("decode", "extract", "dedup", "write")
        metrics.append(Metric(f"dead_letters_{stage}", f"dead letters of stage {stage}", pending=not emitted))
    # pipelines/core/language/codes.metric_name bounds these: one per expected language, und, other
    for code in sorted(METRIC_CODES | {"other"}):
        metrics.append(Metric(f"lang_{code}", f"articles whose language is {code}", dynamic=True))
    return {m.name: m for m in metrics}


REGISTRY: dict[str, Metric] = _build()
LANG_CODES: tuple[str, ...] = tuple(sorted(METRIC_CODES | {"other"}))
LANG_COUNTERS: frozenset[str] = frozenset(f"lang_{code}" for code in LANG_CODES)

# Metrics computed from Kafka by pipelines.ops.metrics_export (both runners: in process, or by
# `newsbeam metrics serve` beside a Flink cluster).
KAFKA_METRICS: dict[str, str] = {
    "newsbeam_source_log_end_offset": "log-end offset of a source partition",
    "newsbeam_source_committed_offset": "consumer group's committed offset of a source partition",
    "newsbeam_source_lag_records": "log-end offset minus committed offset",
    "newsbeam_source_lag_seconds": "age of the last committed record's timestamp while there is a backlog",
    "newsbeam_dlq_records_total": "dead-letter records on the DLQ topic, by stage and reason (error class)",
    "newsbeam_kafka_up": "1 when the exporter's last Kafka poll succeeded",
    "newsbeam_metrics_poll_timestamp_seconds": "when the exporter last polled the job's metrics",
}

# Flink's own metrics the dashboard and alerts use (JobManager job scope and operator scope).
FLINK_SYSTEM_METRICS: frozenset[str] = frozenset({
    "flink_jobmanager_job_numberOfCompletedCheckpoints",
    "flink_jobmanager_job_numberOfFailedCheckpoints",
    "flink_jobmanager_job_numberOfInProgressCheckpoints",
    "flink_jobmanager_job_lastCheckpointDuration",
    "flink_jobmanager_job_lastCheckpointSize",
    "flink_jobmanager_job_uptime",
    "flink_taskmanager_job_task_operator_currentOutputWatermark",
})


def direct_name(name: str) -> str:
    """Prometheus name of a Beam counter as the in-process exporter publishes it."""
    return f"{NAMESPACE}_{name}_total"


def flink_name(name: str) -> str:
    """Prometheus name of a Beam counter (or a latency's _sum/_count) from Flink's reporter."""
    return f"{FLINK_OPERATOR_PREFIX}{NAMESPACE}_{name}"


def counter_names() -> list[str]:
    """Every Beam counter name, latencies expanded into their _sum and _count counters."""
    out: list[str] = []
    for metric in REGISTRY.values():
        out += [f"{metric.name}_sum", f"{metric.name}_count"] if metric.kind == "latency" else [metric.name]
    return out


def latency_of(counter: str) -> str | None:
    """The latency a `<name>_sum`/`<name>_count` counter belongs to, if it is one."""
    for suffix in ("_sum", "_count"):
        base = counter.removesuffix(suffix)
        if base != counter and base in REGISTRY and REGISTRY[base].kind == "latency":
            return base
    return None


def exported_names() -> set[str]:
    """Every raw series name our exporters or Flink's reporter can publish for the pipeline."""
    names: set[str] = set(KAFKA_METRICS) | set(FLINK_SYSTEM_METRICS)
    for metric in REGISTRY.values():
        if metric.kind == "latency":
            for suffix in ("_sum", "_count"):
                names |= {f"{NAMESPACE}_{metric.name}{suffix}", flink_name(metric.name + suffix)}
        else:
            names |= {direct_name(metric.name), flink_name(metric.name)}
    return names
