"""Beam options derived from JobSettings: the runner defaults that performance and correctness rest on."""

from __future__ import annotations

from apache_beam.options.pipeline_options import StandardOptions, WorkerOptions

from pipelines.cli.main import build_parser
from pipelines.config import SDK_STATE_CACHE_MB, JobSettings
from pipelines.runners.options import beam_options


def _options(**settings):
    options = beam_options(JobSettings(**settings))
    everything = options.get_all_options(retain_unknown_options=True)  # Flink's own flags too
    return options.view_as(StandardOptions), options.view_as(WorkerOptions), everything


def test_bounded_flink_runs_in_streaming_mode_with_the_state_cache_on():
    standard, worker, _ = _options(runner="FlinkRunner")
    assert standard.streaming, "Flink's batch mode runs two SDK bundles per key of each stateful step"
    assert worker.max_cache_memory_usage_mb == SDK_STATE_CACHE_MB
    assert not _options(runner="FlinkRunner", flink_batch=True)[0].streaming


def test_bounded_flink_has_no_checkpointing_so_the_job_ends_with_its_input():
    assert _options(runner="FlinkRunner")[2].get("checkpointing_interval") in (None, -1)
    streaming = _options(runner="FlinkRunner", mode="streaming")[2]
    assert int(streaming["checkpointing_interval"]) > 0 and streaming["finish_bundle_before_checkpointing"]


def test_streaming_flink_closes_bundles_quickly_and_bounded_flink_keeps_large_ones():
    # Flink hands a step its input, and passes its output on, when a bundle closes: each hop of a
    # streaming job waits up to this long.
    assert int(_options(runner="FlinkRunner", mode="streaming")[2]["max_bundle_time_mills"]) <= 100
    assert "max_bundle_time_mills" not in _options(runner="FlinkRunner")[2]
    mine = _options(runner="FlinkRunner", mode="streaming", extra_beam_args=["--max_bundle_time_mills=500"])[2]
    assert int(mine["max_bundle_time_mills"]) == 500


def test_user_beam_args_win_over_our_defaults():
    _, worker, _ = _options(runner="FlinkRunner", extra_beam_args=["--max_cache_memory_usage_mb=64"])
    assert worker.max_cache_memory_usage_mb == 64
    assert _options(runner="FlinkRunner", mode="streaming",
                    extra_beam_args=["--checkpointing_interval=2000"])[2]["checkpointing_interval"] in (2000, "2000")


def test_direct_runner_keeps_its_own_cache_and_batch_mode():
    standard, worker, _ = _options(runner="DirectRunner")
    assert not standard.streaming and not worker.max_cache_memory_usage_mb


def test_cli_flag_selects_flink_batch():
    args = build_parser().parse_args(["run", "--runner", "FlinkRunner", "--flink-batch"])
    assert args.flink_batch


def test_embedded_flink_runs_its_sdk_workers_in_processes_of_the_local_pool_or_in_this_one():
    from apache_beam.options.pipeline_options import PortableOptions

    from pipelines.runners.local_workers import default_workers, local_workers

    pooled = beam_options(JobSettings(runner="FlinkRunner", sdk_workers=3), local_pool="127.0.0.1:4242")
    portable = pooled.view_as(PortableOptions)
    assert (portable.environment_type, portable.environment_config) == ("EXTERNAL", "127.0.0.1:4242")
    assert int(pooled.get_all_options(retain_unknown_options=True)["sdk_worker_parallelism"]) == 3
    assert beam_options(JobSettings(runner="FlinkRunner", sdk_workers=1)).view_as(
        PortableOptions).environment_type == "LOOPBACK"
    assert local_workers(JobSettings(runner="FlinkRunner")) == default_workers() >= 1
    assert local_workers(JobSettings(runner="FlinkRunner", flink_master="127.0.0.1:8081")) == 0, "the cluster's pool"
    assert local_workers(JobSettings(runner="DirectRunner")) == 1
    args = build_parser().parse_args(["run", "--runner", "FlinkRunner", "--sdk-workers", "2"])
    assert args.sdk_workers == 2


def test_embedded_flink_runs_one_subtask_per_step_per_sdk_worker_unless_told():
    from apache_beam.options.pipeline_options import FlinkRunnerOptions

    def parallelism(job: JobSettings, local_pool: str | None = None) -> int | None:
        return beam_options(job, local_pool).view_as(FlinkRunnerOptions).parallelism

    assert parallelism(JobSettings(runner="FlinkRunner", mode="streaming")) == 1
    assert parallelism(JobSettings(runner="FlinkRunner", sdk_workers=2), local_pool="127.0.0.1:4242") == 2
    assert parallelism(JobSettings(runner="FlinkRunner", parallelism=3)) == 3, "the operator's choice wins"
    assert parallelism(JobSettings(runner="FlinkRunner", extra_beam_args=["--parallelism=4"])) == 4
    cluster = JobSettings(runner="FlinkRunner", flink_master="127.0.0.1:8081")
    assert parallelism(cluster) == -1, "a cluster's own default applies (Beam's -1: not set)"


def test_bounded_writers_linger_longer_unless_the_operator_says_otherwise():
    from pipelines.config import BOUNDED_LINGER_MS
    from pipelines.kafka import client

    def linger(job: JobSettings) -> int:
        return client._settings(client.KafkaProducer, client._PRODUCER_DEFAULTS, job.writer_config, {})["linger_ms"]

    assert linger(JobSettings(mode="bounded")) == BOUNDED_LINGER_MS
    assert linger(JobSettings(mode="streaming")) == client._PRODUCER_DEFAULTS["linger_ms"] < BOUNDED_LINGER_MS
    assert linger(JobSettings(mode="bounded", producer_config={"linger_ms": 5})) == 5
