"""Beam pipeline options per runner, derived from JobSettings; never lets a runner download anything."""

from __future__ import annotations

import logging

from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.config import RUNNERS, JobSettings

LOG = logging.getLogger(__name__)
FLINK_CHECKPOINT_MS = 10_000  # default checkpoint interval of Flink streaming runs
FLINK_STREAMING_BUNDLE_MS = 100  # longest Flink bundle in streaming (Flink's own default: 1,000)
STREAMING_JOB_SERVER_TIMEOUT_S = 10 * 365 * 24 * 3600  # a streaming job runs until it is cancelled


def beam_options(job: JobSettings, local_pool: str | None = None) -> PipelineOptions:
    """Beam options for the chosen runner; never lets a runner download anything at run time.
    `local_pool`: the address of the worker pool an embedded Flink job starts its SDK workers
    through (runners/local_workers.py); without it, they run inside this process (LOOPBACK)."""
    from pipelines.runners.local_workers import local_workers
    from pipelines.runners.prism import ensure_prism

    streaming = job.mode == "streaming"
    runner = job.effective_runner
    if runner != job.runner:
        LOG.info("streaming on one machine: DirectRunner hands the job to Prism")
    args = [f"--runner={runner}"]
    if streaming:
        args.append("--streaming")
    elif runner == "FlinkRunner" and not job.flink_batch:
        # Flink's batch mode runs a stateful step as two SDK bundles per key (elements, then
        # timers), and most dedup steps have a key per document (docs/decisions.md). The bounded
        # reader holds its watermark until its slices are done, so streaming mode decides exactly
        # as batch does; the job ends when input does.
        args.append("--streaming")
    if runner in ("PrismRunner", "FlinkRunner") and not _given(job, "--max_cache_memory_usage_mb"):
        args.append(f"--max_cache_memory_usage_mb={job.state_cache_mb}")
    if runner == "DirectRunner":
        # Beam 2.62's DirectRunner runs bounded pipelines on the FnApiRunner; several worker
        # processes use more than one core (the GIL caps one process at one).
        workers = local_workers(job)
        mode = "multi_processing" if workers > 1 else "in_memory"
        args += [f"--direct_num_workers={workers}", f"--direct_running_mode={mode}"]
        if workers > 1:
            # Beam starts those worker processes itself; the plugin installs the SDK patches there.
            args.append("--beam_plugin=pipelines.runners.direct_worker_plugin")
    elif runner == "PrismRunner":
        args += [f"--prism_location={ensure_prism()}", "--environment_type=LOOPBACK"]
        if streaming and not _given(job, "--job_server_timeout"):
            # Beam applies this deadline (60 s by default) to the job's state stream as well, so a
            # streaming job on Prism ended with DEADLINE_EXCEEDED a minute after submission.
            args.append(f"--job_server_timeout={STREAMING_JOB_SERVER_TIMEOUT_S}")
    elif runner == "FlinkRunner":
        from pipelines.runners.flink import flink_args
        from pipelines.runners.flink_cluster import worker_pool_for
        from pipelines.runners.flink_restore import embedded_checkpoints_dir

        checkpoints = embedded_checkpoints_dir(job) if streaming else None
        restore_from = _restore_path(job) if streaming and job.restore and not _given(job, "--savepoint_path") \
            else None
        args += flink_args(job.flink_master, job.flink_metrics_port, local_pool or worker_pool_for(job.flink_master),
                           checkpoints, restore_from)
        if local_pool is not None and not _given(job, "--sdk_worker_parallelism"):
            args.append(f"--sdk_worker_parallelism={local_workers(job)}")
        if not _given(job, "--parallelism"):
            parallelism = job.parallelism or embedded_parallelism(job)
            if parallelism is not None:
                args.append(f"--parallelism={parallelism}")
        if streaming:
            if not _given(job, "--checkpointing_interval"):
                # Flink finalizes bundles (and so commits Kafka offsets) when a checkpoint completes.
                args.append(f"--checkpointing_interval={FLINK_CHECKPOINT_MS}")
            if not _given(job, "--max_bundle_time_mills"):
                # Every hop between steps waits for the bundle on the runner's side to close: Flink
                # hands a step its input, and passes its output on, only then.
                args.append(f"--max_bundle_time_mills={FLINK_STREAMING_BUNDLE_MS}")
            # Otherwise a bundle open at a checkpoint keeps its outputs buffered until the step's
            # next input: the read planner gets one input ever, so its partitions never reached the
            # reader (docs/decisions.md). It also flushes the Kafka writers before the barrier, so
            # committed offsets imply durable outputs.
            args.append("--finish_bundle_before_checkpointing")
    else:
        raise ValueError(f"unknown runner {job.runner!r}; choose one of {RUNNERS}")
    return PipelineOptions(args + list(job.extra_beam_args))


def embedded_parallelism(job: JobSettings) -> int | None:
    """Subtasks per step of an embedded Flink job: one per local SDK worker process. Flink's own
    default there is one per core, but every subtask's bundles run in the same worker processes,
    so more subtasks than processes only add bundles, each with its fixed cost in the SDK worker,
    and no parallel work. None on a cluster: its TaskManagers' default applies."""
    from pipelines.runners.flink import on_cluster
    from pipelines.runners.local_workers import local_workers

    return None if on_cluster(job.flink_master) else local_workers(job)


def _restore_path(job: JobSettings) -> str:
    from pipelines.runners.flink import on_cluster
    from pipelines.runners.flink_cluster import cluster_state_dir
    from pipelines.runners.flink_restore import restore_path

    return restore_path(job, cluster_state_dir() if on_cluster(job.flink_master) else None)


def _given(job: JobSettings, option: str) -> bool:
    """Whether the user set this Beam option themselves (extra args win over our defaults)."""
    return any(a == option or a.startswith(option + "=") for a in job.extra_beam_args)
