"""`newsbeam status`: is the deployment healthy, from Kafka's side, in one command.

Checks, in order: the broker answers; every topic of DESIGN §4 exists with at least the declared
partitions and the declared configs (pipelines.kafka.admin.TOPIC_CONFIGS, e.g. the stories topic must stay
compacted or upserts silently stop working); the pipeline's consumer group and its lag.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from pipelines.config import Topics
from pipelines.kafka.admin import describe_topics, topic_specs
from pipelines.kafka.client import admin_client, describe_group
from pipelines.ops.lag import consumer_lag, summarize

OK, DEGRADED, DOWN = "ok", "degraded", "down"


def check_broker(bootstrap: str, client_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Cluster id, broker count and round-trip time, or the error."""
    t0 = time.monotonic()
    try:
        with admin_client(bootstrap, client_config, bootstrap_timeout_ms=5000) as admin:
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
    described = describe_group(bootstrap, group_id, client_config)
    state = described.get("group_state") or "Unknown"
    info: dict[str, Any] = {"group_id": group_id, "state": state, "members": len(described.get("members") or [])}
    try:
        lags = consumer_lag(bootstrap, topics.raw, group_id, client_config=client_config)
    except LookupError as exc:
        return {**info, "status": DEGRADED, "problem": str(exc)}
    info.update(summarize(lags))
    info["committed_partitions"] = sum(1 for x in lags if x.committed is not None)
    # Records wait on partitions the group has never committed: either no pipeline runs with this
    # group or it reads without committing; in both cases nothing proves progress.
    waiting_uncommitted = sum(x.lag for x in lags if x.committed is None)
    info["status"] = OK if state in ("Empty", "Stable", "Dead") and not waiting_uncommitted else DEGRADED
    if waiting_uncommitted:
        info["problem"] = (f"{waiting_uncommitted} records wait on partitions the group has never committed "
                           "(no pipeline running with this group, or one that does not commit)")
    elif state == "Dead":
        # "Dead" = the group has never committed: normal before the first run, worth a look after.
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
