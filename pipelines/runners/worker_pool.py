"""The Beam Python worker pool that Flink's EXTERNAL environment starts SDK workers through.

Beam's own `worker_pool_main` starts each worker with the SDK's state cache at 0 bytes and does
not read the job's `--max_cache_memory_usage_mb`, so every state read of dedup would be a round
trip to the TaskManager. This entry point starts the same pool (one process per worker) with the
cache on, and each worker through `sdk-worker` below, which installs the SDK patches
(pipelines/beam/sdk_patches.py) before the harness starts; the deployment image runs it next to
each TaskManager (deploy/docker, deploy/k8s).

    python -m pipelines.runners.worker_pool --service-port 50000 [--state-cache-mb 256]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import grpc
from apache_beam.portability.api import beam_fn_api_pb2, beam_fn_api_pb2_grpc
from apache_beam.runners.worker.worker_pool_main import BeamFnExternalWorkerPoolServicer, kill_process_gracefully
from apache_beam.utils import thread_pool_executor

from pipelines.config import SDK_STATE_CACHE_MB
from pipelines.runners.flink import ENDED_JOB_STATES

LOG = logging.getLogger("newsbeam.worker_pool")
POOL_RUNNER = "FlinkRunner"  # the runner whose workers this pool hosts (its EXTERNAL environment)
WORKER_COMMAND = "sdk-worker"
LOOPBACK = "127.0.0.1"
STARTUP_GRACE_S = 3.0  # a worker still running after this has passed its imports and dialled the runner
STOP_GRACE_S = 5.0  # how long StopWorker waits for the worker of a closed control stream to go
REAP_EVERY_S = 10.0


def pool_settings(argv: list[str] | None = None) -> dict:
    """Keyword arguments for BeamFnExternalWorkerPoolServicer.start, from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.runners.worker_pool", description=__doc__.splitlines()[0])
    parser.add_argument("--service-port", "--service_port", dest="port", type=int, default=50000)
    parser.add_argument("--state-cache-mb", type=int,
                        default=int(os.environ.get("NEWSBEAM_STATE_CACHE_MB", SDK_STATE_CACHE_MB)),
                        help="SDK state cache per worker process (env NEWSBEAM_STATE_CACHE_MB)")
    parser.add_argument("--bind", default=LOOPBACK,
                        help="address to listen on (default %(default)s: only this host's TaskManagers)")
    parser.add_argument("--flink-rest", default=None, metavar="HOST:PORT",
                        help="the Flink cluster's REST address: workers are stopped once it runs no job")
    parser.add_argument("--container-executable", default=None,
                        help="a Beam SDK container boot binary, when workers must start through one "
                             "(its workers run without the SDK patches)")
    args = parser.parse_args(argv)
    if args.state_cache_mb < 0:
        parser.error("--state-cache-mb must be >= 0")
    return {"port": args.port, "bind": args.bind, "state_cache_size": args.state_cache_mb << 20,
            "container_executable": args.container_executable, "flink_rest": args.flink_rest}


def write_worker_launcher(directory: Path, state_cache_size: int, exit_with_parent: bool = False) -> Path:
    """An executable that starts one worker through `sdk-worker`, for the pool's
    `container_executable` slot (Beam passes it the worker's id and endpoints as flags).
    `exit_with_parent`: each worker ends when the process that started it (the pool) is gone."""
    launcher = directory / "newsbeam-sdk-worker"
    command = [sys.executable, "-m", "pipelines.runners.worker_pool", WORKER_COMMAND,
               f"--state-cache-size={state_cache_size}"]
    if exit_with_parent:
        command.append("--exit-with-parent")
    launcher.write_text(f'#!/bin/sh\nexec {shlex.join(command)} "$@"\n')
    launcher.chmod(launcher.stat().st_mode | stat.S_IXUSR)
    return launcher


