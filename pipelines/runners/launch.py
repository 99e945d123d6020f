"""Start, wait for and cancel the job on the chosen runner; read its counters."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from typing import Any

import apache_beam as beam
from apache_beam.runners.runner import PipelineResult, PipelineState

from pipelines.beam.job import build
from pipelines.beam.kafka_io import broker_gave_up, commit_slices, forget_broker_outages, plan_slices
from pipelines.beam.sdk_patches import install as install_sdk_patches
from pipelines.config import NAMESPACE, JobSettings
from pipelines.runners.local_workers import pool_for
from pipelines.runners.options import beam_options

LOG = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1  # linux/prctl.h



def run(job: JobSettings, wait: bool = True) -> PipelineResult:
    """Start the job; with `wait`, block until a bounded run is done (streaming runs until cancelled).

    A bounded run reads the offsets planned here and commits them for the group only after the
    job has finished successfully, i.e. once every output is durable in Kafka."""
    bounded = job.mode == "bounded"
    if bounded and not wait:
        raise ValueError("a bounded run commits its offsets when it finishes: run it with wait=True")
    slices = plan_slices(job.bootstrap, job.topics.raw, job.group_id, job.start, True, job.consumer_config) \
        if bounded else None
    if job.restore and not bounded and job.effective_runner == "PrismRunner":
        job = _with_replay(job)
    elif job.commits_after_decisions and job.start == "committed":
        _warn_if_state_is_lost(job)
    conf_dir = os.environ.get("FLINK_CONF_DIR")
    local_pool = pool_for(job)
    try:
        options = beam_options(job, local_pool.address if local_pool else None)
        cluster_job = _name_cluster_job(job, options)
        p = beam.Pipeline(options=options)
        install_sdk_patches(p.options.get_all_options()["runner"])  # the runner chosen (streaming Direct is Prism)
        build(p, job, slices)
        children_die_with_launcher()
        forget_broker_outages()  # only this job's steps count (tests run several jobs in one process)
        result = p.run()
    except BaseException:
        if local_pool is not None:
            local_pool.stop()
        raise
    finally:
        # The embedded Flink's settings for this job reach its job server through FLINK_CONF_DIR
        # (runners/flink.py); the next job in this process must not inherit them.
        if conf_dir is None:
            os.environ.pop("FLINK_CONF_DIR", None)
        else:
            os.environ["FLINK_CONF_DIR"] = conf_dir
    result.cluster_job = cluster_job
    result.local_pool = local_pool
    if cluster_job is not None and not bounded:
        _record_cluster_job(job, *cluster_job)
    if job.metrics_port is not None:
        from pipelines.ops.metrics_export import start_for_job

        result.exporter = start_for_job(result, job, job.metrics_port)
    if wait:
        try:
            state = _wait(result, job)
        finally:
            if local_pool is not None:
                local_pool.stop()
        ended_well = state == PipelineState.DONE if bounded else state == PipelineState.CANCELLED
        if not ended_well:
            # Never success unless it finished: a streaming job has no end of its own (only a
            # cancel ends it), and Prism has reported DONE for one whose reader had failed.
            raise JobEnded(f"the {job.mode} job on {job.runner} ended in state {state}"
                           + ("" if bounded else " without being cancelled: its input has no end")
                           + "; see the job's log for the reason")
        if bounded and job.commit_offsets and job.group_id:
            commit_slices(job.bootstrap, job.group_id, slices, job.consumer_config)
    return result


def _with_replay(job: JobSettings) -> JobSettings:
    """Prism keeps no checkpoints: `--restore latest` rebuilds the dedup state by re-reading the
    window before the group's committed offsets (kafka/replay.py, beam/steps/replay.py)."""
    from dataclasses import replace

    from pipelines.kafka.replay import plan_replay
    from pipelines.runners.flink_restore import LATEST, NoCheckpoint

    if job.restore != LATEST:
        raise NoCheckpoint(f"Prism keeps no checkpoints to restore {job.restore!r} from: --restore latest "
                           "rebuilds the state by re-reading the input before the committed offsets")
    if not job.commits_after_decisions:
        raise NoCheckpoint("--restore latest on Prism replays the input of a streaming dedup job that commits "
                           "its offsets (not --no-commit, not --no-dedup)")
    window = plan_replay(job.bootstrap, job.topics.raw, job.group_id, job.consumer_config, job.horizon_ms,
                         job.allowed_lateness_ms)
    if window is None:
        LOG.info("restart of %s: the group has committed nothing, so the job reads the topic from its start",
                 job.group_id)
        return job
    return replace(job, replay=window)


def _warn_if_state_is_lost(job: JobSettings) -> None:
    """A Prism streaming start of a group that already committed begins with empty dedup state:
    say so, and what rebuilds it, where the operator looks first."""
    from pipelines.kafka.client import committed_offsets

    try:
        committed = committed_offsets(job.bootstrap, job.group_id, job.topics.raw, job.consumer_config, timeout_s=5)
    except Exception:  # only a hint: the job's own planner reports a broker that cannot be reached
        return
    if committed:
        LOG.warning("group %s resumes at its committed offsets with empty dedup state: articles from now on cannot "
                    "join stories founded before; after a crash, start with --restore latest to rebuild the state",
                    job.group_id)


WATCH_INTERVAL_MS = 5000  # how often a waiting launcher looks for a step that gave up on Kafka


