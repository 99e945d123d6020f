"""`newsbeam status`: is the deployment healthy, from Kafka's side, in one command.

Checks, in order: the broker answers; every topic of DESIGN §4 exists with at least the declared
partitions and the declared configs (kafka_admin.TOPIC_CONFIGS, e.g. the stories topic must stay
compacted or upserts silently stop working); the pipeline's consumer group and its lag.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from typing import Any

from pipelines.config import Topics
from pipelines.ops.common import add_target_arguments, bootstrap_of, print_json, table, topics_of

OK, DEGRADED, DOWN = "ok", "degraded", "down"


def check_broker(bootstrap: str, client_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Cluster id, broker count and round-trip time, or the error."""
    from pipelines.kafka.admin import admin_client

    t0 = time.monotonic()
    try:
        with admin_client(bootstrap, {"bootstrap_timeout_ms": 5000, **(client_config or {})}) as admin:
            cluster = admin.describe_cluster()
    except Exception as exc:  # any failure here means "not reachable" to the on-call engineer
        return {"status": DOWN, "bootstrap": bootstrap, "error": f"{type(exc).__name__}: {exc}"}
    return {
        "status": OK,
        "bootstrap": bootstrap,
        "cluster_id": cluster.get("cluster_id"),
        "brokers": len(cluster.get("brokers") or []),
        "controller_id": cluster.get("controller_id"),
        "rtt_ms": round((time.monotonic() - t0) * 1000, 1),
    }


def check_topics(bootstrap: str, topics: Topics, client_config: Mapping[str, Any] | None = None) -> list[dict]:
    """Per topic: present, partitions vs declared, and every declared config that differs."""
    from pipelines.kafka.admin import describe_topics, topic_specs

    specs = topic_specs(topics)
    described = describe_topics(bootstrap, list(specs), client_config=client_config)
    out = []
    for name, spec in specs.items():
        info = described.get(name)
        if info is None:
            out.append({"topic": name, "status": DEGRADED, "problem": "missing"})
            continue
        problems = []
        if info["partitions"] < spec.partitions:
            problems.append(f"partitions {info['partitions']} < {spec.partitions}")
        for key, want in spec.configs.items():
            have = info["configs"].get(key)
            if have != want:
                problems.append(f"{key}={have} (want {want})")
        out.append({"topic": name, "status": DEGRADED if problems else OK, "partitions": info["partitions"],
                    "problem": "; ".join(problems) or None})
    return out


def check_group(bootstrap: str, topics: Topics, group_id: str,
                client_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Group state (Empty is normal: the pipeline assigns partitions itself) and its lag."""
    from pipelines.kafka.admin import admin_client
    from pipelines.ops.lag import consumer_lag, summarize

    with admin_client(bootstrap, client_config) as admin:
        described = admin.describe_groups([group_id]).get(group_id, {})
    state = described.get("group_state") or "Unknown"
    info: dict[str, Any] = {"group_id": group_id, "state": state, "members": len(described.get("members") or [])}
    try:
        lags = consumer_lag(bootstrap, topics.raw, group_id, client_config=client_config)
    except LookupError as exc:
        return {**info, "status": DEGRADED, "problem": str(exc)}
    info.update(summarize(lags))
    info["committed_partitions"] = sum(1 for x in lags if x.committed is not None)
    # "Dead" = the group has never committed: normal before the first run, worth a look after.
    info["status"] = OK if state in ("Empty", "Stable", "Dead") else DEGRADED
    if state == "Dead":
        info["problem"] = "no committed offsets yet (never run with this group?)"
    return info


def status(bootstrap: str, topics: Topics, group_id: str,
           client_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything `newsbeam status` reports, with an overall ok | degraded | down."""
    broker = check_broker(bootstrap, client_config)
    if broker["status"] == DOWN:
        return {"status": DOWN, "broker": broker, "topics": [], "group": None}
    topic_rows = check_topics(bootstrap, topics, client_config)
    group = check_group(bootstrap, topics, group_id, client_config)
    worst = DEGRADED if any(r["status"] != OK for r in topic_rows) or group["status"] != OK else OK
    return {"status": worst, "broker": broker, "topics": topic_rows, "group": group}


def add_status_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `newsbeam status` on an argparse subparsers object."""
    p = subparsers.add_parser("status", help="broker, topics and consumer group health in one view")
    add_target_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cli_status)
    return p


def cli_status(args: argparse.Namespace) -> int:
    """Exit codes: 0 ok, 2 degraded (topic missing/misconfigured, group problem), 1 broker down."""
    report = status(bootstrap_of(args), topics_of(args), args.group_id)
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
          + ("" if worst is None else f" oldest={worst:.1f}s") + (f"  ({group['problem']})" if group.get("problem")
                                                                   else ""))
    print(f"overall {report['status']}")
    return code