def run_worker(argv: list[str]) -> int:
    """One SDK worker process: the SDK patches for this pool's runner, then Beam's SDK harness on
    the control endpoint the pool was given (the endpoints for logging, artifacts and provisioning
    are not used, as in Beam's own process workers)."""
    from apache_beam.runners.worker.sdk_worker import SdkHarness

    from pipelines.beam.sdk_patches import install

    parser = argparse.ArgumentParser(prog=f"python -m pipelines.runners.worker_pool {WORKER_COMMAND}")
    parser.add_argument("--id")
    parser.add_argument("--control_endpoint")
    parser.add_argument("--state-cache-size", type=int, required=True)
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="end when the process that started this worker is gone")
    parser.add_argument("--warm", metavar="READY_FILE",
                        help="import everything first, create READY_FILE, then read '<id> <control endpoint>' "
                             "from stdin")
    args, _endpoints = parser.parse_known_args(argv)
    logging.basicConfig(level=logging.WARNING)  # into the pool's per-worker log file
    if args.exit_with_parent:
        _exit_with_parent(os.getppid())
    install(POOL_RUNNER)
    if args.warm:
        import pipelines.beam.job  # noqa: F401 - what unpickling the job's steps would import later

        Path(args.warm).touch()
        assignment = sys.stdin.readline().split()
        if len(assignment) != 2:
            return 0  # the pool stopped without handing this worker a job
        args.id, args.control_endpoint = assignment
    elif not (args.id and args.control_endpoint):
        parser.error("--id and --control_endpoint are required without --warm")
    SdkHarness(args.control_endpoint, worker_id=args.id, state_cache_size=args.state_cache_size).run()
    return 0


def _exit_with_parent(parent_pid: int, every_s: float = 1.0) -> None:
    """End this process once its parent is gone (it is then re-parented). A pool inside `newsbeam
    run` starts its workers from gRPC threads, so a parent-death signal, which the kernel ties to
    the starting thread, would end a worker when that thread ends, not with the launcher."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(every_s)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class WorkerPool(BeamFnExternalWorkerPoolServicer):
    """Beam's external worker pool service, made safe for one pool shared by several TaskManagers:

    * a worker is known by its id *and* its control endpoint: every TaskManager numbers its
      workers from `1-1`, so a table keyed by the id alone forgets one TaskManager's worker when
      another's starts, and the forgotten worker outlives its job;
    * StopWorker carries only the id, so it stops the worker of that id that lost its runner (its
      control endpoint no longer answers); a reaper does the same for workers whose TaskManager
      died without asking;
    * a worker that exits at once is reported to the runner with its own error output, so the job
      fails with the worker's reason instead of waiting in INITIALIZING;
    * given the cluster's REST address, the reaper stops every worker once the cluster runs no
      job: after a restore, Beam's Flink runner kept the environment of the failed attempt on the
      surviving TaskManager (its control endpoint still answering) until the TaskManager exited."""

    def __init__(self, launcher: str, log_dir: Path, flink_rest: str | None = None) -> None:
        self._launcher = launcher
        self._log_dir = log_dir
        self._flink_rest = flink_rest
        self._started = 0
        self._workers: dict[tuple[str, str], subprocess.Popen] = {}
        self._lock = threading.Lock()

    def StartWorker(self, request, context):  # noqa: N802 (the gRPC method's name)
        command = [self._launcher, f"--id={request.worker_id}",
                   f"--logging_endpoint={request.logging_endpoint.url}",
                   f"--artifact_endpoint={request.artifact_endpoint.url}",
                   f"--provision_endpoint={request.provision_endpoint.url}",
                   f"--control_endpoint={request.control_endpoint.url}"]
        self._started += 1
        log_path = self._log_dir / f"worker-{self._started}.log"
        try:
            with open(log_path, "wb") as log:
                process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, close_fds=True)
            process.wait(timeout=STARTUP_GRACE_S)
        except subprocess.TimeoutExpired:
            with self._lock:
                self._workers[(request.worker_id, request.control_endpoint.url)] = process
            LOG.info("worker %s started for %s (pid %d, log %s)", request.worker_id, request.control_endpoint.url,
                     process.pid, log_path)
            return beam_fn_api_pb2.StartWorkerResponse()
        except OSError as exc:
            return beam_fn_api_pb2.StartWorkerResponse(error=f"worker {request.worker_id} did not start: {exc}")
        tail = log_path.read_bytes()[-4000:].decode("utf-8", "replace")
        LOG.error("worker %s exited with %s at start:\n%s", request.worker_id, process.returncode, tail)
        return beam_fn_api_pb2.StartWorkerResponse(
            error=f"worker {request.worker_id} exited with {process.returncode} at start:\n{tail}")

    def StopWorker(self, request, context):  # noqa: N802
        deadline = time.monotonic() + STOP_GRACE_S
        while True:
            with self._lock:
                mine = {key: proc for key, proc in self._workers.items() if key[0] == request.worker_id}
            orphans = [key for key, proc in mine.items() if proc.poll() is not None or not _answers(key[1])]
            if orphans or len(mine) <= 1 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        # Beam's own rule (stop the one worker of that id) where the id is unambiguous.
        for key in orphans or list(mine)[: 1 if len(mine) == 1 else 0]:
            self._stop(key)
        return beam_fn_api_pb2.StopWorkerResponse()

    def _stop(self, key: tuple[str, str]) -> None:
        with self._lock:
            process = self._workers.pop(key, None)
        if process is not None:
            LOG.info("stopping worker %s of %s", *key)
            kill_process_gracefully(process)

    def reap(self) -> None:
        """Stop workers whose runner is gone (a TaskManager killed without a StopWorker), and all
        of them when the cluster runs no job."""
        with self._lock:
            keys = list(self._workers.items())
        if keys and self._flink_rest and _runs_no_job(self._flink_rest):
            LOG.info("the Flink cluster at %s runs no job: stopping its %d workers", self._flink_rest, len(keys))
            self.stop_all()
            return
        for key, process in keys:
            if process.poll() is not None or not _answers(key[1]):
                self._stop(key)

    def stop_all(self) -> None:
        with self._lock:
            keys = list(self._workers)
        for key in keys:
            self._stop(key)


def _answers(url: str) -> bool:
    """Whether the control endpoint `host:port` still accepts connections."""
    host, _, port = url.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout=1.0):
            return True
    except (OSError, ValueError):
        return False


def _runs_no_job(flink_rest: str) -> bool:
    """Whether the Flink cluster at `flink_rest` answers and has no job that has not ended (False
    when it cannot be asked: never stop workers on a guess)."""
    try:
        with urllib.request.urlopen(f"http://{flink_rest}/jobs/overview", timeout=5) as response:
            jobs = json.loads(response.read())["jobs"]
    except (OSError, ValueError, KeyError):
        return False
    return all(job.get("state") in ENDED_JOB_STATES for job in jobs)


def serve(port: int, launcher: str, log_dir: Path, bind: str = LOOPBACK,
          flink_rest: str | None = None) -> tuple[WorkerPool, grpc.Server, int]:
    """Start the pool's gRPC service on `bind:port` (port 0: any free one); returns the bound port.
    Each worker's output goes to a file of its own under `log_dir`."""
    pool = WorkerPool(launcher, log_dir, flink_rest)
    server, bound = serve_pool(pool, port, bind)
    return pool, server, bound


