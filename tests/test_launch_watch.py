"""The launcher ends a job whose Kafka step gave up, even when the runner keeps it running (on
Prism a failed bundle has left a streaming job running: tests/test_broker_outage.py)."""

from __future__ import annotations

import threading

import pytest
from apache_beam.runners.runner import PipelineState

from pipelines.beam.kafka_io import BrokerUnreachable, broker_gave_up, forget_broker_outages
from pipelines.config import JobSettings
from pipelines.runners import launch


class _StuckJob:
    """A job the runner never ends by itself; only a cancel stops it."""

    def __init__(self) -> None:
        self.state = PipelineState.RUNNING
        self._stopped = threading.Event()
        self.cancelled = False

    def wait_until_finish(self, duration=None):
        # Bounded so that a launcher that does not watch fails this test instead of hanging it.
        self._stopped.wait(10 if duration is None else duration / 1000)
        return self.state

    def cancel(self) -> None:
        self.cancelled = True
        self.state = PipelineState.CANCELLED
        self._stopped.set()


def test_a_job_whose_reader_gave_up_is_cancelled_and_reported(monkeypatch):
    monkeypatch.setattr(launch, "WATCH_INTERVAL_MS", 50)
    forget_broker_outages()
    job = _StuckJob()
    threading.Timer(0.2, lambda: BrokerUnreachable("Kafka at k:9092 unreachable for 11 s while reading t[0]")).start()
    with pytest.raises(launch.JobEnded, match="was cancelled: Kafka at k:9092 unreachable for 11 s"):
        launch._wait(job, JobSettings(mode="streaming", runner="PrismRunner"))
    assert job.cancelled
    forget_broker_outages()
    assert broker_gave_up() is None


def test_a_job_that_ends_by_itself_is_waited_for_and_nothing_is_cancelled(monkeypatch):
    monkeypatch.setattr(launch, "WATCH_INTERVAL_MS", 50)
    forget_broker_outages()
    job = _StuckJob()
    threading.Timer(0.2, lambda: (setattr(job, "state", PipelineState.DONE), job._stopped.set())).start()
    assert launch._wait(job, JobSettings()) == PipelineState.DONE
    assert not job.cancelled


def test_a_failed_run_ends_its_process_even_when_threads_linger(tmp_path) -> None:
    """A thread that never ends (as a failed runner leaves behind) would keep the interpreter from
    exiting; `newsbeam run` ends anyway, with its exit code, after a grace period."""
    import subprocess
    import sys
    import time

    script = (
        "import threading, time\n"
        "from pipelines.cli.pipeline import exit_even_if_threads_linger\n"
        "threading.Thread(target=lambda: time.sleep(3600)).start()\n"
        "exit_even_if_threads_linger(7, grace_s=1.0)\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], timeout=60, capture_output=True)
    assert done.returncode == 7, done.stderr.decode()[-2000:]
    assert time.monotonic() - started < 30
