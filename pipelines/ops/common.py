"""Shared pieces of the ops commands: Kafka target arguments, clients and tables."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pipelines import config
from pipelines.config import Topics


def add_target_arguments(parser: argparse.ArgumentParser, *, group: bool = True) -> None:
    """--bootstrap, --prefix (and --group-id): the same target flags as `newsbeam run`."""
    parser.add_argument("--bootstrap", default=None,
                        help="Kafka bootstrap servers (default: $NEWSBEAM_BOOTSTRAP, a `newsbeam kafka` "
                        f"broker, else {config.DEFAULT_BOOTSTRAP})")
    parser.add_argument("--prefix", default="", help="topic name prefix")
    if group:
        parser.add_argument("--group-id", default=config.DEFAULT_GROUP_ID,
                            help="the pipeline's consumer group (default: %(default)s)")


def bootstrap_of(args: argparse.Namespace) -> str:
    """An explicit --bootstrap, else what `newsbeam kafka` and the environment say."""
    if getattr(args, "bootstrap", None):
        return str(args.bootstrap)
    from pipelines.kafka.broker import default_bootstrap

    return default_bootstrap()


def topics_of(args: argparse.Namespace) -> Topics:
    return Topics(getattr(args, "prefix", "") or "")


def consumer(bootstrap: str, client_config: Mapping[str, Any] | None = None, **overrides: Any) -> Any:
    """A group-less, never-committing consumer: looking must not move anybody's offsets."""
    from kafka import KafkaConsumer

    settings: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "group_id": None,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "client_id": "newsbeam-ops",
        "request_timeout_ms": 30000,
    }
    settings.update(client_config or {})
    settings.update(overrides)
    return KafkaConsumer(**settings)


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
