"""Topic names, defaults and locations shared by the CLI, the pipeline and the tests."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NAMESPACE = "newsbeam"
"""The Beam metrics namespace of every counter the job emits (DESIGN §7)."""

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = PROJECT_ROOT / "schemas"
DEPLOY_DIR = PROJECT_ROOT / "deploy"


def cache_dir() -> Path:
    """Where fetched jars, broker data and built binaries live (outside the work tree)."""
    base = os.environ.get("NEWSBEAM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "newsbeam"
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Topics:
    """The topics of DESIGN §4; `prefix` lets several deployments share a cluster."""

    prefix: str = ""

    @property
    def raw(self) -> str:
        return f"{self.prefix}news.pages.raw.v1"

    @property
    def articles(self) -> str:
        return f"{self.prefix}news.articles.v1"

    @property
    def stories(self) -> str:
        return f"{self.prefix}news.stories.v1"

    @property
    def links(self) -> str:
        return f"{self.prefix}news.links.v1"

    @property
    def dlq(self) -> str:
        return f"{self.prefix}news.pages.dlq.v1"

    def all(self) -> list[str]:
        return [self.raw, self.articles, self.stories, self.links, self.dlq]


DEFAULT_BOOTSTRAP = "127.0.0.1:9092"  # the last resort of the bootstrap rule (pipelines/kafka/client.py)
DEFAULT_GROUP_ID = "newsbeam-pipeline"
MAX_PAGE_BYTES = 10 * 1024 * 1024
# Raw pages go up to MAX_PAGE_BYTES; headers, Avro framing and batch overhead need headroom.
# Articles/stories can carry a whole page's text and DLQ records the original bytes.
MAX_MESSAGE_BYTES = MAX_PAGE_BYTES + 1024 * 1024
# Kafka 4 refuses records stamped more than an hour ahead of the broker's clock
# (log.message.timestamp.after.max.ms); writers clamp to a little less.
MAX_FUTURE_TIMESTAMP_MS = 55 * 60 * 1000
RUNNERS = ("DirectRunner", "PrismRunner", "FlinkRunner")
SDK_STATE_CACHE_MB = 256  # Beam 2.62 ships it off: each state read is then a round trip to the runner


# Raw records a bounded run may dedup in one group (beam/steps/dedup/one_group.py): that worker
# holds every document of the run at once (docs/decisions-dedup.md has the memory per page).
ONE_GROUP_DEDUP_LIMIT = 50_000
# How long a bounded run's Kafka writers wait to fill a batch (streaming keeps the client's 20 ms).
# Their bundles are large and flushed at their end anyway; fewer, larger batches mean fewer
# requests and fewer wake-ups of kafka-python's sender thread (docs/decisions-dedup.md).
BOUNDED_LINGER_MS = 200
DEFAULT_SETTLE_MS = 500  # the longest the early firing waits for the Index partitions' answers


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
    parallelism: int | None = None  # Flink: tasks per step (at most the raw topic's partitions)
    # Python SDK worker processes on this machine: DirectRunner (bounded) and the embedded Flink
    # (runners/local_workers.py); None: one, inside the launcher. A cluster's workers are its pools'.
    sdk_workers: int | None = None
    learn_boilerplate: bool = False
    horizon_ms: int = 48 * 3600 * 1000
    allowed_lateness_ms: int = 600_000  # the lateness rule of core.records.is_late (streaming only)
    # Streaming only: a document's provisional story is fired this long (processing time) after it
    # reaches the decision step; None: final records only (beam/steps/dedup/transform.py).
    provisional_settle_ms: int | None = DEFAULT_SETTLE_MS
    dedup: bool = True
    # Bounded runs of at most this many raw records dedup in one group, on one worker
    # (beam/steps/dedup/one_group.py); larger ones, and streaming runs, use the keyed steps. 0: never.
    one_group_dedup_limit: int = ONE_GROUP_DEDUP_LIMIT
    metrics_port: int | None = None
    flink_metrics_port: str | None = None  # Flink's own Prometheus reporter (embedded Flink)
    flink_batch: bool = False  # bounded runs on Flink's batch (DataSet) mode instead of its streaming mode
    state_cache_mb: int = SDK_STATE_CACHE_MB  # SDK harness cache of keyed state (portable runners)
    # Streaming on a Flink cluster: resume from "latest" (this pipeline's newest retained checkpoint,
    # runners/flink_restore.py) or from a checkpoint or savepoint path; None: start with empty state.
    restore: str | None = None
    # Set by the launcher for a restart without a checkpoint (Prism, `--restore latest`): what the
    # job re-reads to rebuild its dedup state (core.progress.ReplayWindow).
    replay: Any = None
    extra_beam_args: list[str] = field(default_factory=list)

    @property
    def effective_runner(self) -> str:
        """The runner that runs the job: the FnApiRunner cannot stream an unbounded source, so the
        DirectRunner hands streaming jobs to Prism, Beam's local streaming runner."""
        if self.runner == "DirectRunner" and self.mode == "streaming":
            return "PrismRunner"
        return self.runner

    @property
    def commits_after_decisions(self) -> bool:
        """Whether offsets are committed by the job's commit step, once decisions are written
        (beam/steps/commit.py), instead of by the reader: streaming dedup on a runner without
        checkpoints (Prism), where a restart rebuilds its state by replaying input."""
        return (self.mode == "streaming" and self.dedup and self.commit_offsets and bool(self.group_id)
                and self.effective_runner == "PrismRunner")

    @property
    def writer_config(self) -> dict[str, Any]:
        """The settings of the job's Kafka writers: `producer_config`, over a longer linger in
        bounded runs (BOUNDED_LINGER_MS)."""
        if self.mode == "bounded":
            return {"linger_ms": BOUNDED_LINGER_MS, **self.producer_config}
        return dict(self.producer_config)

    def dedups_in_one_group(self, records: int | None) -> bool:
        """Whether a run reading `records` raw records (None: not known ahead) dedups them in one
        group instead of the keyed steps."""
        return (self.dedup and self.mode == "bounded" and records is not None
                and records <= self.one_group_dedup_limit)

    @property
    def early_firing_ms(self) -> int | None:
        """The provisional firing's settle time, where the job fires early: streaming, and not on
        Prism. Prism 2.62 does not support processing-time timers (Beam's DirectRunner does not
        hand it pipelines that have them): in a live Prism job the early firing's timers did not
        fire, and their watermark holds stopped every final decision."""
        if self.mode != "streaming" or self.effective_runner == "PrismRunner":
            return None
        return self.provisional_settle_ms
