"""Topic administration for the topics of DESIGN §4, with kafka-python's admin client.

Why here: topic layout (partitions, compaction, retention, size limits) is part of the
pipeline's contract — e.g. `news.stories.v1` must be compacted for story upserts to work —
so it is declared once (TOPIC_CONFIGS) and applied by `newsbeam topics create`, the demo and
the test fixtures alike.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import kafka.errors as kerrors
from kafka import TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, OffsetSpec

from pipelines import config
from pipelines.config import Topics

DAY_MS = 24 * 60 * 60 * 1000
# Raw pages go up to MAX_PAGE_BYTES; headers, Avro framing and batch overhead need headroom.
# Articles/stories can carry a whole page's text and DLQ records the original bytes.
MAX_MESSAGE_BYTES = config.MAX_PAGE_BYTES + 1024 * 1024


@dataclass(frozen=True)
class TopicSpec:
    """How one topic is created: partition count and topic-level configs (strings, as Kafka)."""

    partitions: int
    configs: Mapping[str, str] = field(default_factory=dict)


# Keyed by the `Topics` attribute (role), not the name, so every prefix gets the same layout.
TOPIC_CONFIGS: dict[str, TopicSpec] = {
    "raw": TopicSpec(
        4,
        {
            "cleanup.policy": "delete",
            "retention.ms": str(7 * DAY_MS),  # input is replayable for a week (backfills, fixes)
            "max.message.bytes": str(MAX_MESSAGE_BYTES),
        },
    ),
    "articles": TopicSpec(
        4,
        {
            "cleanup.policy": "delete",
            "retention.ms": str(7 * DAY_MS),
            "max.message.bytes": str(MAX_MESSAGE_BYTES),
        },
    ),
    "stories": TopicSpec(
        4,
        {
            # Upserts keyed by story_id: compaction keeps the latest version of every story.
            "cleanup.policy": "compact",
            # Consumers have an hour to see intermediate versions before they are compacted away.
            "min.compaction.lag.ms": str(60 * 60 * 1000),
            # ...and no version lingers uncompacted for more than a week.
            "max.compaction.lag.ms": str(7 * DAY_MS),
            # Roll segments daily so a quiet topic still gets compacted (active segment never is).
            "segment.ms": str(DAY_MS),
            "min.cleanable.dirty.ratio": "0.1",
            "delete.retention.ms": str(DAY_MS),  # tombstones stay visible a day
            "max.message.bytes": str(MAX_MESSAGE_BYTES),
        },
    ),
    "links": TopicSpec(
        4,
        {
            "cleanup.policy": "delete",
            "retention.ms": str(7 * DAY_MS),
        },
    ),
    "dlq": TopicSpec(
        1,
        {
            "cleanup.policy": "delete",
            "retention.ms": str(30 * DAY_MS),  # long enough for someone to look and replay
            # Retention counts from when the letter was written: its own timestamp is the failed
            # record's (kept in `failed_at`), and a backfill's letters would otherwise be deleted
            # at once. The other topics keep event time, which downstream consumers window on.
            "message.timestamp.type": "LogAppendTime",
            "max.message.bytes": str(MAX_MESSAGE_BYTES),
        },
    ),
}


def topic_specs(topics: Topics, partitions: int | None = None) -> dict[str, TopicSpec]:
    """Concrete topic name -> spec for a prefix; `partitions` overrides every topic's count."""
    specs = {}
    for role, spec in TOPIC_CONFIGS.items():
        name = getattr(topics, role)
        specs[name] = TopicSpec(partitions, spec.configs) if partitions else spec
    return specs


@contextlib.contextmanager
def admin_client(
    bootstrap: str,
    client_config: Mapping[str, Any] | None = None,
) -> Iterator[KafkaAdminClient]:
    """A closed-on-exit admin client; `client_config` passes SASL/SSL settings through."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="newsbeam-admin",
        **{"request_timeout_ms": 30000, "bootstrap_timeout_ms": 15000, **(client_config or {})},
    )
    try:
        yield admin
    finally:
        admin.close()


def create_topics(
    bootstrap: str,
    topics: Topics,
    partitions: int | None = None,
    *,
    replication_factor: int | None = None,
    client_config: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Create the project's topics; idempotent. Returns name -> "created" | "exists".

    Existing topics are left as they are (their configs are not altered): changing
    partitions or compaction of a live topic is a deliberate operation, not a side effect.
    Returns only after every topic has a leader for every partition, so producers can write
    immediately. `replication_factor` None = the cluster default.
    """
    specs = topic_specs(topics, partitions)
    request = {
        name: {
            "num_partitions": spec.partitions,
            "replication_factor": replication_factor or -1,
            "configs": dict(spec.configs),
        }
        for name, spec in specs.items()
    }
    result: dict[str, str] = {}
    with admin_client(bootstrap, client_config) as admin:
        response = admin.create_topics(request, raise_errors=False)
        for entry in response["topics"]:
            error = kerrors.for_code(entry["error_code"])
            if error is kerrors.NoError:
                result[entry["name"]] = "created"
            elif error is kerrors.TopicAlreadyExistsError:
                result[entry["name"]] = "exists"
            else:
                raise error(f"creating topic {entry['name']}: {entry.get('error_message')}")
        admin.wait_for_topics(list(specs), timeout_ms=30000)
    return {name: result[name] for name in specs}