def _wait(result: Any, job: JobSettings) -> Any:
    """Waits for the job to end. A job whose Kafka reader or writer gave up (broker gone for
    longer than the job may wait) is cancelled here and reported, whether or not the runner
    ended it: on Prism a failed bundle has left a streaming job running."""
    outcome: dict[str, Any] = {}

    def wait_for_the_runner() -> None:
        try:
            outcome["state"] = result.wait_until_finish()
        except BaseException as exc:  # handed to the launcher's thread below
            outcome["error"] = exc

    waiter = threading.Thread(target=wait_for_the_runner, name="newsbeam-wait", daemon=True)
    waiter.start()
    while True:
        waiter.join(WATCH_INTERVAL_MS / 1000)
        if not waiter.is_alive():
            if "error" in outcome:
                raise outcome["error"]
            return outcome["state"]
        reason = broker_gave_up()
        if reason is not None:
            try:
                cancel(result)
            except Exception:  # the reason to report is the broker's, not the cancel's
                LOG.warning("cancelling the job after Kafka was given up on failed", exc_info=True)
            raise JobEnded(f"the {job.mode} job on {job.runner} was cancelled: {reason}")


def _name_cluster_job(job: JobSettings, options: Any) -> tuple[str, str] | None:
    """(REST address, job name) of a job submitted to a Flink cluster, so that `cancel` can find it
    there; the name is the job's own (`--job_name`) or one made unique here."""
    from pipelines.runners.flink import on_cluster

    if job.runner != "FlinkRunner" or not on_cluster(job.flink_master):
        return None
    from apache_beam.options.pipeline_options import GoogleCloudOptions

    naming = options.view_as(GoogleCloudOptions)
    if not naming.job_name:
        naming.job_name = f"newsbeam-{uuid.uuid4().hex[:12]}"
    return job.flink_master, naming.job_name


def _record_cluster_job(job: JobSettings, rest_address: str, job_name: str) -> None:
    """Write down which Flink job runs this pipeline, so that `--restore latest` finds its
    checkpoints after the job is lost (runners/flink_restore.py)."""
    from pipelines.runners.flink_cluster import cluster_state_dir
    from pipelines.runners.flink_restore import find_job_id, record_submission

    flink_job_id = find_job_id(rest_address, job_name)
    if flink_job_id is None:
        LOG.warning("job %s did not show on the Flink cluster at %s: `--restore latest` will not find its "
                    "checkpoints", job_name, rest_address)
        return
    record_submission(job, flink_job_id, cluster_state_dir())
    LOG.info("job %s runs on the Flink cluster as %s", job_name, flink_job_id)


class JobEnded(RuntimeError):
    """A job that was waited for did not finish as it should (`newsbeam run` exits non-zero)."""


def cancel(result: PipelineResult, timeout_s: float = 60.0) -> str:
    """Cancel a running (streaming) job and wait for it to stop; returns the final state name.

    Portable runners report a cancelled job by raising from wait_until_finish; that is the
    expected outcome here, not an error. A job on a Flink cluster is also cancelled there
    (`flink.cancel_cluster_job`): Beam's job server stops only its own side of it."""
    result.cancel()
    try:
        state = result.wait_until_finish(duration=int(timeout_s * 1000))
    except RuntimeError:
        state = result.state
    cluster_job = getattr(result, "cluster_job", None)
    if cluster_job is not None:
        from pipelines.runners.flink import cancel_cluster_job

        cancel_cluster_job(*cluster_job, timeout_s=timeout_s)
    local_pool = getattr(result, "local_pool", None)
    if local_pool is not None:
        local_pool.stop()
    if state not in (PipelineState.CANCELLED, PipelineState.CANCELLING, PipelineState.DONE):
        raise RuntimeError(f"job did not stop cleanly: {state}")
    return str(state)


def counters(result: PipelineResult) -> dict[str, int]:
    """The job's `newsbeam` counters by name (committed values where the runner has them)."""
    out: dict[str, int] = {}
    query = result.metrics().query(beam.metrics.MetricsFilter().with_namespace(NAMESPACE))
    for counter in query["counters"]:
        value = counter.committed if counter.committed is not None else counter.attempted
        out[counter.key.metric.name] = out.get(counter.key.metric.name, 0) + int(value or 0)
    return out


def _die_with(parent_pid: int, libc: Any) -> Callable[[], None]:
    """A preexec_fn: the child gets SIGKILL when the thread that started it ends (with its process,
    on `kill -9` too), and exits at once if that already happened before the request took."""

    def in_child() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:
            os._exit(1)

    return in_child


class _SubprocessTiedToLauncher:
    """Stands in for the `subprocess` module inside Beam's subprocess_server, which starts Prism
    and the Flink job server JVM: every Popen there gets a parent-death signal. Anything else is
    the real module."""

    def __init__(self, real: Any, libc: Any) -> None:
        self._real = real
        self._libc = libc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def Popen(self, *args: Any, **kwargs: Any) -> subprocess.Popen:  # noqa: N802 - the module's own name
        kwargs.setdefault("preexec_fn", _die_with(os.getpid(), self._libc))
        return self._real.Popen(*args, **kwargs)


def children_die_with_launcher() -> bool:
    """Tie the runner processes Beam starts (Prism, the Flink job server JVM) to this process, so a
    `kill -9` of `newsbeam run` leaves no orphan holding ports and memory. Linux only; and only
    from the main thread, because the kernel sends the signal when the *thread* that started the
    child ends, and Beam reuses a started job server for later pipelines of the process."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return False
    from apache_beam.utils import subprocess_server

    if not isinstance(subprocess_server.subprocess, _SubprocessTiedToLauncher):
        libc = ctypes.CDLL(None, use_errno=True)  # loaded before any fork: the child only calls it
        subprocess_server.subprocess = _SubprocessTiedToLauncher(subprocess_server.subprocess, libc)
    return True
