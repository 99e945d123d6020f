"""`newsbeam lag`, `newsbeam status` and `newsbeam metrics serve|names`: the on-call views of pipelines/ops."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pipelines.cli.common import add_kafka_target, kafka_target, print_json, table


def add_ops_parsers(subparsers: Any) -> None:
    """Register `lag`, `status` and `metrics` on an argparse subparsers object."""
    add_lag_parser(subparsers)
    add_status_parser(subparsers)
    add_metrics_parser(subparsers)


# --------------------------------------------------------------------------------------------
# lag


def add_lag_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("lag", help="per-partition lag of the pipeline's consumer group",
                              description="Records (log-end minus committed offset) and seconds (age of the "
                              "last committed record while there is a backlog) per raw-topic partition.")
    add_kafka_target(p)
    p.add_argument("--topic", default=None, help="topic to measure (default: the raw topic)")
    p.add_argument("--no-times", action="store_true", help="skip the event-time lag (no record fetches)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cli_lag)
    return p


def cli_lag(args: argparse.Namespace) -> int:
    """Exit codes: 0 ok, 1 Kafka error or missing topic."""
    from pipelines.kafka.client import KafkaError
    from pipelines.ops.lag import consumer_lag, summarize

    target = kafka_target(args)
    topic = args.topic or target.topics.raw
    try:
        lags = consumer_lag(target.bootstrap, topic, args.group_id, with_times=not args.no_times,
                            client_config=target.client_config)
    except (KafkaError, LookupError) as exc:
        print(f"newsbeam lag: {target.bootstrap}: {exc}", file=sys.stderr)
        return 1
    total = summarize(lags)
    if args.json:
        print_json({"topic": topic, "group_id": args.group_id, **total, "partitions": [x.to_dict() for x in lags]})
        return 0
    rows = [{"partition": x.partition, "log_end": x.log_end, "committed": x.committed, "lag": x.lag,
             "lag_seconds": None if x.lag_seconds is None else round(x.lag_seconds, 1)} for x in lags]
    print(f"{topic}  group={args.group_id}")
    print(table(rows, ["partition", "log_end", "committed", "lag", "lag_seconds"]))
    worst = total["max_lag_seconds"]
    print(f"total lag {total['lag']} records" + ("" if worst is None else f", oldest {worst:.1f}s"))
    return 0


# --------------------------------------------------------------------------------------------
# status


def add_status_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("status", help="broker, topics and consumer group health in one view")
    add_kafka_target(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cli_status)
    return p


def cli_status(args: argparse.Namespace) -> int:
    """Exit codes: 0 ok, 2 degraded (topic missing/misconfigured, group problem), 1 broker down."""
    from pipelines.ops.status import DEGRADED, DOWN, OK, status

    target = kafka_target(args)
    report = status(target.bootstrap, target.topics, args.group_id, target.client_config)
    code = {OK: 0, DEGRADED: 2, DOWN: 1}[report["status"]]
    if args.json:
        print_json(report)
        return code
    broker = report["broker"]
    if broker["status"] == DOWN:
        print(f"broker  DOWN  {broker['bootstrap']}: {broker['error']}", file=sys.stderr)
        return code
    print(f"broker  ok  {broker['bootstrap']} cluster={broker['cluster_id']} brokers={broker['brokers']} "
          f"rtt={broker['rtt_ms']}ms")
    print(table(report["topics"], ["topic", "status", "partitions", "problem"]))
    group = report["group"]
    worst = group.get("max_lag_seconds")
    print(f"group   {group['status']}  {group['group_id']} state={group['state']} lag={group.get('lag')} records"
          + ("" if worst is None else f" oldest={worst:.1f}s")
          + (f"  ({group['problem']})" if group.get("problem") else ""))
    print(f"overall {report['status']}")
    return code


# --------------------------------------------------------------------------------------------
# metrics: the Kafka-side exporter alone (beside a Flink cluster, whose reporter serves the counters)


def add_metrics_port_argument(parser: argparse.ArgumentParser) -> None:
    """`--metrics-port N` for `newsbeam run` (0 = a free port; absent = no exporter)."""
    parser.add_argument("--metrics-port", type=int, default=None,
                        help="serve Prometheus metrics (job counters, Kafka lag) on this port")


def add_metrics_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("metrics", help="Prometheus exporter for lag and DLQ counts; metric names")
    sub = p.add_subparsers(dest="metrics_action", required=True)
    serve = sub.add_parser("serve", help="serve lag and DLQ metrics computed from Kafka until stopped")
    add_kafka_target(serve)
    serve.add_argument("--port", type=int, default=9310, help="HTTP port (default: %(default)s)")
    serve.add_argument("--addr", default="0.0.0.0", help="listen address (default: %(default)s)")
    serve.add_argument("--interval", type=float, default=15.0, help="seconds between Kafka polls")
    serve.set_defaults(func=cli_metrics_serve)
    names = sub.add_parser("names", help="list every metric name the pipeline exports (both runners)")
    names.set_defaults(func=cli_metrics_names)
    return p


def cli_metrics_serve(args: argparse.Namespace) -> int:
    import signal
    import threading

    from pipelines.ops.metrics_export import MetricsExporter

    target = kafka_target(args)
    exporter = MetricsExporter(args.port, bootstrap=target.bootstrap, topics=target.topics, group_id=args.group_id,
                               interval_s=args.interval, addr=args.addr, client_config=target.client_config)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    with exporter:
        print(f"serving metrics on http://{args.addr}:{exporter.port}/metrics", flush=True)
        done.wait()
    return 0


def cli_metrics_names(args: argparse.Namespace) -> int:
    from pipelines.ops import metric_names

    del args
    for name in sorted(metric_names.exported_names()):
        print(name)
    return 0
