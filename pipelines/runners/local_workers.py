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
import os
import shutil
import tempfile
from pathlib import Path

from pipelines.config import JobSettings
from pipelines.runners.flink import on_cluster
from pipelines.runners.worker_pool import LOOPBACK, serve, write_worker_launcher

LOG = logging.getLogger(__name__)
MAX_DEFAULT_WORKERS = 4  # the default follows the cores, up to this many worker processes


def default_workers() -> int:
    """Local SDK worker processes when the user chose none: one per core, at most a few (each
    holds its own state cache and Python runtime)."""
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))


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


class LocalWorkerPool:
    """A worker pool served from this process for one embedded Flink job; `address` is what its
    EXTERNAL environment dials. `stop` ends the workers (also at exit)."""

    def __init__(self, workers: int, state_cache_mb: int) -> None:
        self.workers = workers
        self._scratch = Path(tempfile.mkdtemp(prefix="newsbeam-workers-"))
        launcher = write_worker_launcher(self._scratch, state_cache_mb << 20, exit_with_parent=True)
        self._pool, self._server, port = serve(0, str(launcher), self._scratch, LOOPBACK)
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
