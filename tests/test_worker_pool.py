"""The worker pool's reaper: workers whose TaskManager is gone stop, and so do all workers once the
cluster runs no job (a restored job left the failed attempt's worker behind on the surviving
TaskManager, its control endpoint still answering)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from pipelines.runners.worker_pool import WorkerPool


class _FlinkRest:
    """A stand-in for the JobManager's `/jobs/overview` whose job states the test sets."""

    def __init__(self) -> None:
        self.states: list[str] = []
        states = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                body = json.dumps({"jobs": [{"jid": str(i), "state": s} for i, s in enumerate(states.states)]})
                self.send_response(200)
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.address = f"127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def control_endpoint():
    """A listening socket that stands for a live TaskManager's control endpoint."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    yield f"localhost:{listener.getsockname()[1]}"
    listener.close()


def _pool_with_a_worker(tmp_path: Path, endpoint: str, flink_rest: str | None) -> tuple[WorkerPool, subprocess.Popen]:
    pool = WorkerPool("unused", tmp_path, flink_rest)
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    pool._workers[("1-1", endpoint)] = worker
    return pool, worker


def test_a_worker_stays_while_its_taskmanager_answers_and_the_cluster_runs_a_job(tmp_path, control_endpoint):
    rest = _FlinkRest()
    rest.states = ["RUNNING", "CANCELED"]
    pool, worker = _pool_with_a_worker(tmp_path, control_endpoint, rest.address)
    try:
        pool.reap()
        assert worker.poll() is None
    finally:
        worker.kill()
        rest.server.shutdown()


def test_every_worker_stops_once_the_cluster_runs_no_job(tmp_path, control_endpoint):
    rest = _FlinkRest()
    rest.states = ["FINISHED", "CANCELED"]
    pool, worker = _pool_with_a_worker(tmp_path, control_endpoint, rest.address)
    try:
        pool.reap()
        assert worker.wait(timeout=30) is not None
        assert not pool._workers
    finally:
        worker.kill()
        rest.server.shutdown()


def test_an_unreachable_cluster_stops_no_worker_on_a_guess(tmp_path, control_endpoint):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nobody = f"127.0.0.1:{closed.getsockname()[1]}"
    pool, worker = _pool_with_a_worker(tmp_path, control_endpoint, nobody)
    try:
        pool.reap()
        assert worker.poll() is None
    finally:
        worker.kill()


def test_a_worker_whose_taskmanager_is_gone_stops(tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        gone = f"localhost:{closed.getsockname()[1]}"
    pool, worker = _pool_with_a_worker(tmp_path, gone, None)
    try:
        pool.reap()
        assert worker.wait(timeout=30) is not None
    finally:
        worker.kill()


def test_a_worker_tied_to_its_parent_ends_with_it_even_before_it_reached_the_runner(control_endpoint, tmp_path):
    """The local pool's workers (runners/local_workers.py) end when the launcher that started them
    is gone, also while still dialling a control endpoint that never answers the Fn API."""
    import os
    import signal
    import time

    from pipelines.runners.worker_pool import write_worker_launcher

    launcher = write_worker_launcher(tmp_path, 0, exit_with_parent=True)
    pid_file = tmp_path / "worker.pid"
    parent = subprocess.Popen([sys.executable, "-c", (
        "import subprocess, sys, time; "
        f"w = subprocess.Popen([{str(launcher)!r}, '--id=1-1', '--control_endpoint={control_endpoint}']); "
        f"open({str(pid_file)!r}, 'w').write(str(w.pid)); time.sleep(600)")])
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the parent did not start its worker"
            time.sleep(0.1)
        worker = int(pid_file.read_text())
        time.sleep(2)  # the worker is up (imports done or under way), its runner silent
        assert Path(f"/proc/{worker}").exists(), "the worker ended on its own"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 30
        while Path(f"/proc/{worker}").exists() and "Z" not in _state(worker):
            assert time.monotonic() < deadline, "the worker outlived its parent"
            time.sleep(0.2)
    finally:
        if parent.poll() is None:
            parent.kill()


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"
