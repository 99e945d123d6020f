"""Logging for people (text) and for log pipelines (one JSON object per line).

Why JSON: the on-call engineer's log stack (Loki, Elasticsearch, Cloud Logging) indexes fields,
not free text; `extra={...}` fields of a log call become top-level keys, so a log line such as
"offset commit failed" can be searched by topic and partition.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# LogRecord attributes that are not user `extra` fields.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}

T = TypeVar("T")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts (UTC ISO-8601), level, logger, message, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.process:
            data["pid"] = record.process
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def configure_logging(level: str | int = "WARNING", fmt: str = "text", stream: Any = None) -> logging.Handler:
    """Replace the root logger's handlers with one writing `fmt` ("text" | "json") to stderr.

    Returns the handler (tests attach a StringIO stream). `NEWSBEAM_LOG_FORMAT` overrides `fmt`
    so a deployment can switch every process to JSON without changing command lines."""
    fmt = os.environ.get("NEWSBEAM_LOG_FORMAT", fmt)
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {FORMATS}, got {fmt!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    return handler


def progress(items: Iterable[T], *, total: int | None = None, desc: str = "", unit: str = "rec",
             enabled: bool = True) -> Iterator[T]:
    """Items with a tqdm bar on stderr, only when stderr is a terminal (never in logs or CI)."""
    from tqdm import tqdm

    show = enabled and sys.stderr.isatty()
    yield from tqdm(items, total=total, desc=desc, unit=unit, disable=not show, leave=False)


def progress_bar(*, total: int | None = None, desc: str = "", unit: str = "rec", enabled: bool = True) -> Any:
    """A tqdm bar to `.update(n)` by hand (loops that are not one iterable); silent off a TTY."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not (enabled and sys.stderr.isatty()), leave=False)
