"""Start, wait for and cancel the job on the chosen runner; read its counters."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.runners.runner import PipelineResult, PipelineState

from pipelines.beam.job import build
from pipelines.beam.kafka_io import commit_slices, plan_slices
from pipelines.beam.sdk_patches import install as install_sdk_patches
from pipelines.config import NAMESPACE, JobSettings
from pipelines.runners.options import beam_options


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
    install_sdk_patches(p.options.get_all_options()["runner"])  # the runner chosen (streaming Direct is Prism)
    build(p, job, slices)
    result = p.run()
    if job.metrics_port is not None:
        from pipelines.ops.metrics_export import start_for_job

        result.exporter = start_for_job(result, job, job.metrics_port)
    if wait:
        state = result.wait_until_finish()
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


class JobEnded(RuntimeError):
    """A job that was waited for did not finish as it should (`newsbeam run` exits non-zero)."""


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
    query = result.metrics().query(beam.metrics.MetricsFilter().with_namespace(NAMESPACE))
    for counter in query["counters"]:
        value = counter.committed if counter.committed is not None else counter.attempted
        out[counter.key.metric.name] = out.get(counter.key.metric.name, 0) + int(value or 0)
    return out
