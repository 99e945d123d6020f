"""What every `newsbeam` command that talks to Kafka shares: the target flags and the output helpers."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipelines import config
from pipelines.config import Topics


def add_kafka_target(parser: argparse.ArgumentParser, *, group: bool = True) -> None:
    """--bootstrap, --kafka-config, --prefix (and --group-id): the same flags on every Kafka command."""
    parser.add_argument("--bootstrap", default=None,
                        help="Kafka bootstrap servers (default: $NEWSBEAM_BOOTSTRAP, else the broker "
                        f"`newsbeam kafka start` runs, else {config.DEFAULT_BOOTSTRAP})")
    parser.add_argument("--kafka-config", metavar="FILE", default=None,
                        help="Kafka client properties (security.protocol, sasl.mechanism, sasl.jaas.config or "
                        "sasl.username/sasl.password, ssl.*) for every client the command creates")
    parser.add_argument("--prefix", default="", help="topic name prefix")
    if group:
        parser.add_argument("--group-id", default=config.DEFAULT_GROUP_ID,
                            help="the pipeline's consumer group (default: %(default)s)")


@dataclass(frozen=True)
class KafkaTarget:
    """Where a command reads and writes: the cluster (one rule), the client settings and the topics."""

    bootstrap: str
    client_config: dict[str, Any]
    topics: Topics


def kafka_target(args: argparse.Namespace) -> KafkaTarget:
    """The target the flags of `add_kafka_target` name; exits with a message on a bad --kafka-config."""
    from pipelines.kafka.client import KafkaConfigError, load_client_config, resolve_bootstrap

    try:
        client_config = load_client_config(getattr(args, "kafka_config", None))
    except KafkaConfigError as exc:
        print(f"newsbeam {getattr(args, 'command', '')}: --kafka-config: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    return KafkaTarget(resolve_bootstrap(getattr(args, "bootstrap", None)), client_config,
                       Topics(getattr(args, "prefix", "") or ""))


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A plain left/right aligned text table (numbers right-aligned); '-' for None."""
    cells = [[("-" if row.get(c) is None else str(row.get(c))) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [all(_is_number(row.get(c)) for row in rows) for c in columns]

    def line(values: Sequence[str]) -> str:
        cells = (v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True))
        return "  ".join(cells).rstrip()

    return "\n".join([line(list(columns))] + [line(r) for r in cells])


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def print_json(data: Any) -> None:
    print(json.dumps(data, sort_keys=True, default=str))
