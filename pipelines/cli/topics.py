"""`newsbeam topics create|list`: the topic layout of pipelines/kafka/admin.py on a cluster."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pipelines.cli.common import add_kafka_target, kafka_target


def add_topics_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `topics create|list` on an argparse subparsers object."""
    p = subparsers.add_parser("topics", help="create or list the pipeline's Kafka topics")
    sub = p.add_subparsers(dest="topics_action", required=True)
    for action, help_text in (
        ("create", "create the topics of DESIGN §4 (idempotent)"),
        ("list", "show the topics, partitions and key configs"),
    ):
        sp = sub.add_parser(action, help=help_text)
        add_kafka_target(sp, group=False)
        sp.add_argument("--json", action="store_true", help="print machine-readable JSON")
        if action == "create":
            sp.add_argument("--partitions", type=int, help="partitions for every topic (default: per-topic layout)")
        sp.set_defaults(func=cli_topics)
    return p


def cli_topics(args: argparse.Namespace) -> int:
    """`newsbeam topics …`. Exit codes: 0 ok, 1 broker/admin error, 3 `list`: some missing."""
    from pipelines.kafka.admin import create_topics, describe_topics
    from pipelines.kafka.client import KafkaError

    target = kafka_target(args)
    try:
        if args.topics_action == "create":
            created = create_topics(target.bootstrap, target.topics, args.partitions,
                                    client_config=target.client_config)
            if args.json:
                print(json.dumps(created, sort_keys=True))
            for name, outcome in ({} if args.json else created).items():
                print(f"{name:40} {outcome}")
            return 0
        described = describe_topics(target.bootstrap, target.topics, client_config=target.client_config)
    except KafkaError as exc:
        print(f"newsbeam topics: {target.bootstrap}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(described, sort_keys=True))
    else:
        for name, info in described.items():
            if info is None:
                print(f"{name:40} MISSING")
                continue
            cfg = info["configs"]
            print(f"{name:40} partitions={info['partitions']} cleanup.policy={cfg.get('cleanup.policy')} "
                  f"retention.ms={cfg.get('retention.ms')}")
    return 0 if all(described.values()) else 3
