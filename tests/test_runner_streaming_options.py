"""Streaming on Prism lives until it is cancelled: Beam 2.62 applies `job_server_timeout` (60 s by
default) to the running job's state stream, which ended idle streaming jobs after a minute."""

from __future__ import annotations

from apache_beam.options.pipeline_options import PortableOptions

from pipelines.config import JobSettings
from pipelines.runners.options import STREAMING_JOB_SERVER_TIMEOUT_S, beam_options


def _timeout(**settings) -> int:
    return beam_options(JobSettings(**settings)).view_as(PortableOptions).job_server_timeout


def test_prism_streaming_waits_on_the_job_for_years_not_a_minute():
    assert _timeout(runner="PrismRunner", mode="streaming") == STREAMING_JOB_SERVER_TIMEOUT_S >= 365 * 24 * 3600


def test_streaming_through_the_direct_runner_gets_the_same_timeout():
    assert _timeout(runner="DirectRunner", mode="streaming") == STREAMING_JOB_SERVER_TIMEOUT_S


def test_a_timeout_given_by_the_user_wins():
    assert _timeout(runner="PrismRunner", mode="streaming", extra_beam_args=["--job_server_timeout=120"]) == 120


def test_direct_worker_processes_get_the_sdk_patches_through_a_plugin():
    from apache_beam.options.pipeline_options import SetupOptions

    def plugins(workers: int) -> list[str]:
        return beam_options(JobSettings(sdk_workers=workers)).view_as(SetupOptions).beam_plugins or []

    assert plugins(1) == []
    assert plugins(2) == ["pipelines.runners.direct_worker_plugin"]
    # A fresh interpreter, as Beam's worker process is: nothing is patched until the plugin loads.
    import subprocess
    import sys

    probe = ("from pipelines.beam import sdk_patches as s; before = s.installed(); "
             "import pipelines.runners.direct_worker_plugin; print(before, s.installed())")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split(")", 1)[0] == "(" and "state_commits" in out.split(")", 1)[1], out
