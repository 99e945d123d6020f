"""The main job: raw pages from Kafka → decode → extract → articles (Kafka, files) + dead letters.

Runners: the DirectRunner for bounded catch-up (FnApiRunner underneath), Prism for streaming on one
machine (binary built from the Go module proxy, see pipelines.runners.prism), and Flink, embedded or on a
cluster (job server assembled by Maven, see pipelines.runners.flink)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineResult, PipelineState

from pipelines.beam.kafka_io import PartitionSlice, ReadFromKafka, WriteToKafka, commit_slices, plan_slices
from pipelines.beam.steps.boilerplate import LearnSiteBoilerplate
from pipelines.beam.steps.dedup.transform import DedupStories
from pipelines.beam.steps.language import TagLanguages
from pipelines.beam.steps.transforms import (
    DEAD,
    DecodePages,
    EncodeArticles,
    EncodeDeadLetters,
    EncodeKeyed,
    ExtractArticles,
    WriteAvroFiles,
    WriteJsonLines,
)
from pipelines.config import DEFAULT_BOOTSTRAP, DEFAULT_GROUP_ID, MAX_PAGE_BYTES, Topics

LOG = logging.getLogger(__name__)
RUNNERS = ("DirectRunner", "PrismRunner", "FlinkRunner")
FLINK_CHECKPOINT_MS = 10_000  # default checkpoint interval of Flink streaming runs
SDK_STATE_CACHE_MB = 256  # Beam 2.62 ships it off: each state read is then a round trip to the runner


@dataclass
class JobSettings:
    """What `newsbeam run` decides; the Beam options are derived from it in `beam_options`."""

    bootstrap: str = DEFAULT_BOOTSTRAP
    topics: Topics = field(default_factory=Topics)
    group_id: str = DEFAULT_GROUP_ID
    runner: str = "DirectRunner"
    mode: str = "bounded"  # bounded | streaming
    start: str = "committed"  # committed | earliest | latest
    output_format: str = "avro"  # avro | json on Kafka
    output_dir: str | None = None
    file_format: str = "jsonl"  # jsonl | avro for the lake sink
    max_page_bytes: int = MAX_PAGE_BYTES
    commit_offsets: bool = True
    consumer_config: dict[str, Any] = field(default_factory=dict)
    producer_config: dict[str, Any] = field(default_factory=dict)
    flink_master: str = "[local]"
    direct_workers: int = 1
    learn_boilerplate: bool = False
    horizon_ms: int = 48 * 3600 * 1000
    decision_delay_ms: int = 600_000  # the allowed lateness of dedup
    dedup: bool = True
    metrics_port: int | None = None
    flink_metrics_port: str | None = None  # Flink's own Prometheus reporter (embedded Flink)
    flink_batch: bool = False  # bounded runs on Flink's batch (DataSet) mode instead of its streaming mode
    state_cache_mb: int = SDK_STATE_CACHE_MB  # SDK harness cache of keyed state (portable runners)
    extra_beam_args: list[str] = field(default_factory=list)


def build(p: beam.Pipeline, job: JobSettings, slices: list[PartitionSlice] | None = None) -> None:
    """Wire the job's steps onto `p`; `slices` (bounded runs) are the offsets to read."""
    records = p | "ReadRawPages" >> ReadFromKafka(
        job.bootstrap,
        job.topics.raw,
        group_id=job.group_id,
        slices=slices,
        start=job.start,
        consumer_config=job.consumer_config,
        commit_offsets=job.commit_offsets,
    )
    decoded = records | "DecodePages" >> DecodePages()
    # Lateness only exists in streaming: a bounded run's watermark stays put until all of its input
    # is read, so every article is decided with everything before it in view.
    late_after = job.decision_delay_ms if job.dedup and job.mode == "streaming" else None
    extracted = decoded.pages | "ExtractArticles" >> ExtractArticles(job.max_page_bytes, late_after)
    articles = extracted.articles
    if job.learn_boilerplate:
        # Opt-in: what a site's model has learned depends on which of its pages came first, so
        # bodies are no longer a function of the page alone (replays keep keys, not bytes).
        articles = articles | "LearnSiteBoilerplate" >> LearnSiteBoilerplate()
    articles = articles | "TagLanguages" >> TagLanguages()
    (
        articles
        | "EncodeArticles" >> EncodeArticles(job.output_format)
        | "WriteArticles" >> WriteToKafka(job.bootstrap, job.topics.articles, job.producer_config, "articles_written")
    )
    dead = [decoded[DEAD], extracted[DEAD]]
    _to_lake(job, articles, "articles", "Article")
    if job.dedup:
        stories, links, late = articles | "DedupStories" >> DedupStories(
            job.horizon_ms, job.decision_delay_ms, expire_state=job.mode == "streaming")
        dead.append(late)
        (
            stories
            | "EncodeStories" >> EncodeKeyed("Story", "story_id", job.output_format, "story_upserts")
            | "WriteStories" >> WriteToKafka(job.bootstrap, job.topics.stories, job.producer_config)
        )
        (
            links
            | "EncodeLinks" >> EncodeKeyed("StoryLink", "from_story", job.output_format, "links_emitted")
            | "WriteLinks" >> WriteToKafka(job.bootstrap, job.topics.links, job.producer_config)
        )
        _to_lake(job, stories, "stories", "Story")
        _to_lake(job, links, "links", "StoryLink")
    (
        dead
        | "CollectDeadLetters" >> beam.Flatten()
        | "EncodeDeadLetters" >> EncodeDeadLetters(job.output_format)
        | "WriteDeadLetters" >> WriteToKafka(job.bootstrap, job.topics.dlq, job.producer_config, "dead_letters_written")
    )


