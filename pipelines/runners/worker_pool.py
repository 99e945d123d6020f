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
import logging
import os
import shlex
import signal
import stat
import sys
import tempfile
import threading
from pathlib import Path

from pipelines.config import SDK_STATE_CACHE_MB

LOG = logging.getLogger("newsbeam.worker_pool")
POOL_RUNNER = "FlinkRunner"  # the runner whose workers this pool hosts (its EXTERNAL environment)
WORKER_COMMAND = "sdk-worker"


def pool_settings(argv: list[str] | None = None) -> dict:
    """Keyword arguments for BeamFnExternalWorkerPoolServicer.start, from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.runners.worker_pool", description=__doc__.splitlines()[0])
    parser.add_argument("--service-port", "--service_port", dest="port", type=int, default=50000)
    parser.add_argument("--state-cache-mb", type=int,
                        default=int(os.environ.get("NEWSBEAM_STATE_CACHE_MB", SDK_STATE_CACHE_MB)),
                        help="SDK state cache per worker process (env NEWSBEAM_STATE_CACHE_MB)")
    parser.add_argument("--container-executable", default=None,
                        help="a Beam SDK container boot binary, when workers must start through one "
                             "(its workers run without the SDK patches)")
    args = parser.parse_args(argv)
    if args.state_cache_mb < 0:
        parser.error("--state-cache-mb must be >= 0")
    return {"port": args.port, "use_process": True, "state_cache_size": args.state_cache_mb << 20,
            "container_executable": args.container_executable}


def write_worker_launcher(directory: Path, state_cache_size: int) -> Path:
    """An executable that starts one worker through `sdk-worker`, for the pool's
    `container_executable` slot (Beam passes it the worker's id and endpoints as flags)."""
    launcher = directory / "newsbeam-sdk-worker"
    command = [sys.executable, "-m", "pipelines.runners.worker_pool", WORKER_COMMAND,
               f"--state-cache-size={state_cache_size}"]
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
    parser.add_argument("--id", required=True)
    parser.add_argument("--control_endpoint", required=True)
    parser.add_argument("--state-cache-size", type=int, required=True)
    args, _endpoints = parser.parse_known_args(argv)
    logging.basicConfig(level=logging.INFO)
    install(POOL_RUNNER)
    SdkHarness(args.control_endpoint, worker_id=args.id, state_cache_size=args.state_cache_size).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [WORKER_COMMAND]:
        return run_worker(argv[1:])
    from apache_beam.runners.worker.worker_pool_main import BeamFnExternalWorkerPoolServicer

    logging.basicConfig(level=logging.INFO)
    settings = pool_settings(argv)
    with tempfile.TemporaryDirectory(prefix="newsbeam-pool-") as scratch:
        if settings["container_executable"] is None:
            settings["container_executable"] = str(write_worker_launcher(Path(scratch), settings["state_cache_size"]))
        else:
            LOG.warning("workers start through %s: the SDK patches (pipelines/beam/sdk_patches.py) are not "
                        "installed in them", settings["container_executable"])
        address, server = BeamFnExternalWorkerPoolServicer.start(**settings)
        LOG.info("worker pool on %s, state cache %d MB per worker", address, settings["state_cache_size"] >> 20)
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        stop.wait()
        server.stop(5).wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