def describe_topics(
    bootstrap: str,
    names: list[str] | Topics,
    *,
    client_config: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, Any] | None]:
    """Name -> {"partitions": n, "configs": {key: value}} (all effective configs), None if missing.

    Meant for checking what a cluster really has (tests, `topics list`), not for hot paths.
    """
    wanted = names.all() if isinstance(names, Topics) else list(names)
    with admin_client(bootstrap, client_config) as admin:
        present = set(admin.list_topics())
        existing = [n for n in wanted if n in present]
        out: dict[str, dict[str, Any] | None] = {n: None for n in wanted}
        if not existing:
            return out
        metadata = {t["name"]: t for t in admin.describe_topics(existing)}
        resources = [ConfigResource(ConfigResourceType.TOPIC, n) for n in existing]
        described = admin.describe_configs(resources, config_filter="all").get("topic", {})
    for name in existing:
        configs = {k: v.get("value") for k, v in described.get(name, {}).items()}
        out[name] = {"partitions": len(metadata[name]["partitions"]), "configs": configs}
    return out


def end_offsets(
    bootstrap: str,
    topic: str,
    *,
    client_config: Mapping[str, Any] | None = None,
) -> dict[int, int]:
    """Partition -> log end offset (the offset the next record will get)."""
    with admin_client(bootstrap, client_config) as admin:
        meta = admin.describe_topics([topic])
        if not meta or meta[0].get("error_code"):
            code = meta[0]["error_code"] if meta else kerrors.UnknownTopicOrPartitionError.errno
            raise kerrors.for_code(code)(f"topic {topic}")
        specs = {TopicPartition(topic, p["partition_index"]): OffsetSpec.LATEST for p in meta[0]["partitions"]}
        offsets = admin.list_partition_offsets(specs)
    return {tp.partition: int(o.offset) for tp, o in sorted(offsets.items())}


# --------------------------------------------------------------------------------------------
# CLI


def add_topics_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `topics create|list` on an argparse subparsers object."""
    p = subparsers.add_parser("topics", help="create or list the pipeline's Kafka topics")
    sub = p.add_subparsers(dest="topics_action", required=True)
    for action, help_text in (
        ("create", "create the topics of DESIGN §4 (idempotent)"),
        ("list", "show the topics, partitions and key configs"),
    ):
        sp = sub.add_parser(action, help=help_text)
        sp.add_argument(
            "--bootstrap",
            help="host:port (default: $NEWSBEAM_BOOTSTRAP, a `newsbeam kafka` "
            f"broker, else {config.DEFAULT_BOOTSTRAP})",
        )
        sp.add_argument("--prefix", default="", help="topic name prefix")
        sp.add_argument("--json", action="store_true", help="print machine-readable JSON")
        if action == "create":
            sp.add_argument("--partitions", type=int, help="partitions for every topic (default: per-topic layout)")
        sp.set_defaults(func=cli_topics)
    return p


def cli_topics(args: argparse.Namespace) -> int:
    """`newsbeam topics …`. Exit codes: 0 ok, 1 broker/admin error, 3 `list`: some missing."""
    from pipelines.kafka.broker import default_bootstrap  # no process code needed otherwise

    bootstrap = args.bootstrap or default_bootstrap()
    topics = Topics(args.prefix)
    try:
        if args.topics_action == "create":
            created = create_topics(bootstrap, topics, args.partitions)
            if args.json:
                print(json.dumps(created, sort_keys=True))
            for name, outcome in ({} if args.json else created).items():
                print(f"{name:40} {outcome}")
            return 0
        described = describe_topics(bootstrap, topics)
    except kerrors.KafkaError as exc:
        print(f"newsbeam topics: {bootstrap}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(described, sort_keys=True))
    else:
        for name, info in described.items():
            if info is None:
                print(f"{name:40} MISSING")
                continue
            cfg = info["configs"]
            print(
                f"{name:40} partitions={info['partitions']} "
                f"cleanup.policy={cfg.get('cleanup.policy')} "
                f"retention.ms={cfg.get('retention.ms')}"
            )
    return 0 if all(described.values()) else 3
