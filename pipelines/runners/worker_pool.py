"""The Beam Python worker pool that Flink's EXTERNAL environment starts SDK workers through.

Beam's own `worker_pool_main` starts each worker with the SDK's state cache at 0 bytes and does
not read the job's `--max_cache_memory_usage_mb`, so every state read of dedup would be a round
trip to the TaskManager. This entry point starts the same pool (one process per worker) with the
cache on; the deployment image runs it next to each TaskManager (deploy/docker, deploy/k8s).

    python -m pipelines.runners.worker_pool --service-port 50000 [--state-cache-mb 256]
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading

from pipelines.config import SDK_STATE_CACHE_MB

LOG = logging.getLogger("newsbeam.worker_pool")


def pool_settings(argv: list[str] | None = None) -> dict:
    """Keyword arguments for BeamFnExternalWorkerPoolServicer.start, from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.runners.worker_pool", description=__doc__.splitlines()[0])
    parser.add_argument("--service-port", "--service_port", dest="port", type=int, default=50000)
    parser.add_argument("--state-cache-mb", type=int,
                        default=int(os.environ.get("NEWSBEAM_STATE_CACHE_MB", SDK_STATE_CACHE_MB)),
                        help="SDK state cache per worker process (env NEWSBEAM_STATE_CACHE_MB)")
    parser.add_argument("--container-executable", default=None,
                        help="a Beam SDK container boot binary, when workers must start through one")
    args = parser.parse_args(argv)
    if args.state_cache_mb < 0:
        parser.error("--state-cache-mb must be >= 0")
    return {"port": args.port, "use_process": True, "state_cache_size": args.state_cache_mb << 20,
            "container_executable": args.container_executable}


def main(argv: list[str] | None = None) -> int:
    from apache_beam.runners.worker.worker_pool_main import BeamFnExternalWorkerPoolServicer

    logging.basicConfig(level=logging.INFO)
    settings = pool_settings(argv)
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
