"""`newsbeam flink start|stop|status`: a standalone Flink session cluster on this machine
(pipelines/runners/flink_cluster.py); `newsbeam run --runner FlinkRunner --flink-master ADDRESS`
submits to it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_flink_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `flink start|stop|status` on an argparse subparsers object."""
    p = subparsers.add_parser("flink", help="a local standalone Flink 1.19 cluster (JobManager + TaskManagers)")
    sub = p.add_subparsers(dest="flink_action", required=True)
    start = sub.add_parser("start", help="start a JobManager, N TaskManagers and the Beam worker pool")
    start.add_argument("--taskmanagers", type=int, default=2, help="TaskManager processes (default: %(default)s)")
    start.add_argument("--slots", type=int, default=1, help="task slots per TaskManager (default: %(default)s)")
    start.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for registration")
    sub.add_parser("stop", help="stop every process of the cluster")
    status = sub.add_parser("status", help="TaskManagers, slots and running jobs")
    status.add_argument("--json", action="store_true", help="print machine-readable JSON")
    for parser in sub.choices.values():
        parser.set_defaults(func=cli_flink)
    return p


def cli_flink(args: argparse.Namespace) -> int:
    """Exit codes: 0 ok, 1 the cluster could not be started or is not running."""
    from pipelines.runners import flink_cluster

    if args.flink_action == "start":
        if args.taskmanagers < 1 or args.slots < 1:
            print("newsbeam flink start: --taskmanagers and --slots must be at least 1", file=sys.stderr)
            return 1
        try:
            state = flink_cluster.start(args.taskmanagers, args.slots, args.timeout)
        except flink_cluster.FlinkClusterError as exc:
            print(f"newsbeam flink start: {exc}", file=sys.stderr)
            return 1
        print(f"Flink cluster: http://{state.rest_address} ({args.taskmanagers} TaskManagers x {args.slots} slots)")
        print(f"submit with: newsbeam run --runner FlinkRunner --flink-master {state.rest_address}")
        print(f"logs: {flink_cluster.cluster_dir() / 'log'}")
        return 0
    if args.flink_action == "stop":
        print("stopped" if flink_cluster.stop() else "no Flink cluster was running")
        return 0
    status = flink_cluster.status()
    if args.json:
        print(json.dumps(status, sort_keys=True))
    elif status["running"]:
        print(f"running at http://{status['rest']}: {status['taskmanagers']} TaskManagers, "
              f"{status['slots_available']}/{status['slots_total']} slots free, {status['jobs_running']} jobs running")
    else:
        print("not running" + (f" ({status['error']})" if "error" in status else ""))
    return 0 if status["running"] else 1