def _to_lake(job: JobSettings, records, name: str, record_name: str) -> None:
    """The lake sink of one record type, when `output_dir` is set."""
    if not job.output_dir:
        return
    prefix = os.path.join(job.output_dir, name, name)
    step = f"{name.capitalize()}ToLake"
    if job.file_format == "avro":
        records | step >> WriteAvroFiles(prefix, record_name)
    else:
        records | step >> WriteJsonLines(prefix)


def beam_options(job: JobSettings) -> PipelineOptions:
    """Beam options for the chosen runner; never lets a runner download anything at run time."""
    from pipelines.runners.prism import ensure_prism

    streaming = job.mode == "streaming"
    runner = job.runner
    if runner == "DirectRunner" and streaming:
        # The FnApiRunner cannot stream an unbounded source; Prism is Beam's local streaming runner.
        LOG.info("streaming on one machine: DirectRunner hands the job to Prism")
        runner = "PrismRunner"
    args = [f"--runner={runner}"]
    if streaming:
        args.append("--streaming")
    elif runner == "FlinkRunner" and not job.flink_batch:
        # Flink's batch mode runs a stateful step as two SDK bundles per key (elements, then
        # timers), and most dedup steps have a key per document: 0.83 pages/s against 2.27 in
        # streaming mode (200 pages, same session). The bounded reader holds its watermark until its slices are
        # done, so streaming mode decides exactly as batch does; the job ends when input does.
        args.append("--streaming")
    if runner in ("PrismRunner", "FlinkRunner") and not _given(job, "--max_cache_memory_usage_mb"):
        args.append(f"--max_cache_memory_usage_mb={job.state_cache_mb}")
    if runner == "DirectRunner":
        # Beam 2.62's DirectRunner runs bounded pipelines on the FnApiRunner; several worker
        # processes use more than one core (the GIL caps one process at one).
        mode = "multi_processing" if job.direct_workers > 1 else "in_memory"
        args += [f"--direct_num_workers={job.direct_workers}", f"--direct_running_mode={mode}"]
    elif runner == "PrismRunner":
        args += [f"--prism_location={ensure_prism()}", "--environment_type=LOOPBACK"]
    elif runner == "FlinkRunner":
        from pipelines.runners.flink import flink_args

        args += flink_args(job.flink_master, job.flink_metrics_port)
        if streaming:
            if not _given(job, "--checkpointing_interval"):
                # Flink finalizes bundles (and so commits Kafka offsets) when a checkpoint completes.
                args.append(f"--checkpointing_interval={FLINK_CHECKPOINT_MS}")
            # Otherwise a bundle open at a checkpoint keeps its outputs buffered until the step's
            # next input: the read planner gets one input ever, so its partitions never reached the
            # reader (0 of 4 embedded runs read anything at a 2 s interval; 3 of 3 with this). It
            # also flushes the Kafka writers before the barrier, so committed offsets imply durable
            # outputs.
            args.append("--finish_bundle_before_checkpointing")
    else:
        raise ValueError(f"unknown runner {job.runner!r}; choose one of {RUNNERS}")
    return PipelineOptions(args + list(job.extra_beam_args))


def _given(job: JobSettings, option: str) -> bool:
    """Whether the user set this Beam option themselves (extra args win over our defaults)."""
    return any(a == option or a.startswith(option + "=") for a in job.extra_beam_args)


def run(job: JobSettings, wait: bool = True) -> PipelineResult:
    """Start the job; with `wait`, block until a bounded run is done (streaming runs until cancelled).

    A bounded run reads the offsets planned here and commits them for the group only after the
    job has finished successfully, i.e. once every output is durable in Kafka."""
    bounded = job.mode == "bounded"
    if bounded and not wait:
        raise ValueError("a bounded run commits its offsets when it finishes: run it with wait=True")
    slices = plan_slices(job.bootstrap, job.topics.raw, job.group_id, job.start, True, job.consumer_config) \
        if bounded else None
    p = beam.Pipeline(options=beam_options(job))
    build(p, job, slices)
    result = p.run()
    if job.metrics_port is not None:
        from pipelines.ops.metrics_export import start_for_job

        result.exporter = start_for_job(result, job, job.metrics_port)
    if wait:
        state = result.wait_until_finish()
        if bounded and job.commit_offsets and job.group_id and state == PipelineState.DONE:
            commit_slices(job.bootstrap, job.group_id, slices, job.consumer_config)
    return result


def cancel(result: PipelineResult, timeout_s: float = 60.0) -> str:
    """Cancel a running (streaming) job and wait for it to stop; returns the final state name.

    Portable runners report a cancelled job by raising from wait_until_finish; that is the
    expected outcome here, not an error."""
    result.cancel()
    try:
        state = result.wait_until_finish(duration=int(timeout_s * 1000))
    except RuntimeError:
        state = result.state
    if state not in (PipelineState.CANCELLED, PipelineState.CANCELLING, PipelineState.DONE):
        raise RuntimeError(f"job did not stop cleanly: {state}")
    return str(state)


def counters(result: PipelineResult) -> dict[str, int]:
    """The job's `newsbeam` counters by name (committed values where the runner has them)."""
    out: dict[str, int] = {}
    query = result.metrics().query(beam.metrics.MetricsFilter().with_namespace("newsbeam"))
    for counter in query["counters"]:
        value = counter.committed if counter.committed is not None else counter.attempted
        out[counter.key.metric.name] = out.get(counter.key.metric.name, 0) + int(value or 0)
    return out


def default_output_dir() -> Path:
    return Path.cwd() / "out"
