"""`newsbeam kafka start|stop|status`: the local single-node broker of pipelines/kafka/broker.py."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pipelines import config
from pipelines.kafka import broker


def _default_port() -> int:
    try:
        return int(config.DEFAULT_BOOTSTRAP.split(",")[0].rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 9092


def add_kafka_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `kafka start|stop|status` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "kafka",
        help="run a local single-node Kafka broker (KRaft, from Maven jars)",
        description="Start, stop or inspect a local Kafka broker that keeps running in the "
        "background; its state lives in --state-dir.",
    )
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument("--port", type=int, default=_default_port(),
                   help="client port on 127.0.0.1 (0 = a free one; default %(default)s)")
    p.add_argument("--data-dir", type=Path, help="broker data (default: STATE_DIR/data)")
    p.add_argument("--state-dir", type=Path,
                   help=f"where the state file lives (default: {broker.default_state_dir()})")
    p.add_argument("--timeout", type=float, default=90.0, help="seconds to wait (start/stop)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(func=cli_kafka)
    return p


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    print(json.dumps(data, sort_keys=True) if args.json else text)


def cli_kafka(args: argparse.Namespace) -> int:
    """`newsbeam kafka …`. Exit codes: 0 ok/running, 1 failure, 3 status: not running."""
    state_dir = args.state_dir or broker.default_state_dir()
    if args.action == "status":
        st = broker.status(state_dir)
        if st["running"]:
            text = f"running: bootstrap={st['bootstrap']} pid={st['pid']} ready={st['ready']} log={st['log_path']}"
        else:
            text = f"not running (state: {st['state_file']})"
        _emit(args, st, text)
        return 0 if st["running"] else 3
    if args.action == "stop":
        handle = broker.load_state(state_dir)
        stopped = broker.stop(state_dir=state_dir, timeout=args.timeout)
        _emit(args, {"stopped": stopped, "pid": handle.pid if handle else None},
              f"stopped pid {handle.pid}" if stopped and handle else "not running")
        return 0
    try:
        handle, already = broker.start_once(state_dir, args.data_dir, args.port, timeout=args.timeout)
    except broker.KafkaBrokerError as exc:
        print(f"newsbeam kafka start: {exc}", file=sys.stderr)
        return 1
    if already:
        _emit(args, {**handle.to_dict(), "running": True, "ready": False, "already_running": True},
              f"already running: bootstrap={handle.bootstrap} pid={handle.pid}")
        return 0
    _emit(args, {**handle.to_dict(), "running": True},
          f"Kafka {handle.version} running: bootstrap={handle.bootstrap} pid={handle.pid} "
          f"log={handle.log_path}\n(export NEWSBEAM_BOOTSTRAP={handle.bootstrap} for other tools)")
    return 0
