"""SDK worker processes on this machine for the embedded Flink.

Beam's LOOPBACK environment runs every Python step of a job inside the launching process, and the
GIL caps one process at one core, however many slots Flink runs. With more than one local worker,
the launcher instead serves a worker pool (pipelines.runners.worker_pool, the one a cluster's
TaskManagers use) and the embedded Flink starts that many worker processes through it
(EXTERNAL environment, `--sdk_worker_parallelism`), spreading its steps over them. The workers
install the SDK patches and end when the launcher does.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from apache_beam.portability.api import beam_fn_api_pb2
from apache_beam.runners.worker.worker_pool_main import kill_process_gracefully

from pipelines.config import JobSettings
from pipelines.runners.flink import on_cluster
from pipelines.runners.worker_pool import LOOPBACK, WorkerPool, serve_pool, write_worker_launcher

LOG = logging.getLogger(__name__)
WARM_UP_TIMEOUT_S = 120.0  # the longest a job's submission waits for its workers' imports


def default_workers() -> int:
    """Local SDK worker processes when the user chose none: one, inside the launcher (LOOPBACK).
    More are faster on a machine with spare cores, but not the default yet: on a loaded 2-core
    machine their start delayed Flink's own (a checkpoint failed while tasks were still being
    deployed), and a streaming job whose reader gave up on Kafka inside a worker process did not
    end (docs/decisions-dedup.md, session 25)."""
    return 1


def local_workers(job: JobSettings) -> int:
    """How many SDK worker processes the job runs on this machine (`JobSettings.sdk_workers`, or
    the default); 0 on a Flink cluster, whose workers are its worker pools'."""
    if job.sdk_workers is not None and job.sdk_workers < 1:
        raise ValueError(f"sdk_workers must be at least 1, not {job.sdk_workers}")
    if job.effective_runner == "FlinkRunner":
        return 0 if on_cluster(job.flink_master) else job.sdk_workers or default_workers()
    return job.sdk_workers or 1


def pool_for(job: JobSettings) -> LocalWorkerPool | None:
    """The worker pool an embedded Flink job with more than one local worker needs, started."""
    workers = local_workers(job)
    if job.effective_runner != "FlinkRunner" or workers <= 1:
        return None
    return LocalWorkerPool(workers, job.state_cache_mb)


class _WarmPool(WorkerPool):
    """The worker pool, handing each StartWorker a process started ahead that has done its imports:
    a cold Python worker takes seconds to import Beam and the steps, time the job's steps would
    spend waiting for it after the job was submitted. A request beyond the warm ones starts a
    worker the usual way."""

    def __init__(self, launcher: str, log_dir: Path, warm: list[subprocess.Popen]) -> None:
        super().__init__(launcher, log_dir)
        self._warm = warm

    def StartWorker(self, request, context):  # noqa: N802 (the gRPC method's name)
        with self._lock:
            process = self._warm.pop(0) if self._warm else None
        if process is None or process.poll() is not None:
            return super().StartWorker(request, context)
        process.stdin.write(f"{request.worker_id} {request.control_endpoint.url}\n".encode())
        process.stdin.close()
        with self._lock:
            self._workers[(request.worker_id, request.control_endpoint.url)] = process
        return beam_fn_api_pb2.StartWorkerResponse()

    def stop_all(self) -> None:
        with self._lock:
            idle, self._warm = self._warm, []
        for process in idle:
            kill_process_gracefully(process)
        super().stop_all()


class LocalWorkerPool:
    """A worker pool served from this process for one embedded Flink job, its workers started
    (and their imports done) before the job is submitted; `address` is what its EXTERNAL
    environment dials. `stop` ends the workers (also at exit)."""

    def __init__(self, workers: int, state_cache_mb: int) -> None:
        self.workers = workers
        self._scratch = Path(tempfile.mkdtemp(prefix="newsbeam-workers-"))
        launcher = write_worker_launcher(self._scratch, state_cache_mb << 20, exit_with_parent=True)
        warm, ready = [], []
        for index in range(workers):
            ready.append(self._scratch / f"warm-worker-{index}.ready")
            with open(self._scratch / f"warm-worker-{index}.log", "wb") as log:
                warm.append(subprocess.Popen([str(launcher), f"--warm={ready[-1]}"], stdin=subprocess.PIPE,
                                             stdout=log, stderr=subprocess.STDOUT, close_fds=True))
        self._pool = _WarmPool(str(launcher), self._scratch, warm)
        # Their imports done before the job is submitted, not competing with Flink's own start for
        # the machine's cores.
        deadline = time.monotonic() + WARM_UP_TIMEOUT_S
        while not all(path.exists() or process.poll() is not None for path, process in zip(ready, warm, strict=True)) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        self._server, port = serve_pool(self._pool, 0, LOOPBACK)
        self.address = f"{LOOPBACK}:{port}"
        self._stopped = False
        atexit.register(self.stop)
        LOG.info("%d SDK worker processes for the embedded Flink start through %s (logs in %s)", workers,
                 self.address, self._scratch)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.stop(1).wait()
        self._pool.stop_all()
        shutil.rmtree(self._scratch, ignore_errors=True)