def serve_pool(pool: WorkerPool, port: int, bind: str = LOOPBACK) -> tuple[grpc.Server, int]:
    """Serve `pool` on `bind:port` (port 0: any free one); returns the server and the bound port."""
    server = grpc.server(thread_pool_executor.shared_unbounded_instance(),
                         options=[("grpc.http2.max_pings_without_data", 0), ("grpc.http2.max_ping_strikes", 0)])
    bound = server.add_insecure_port(f"{bind}:{port}")
    beam_fn_api_pb2_grpc.add_BeamFnExternalWorkerPoolServicer_to_server(pool, server)
    server.start()
    return server, bound


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [WORKER_COMMAND]:
        return run_worker(argv[1:])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = pool_settings(argv)
    with tempfile.TemporaryDirectory(prefix="newsbeam-pool-") as scratch:
        launcher = settings["container_executable"]
        if launcher is None:
            launcher = str(write_worker_launcher(Path(scratch), settings["state_cache_size"]))
        else:
            LOG.warning("workers start through %s: the SDK patches (pipelines/beam/sdk_patches.py) are not "
                        "installed in them", launcher)
        pool, server, port = serve(settings["port"], launcher, Path(scratch), settings["bind"], settings["flink_rest"])
        LOG.info("worker pool on %s:%d, state cache %d MB per worker", settings["bind"], port,
                 settings["state_cache_size"] >> 20)
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        while not stop.wait(REAP_EVERY_S):
            pool.reap()
        server.stop(5).wait()
        pool.stop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
