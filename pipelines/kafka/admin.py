"""Topic administration for the topics of DESIGN §4, with kafka-python's admin client.

Why here: topic layout (partitions, compaction, retention, size limits) is part of the
pipeline's contract — e.g. `news.stories.v1` must be compacted for story upserts to work —
so it is declared once (TOPIC_CONFIGS) and applied by `newsbeam topics create`, the demo and
the test fixtures alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import kafka.errors as kerrors
from kafka.admin import ConfigResource, ConfigResourceType

from pipelines import config
from pipelines.config import Topics
from pipelines.kafka.client import TopicNotFound, admin_client, consumer_client, partition_offsets

__all__ = ["TOPIC_CONFIGS", "TopicSpec", "admin_client", "create_topics", "describe_topics", "end_offsets",
           "topic_specs"]

DAY_MS = 24 * 60 * 60 * 1000


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
            "max.message.bytes": str(config.MAX_MESSAGE_BYTES),
        },
    ),
    "articles": TopicSpec(
        4,
        {
            "cleanup.policy": "delete",
            "retention.ms": str(7 * DAY_MS),
            "max.message.bytes": str(config.MAX_MESSAGE_BYTES),
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
            "max.message.bytes": str(config.MAX_MESSAGE_BYTES),
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
            "max.message.bytes": str(config.MAX_MESSAGE_BYTES),
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


def create_topics(
    bootstrap: str,
    topics: Topics,
    partitions: int | None = None,
    *,
    replication_factor: int | None = None,
    client_config: Mapping[str, Any] | None = None,
    keep_all: bool = False,
) -> dict[str, str]:
    """Create the project's topics; idempotent. Returns name -> "created" | "exists".

    `keep_all`: the topics keep every record whatever its timestamp (`retention.ms=-1`), for a
    crawl stamped further back than the raw topic's retention (the benchmarks' spread feeds).

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
            "configs": {**spec.configs, **({"retention.ms": "-1"} if keep_all else {})},
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
    with consumer_client(bootstrap, client_config) as kconsumer:
        try:
            return {o.partition: o.end for o in partition_offsets(kconsumer, topic)}
        except TopicNotFound as exc:
            raise kerrors.UnknownTopicOrPartitionError(str(exc)) from exc
