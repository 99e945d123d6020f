"""Dead letters for the on-call engineer: look at them safely, and replay them once fixed.

`show` never writes a dead letter's original bytes raw to the terminal (they are, by definition,
bytes the pipeline could not read: binary, escape sequences, bidi overrides); it prints a
printable preview plus hex, and base64 in JSON for tools.

`replay` re-injects the original key and bytes into the raw topic (optionally through a `--fix`
function) with headers naming the dead letter it came from. Because page_id and story_id are
deterministic, a replayed page that now succeeds yields the same article key as if it had never
failed, and replaying twice cannot create a second article key; by default replay also skips dead
letters whose replay is already on the raw topic. The record keeps its original timestamp, so it
lands at the same event time (use `--timestamp now` when the pipeline would treat it as late).
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.core import codecs
from pipelines.core.dead_letters import dead_letter_key
from pipelines.kafka import client
from pipelines.ops.logging_setup import progress

REPLAY_OF = "newsbeam.replay.of"  # "<source topic>/<partition>/<offset>" of the failed input
REPLAY_DLQ = "newsbeam.replay.dlq"  # "<dlq topic>/<partition>/<offset>" of the dead letter replayed
REPLAY_FIX = "newsbeam.replay.fix"  # the --fix function applied, if any
FixFn = Callable[[bytes | None, bytes, dict], "tuple[bytes | None, bytes] | None"]


@dataclass(frozen=True)
class DeadLetterRecord:
    """A decoded dead letter and where it sits on the DLQ topic."""

    dlq_topic: str
    dlq_partition: int
    dlq_offset: int
    letter: dict
    written_at_ms: int | None = None  # when the letter was written: the DLQ record's (log-append) timestamp

    @property
    def source(self) -> str:
        return dead_letter_key(self.letter).decode()

    @property
    def truncated(self) -> bool:
        return int(self.letter["original_size"]) > len(self.letter["original_value"])


@dataclass
class Filter:
    """Which dead letters to select; every given criterion must match."""

    stages: list[str] = field(default_factory=list)
    reason: str | None = None  # regex, case-insensitive, on error_class and reason
    # On the time of failure, i.e. when the letter was written (the DLQ topic's log-append time),
    # not on `failed_at`, the failed record's own timestamp: `--since 24h` must show what failed in
    # the last day, including old pages of a backfill.
    since_ms: int | None = None
    until_ms: int | None = None
    source_partition: int | None = None
    offsets: list[int] = field(default_factory=list)  # source offsets

    def matches(self, letter: dict, written_at_ms: int) -> bool:
        if self.stages and letter["stage"] not in self.stages:
            return False
        if self.reason and not re.search(self.reason, f"{letter['error_class']} {letter['reason']}", re.I):
            return False
        if self.since_ms is not None and written_at_ms < self.since_ms:
            return False
        if self.until_ms is not None and written_at_ms >= self.until_ms:
            return False
        if self.source_partition is not None and letter["source_partition"] != self.source_partition:
            return False
        return not self.offsets or letter["source_offset"] in self.offsets


def parse_time(text: str, now_ms: int | None = None) -> int:
    """Epoch millis from ISO-8601 ("2026-01-02T03:04:05Z"), epoch millis, or an age ("90m", "2h", "3d")."""
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    age = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd])", text.strip())
    if age:
        unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}[age.group(2)]
        return now - int(float(age.group(1)) * unit * 1000)
    if text.strip().isdigit():
        return int(text)
    parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def _as_bytes(value: Any) -> bytes | None:
    """JSON-format dead letters carry bytes as base64 strings (codecs.to_json)."""
    if value is None or isinstance(value, bytes):
        return value
    return base64.b64decode(value)


def decode_letter(value: bytes) -> dict:
    """A DeadLetter record from Avro single-object or JSON bytes, with bytes fields as bytes."""
    letter = codecs.decode("DeadLetter", value)
    letter["original_key"] = _as_bytes(letter.get("original_key"))
    letter["original_value"] = _as_bytes(letter.get("original_value")) or b""
    return letter


def iter_dead_letters(bootstrap: str, dlq_topic: str, flt: Filter | None = None, *,
                      client_config: Mapping[str, Any] | None = None, show_progress: bool = True,
                      timeout_s: float = 60.0) -> Iterator[DeadLetterRecord | None]:
    """Every dead letter from the start of the DLQ topic to its end offsets seen at the start:
    a DeadLetterRecord when it matches `flt`, else None (so a progress bar can count it)."""
    flt = flt or Filter()
    with client.consumer_client(bootstrap, client_config, client_id="newsbeam-ops") as kconsumer:
        try:
            offsets = client.partition_offsets(kconsumer, dlq_topic)
        except client.TopicNotFound as exc:
            raise LookupError(f"topic {dlq_topic!r} does not exist on {bootstrap}") from exc
        starts = {o.partition: o.start for o in offsets}
        if flt.since_ms is not None:  # the filter is on the records' own timestamps: the time index may skip
            starts = client.first_offsets_at_or_after(kconsumer, dlq_topic, offsets, flt.since_ms)
        ends = {o.partition: o.end for o in offsets}
        records = client.read_range(kconsumer, dlq_topic, starts, ends, stall_timeout_s=timeout_s)
        yield from progress((_match(record, flt) for record in records), total=sum(ends[p] - starts[p] for p in ends),
                            desc=f"scan {dlq_topic}", enabled=show_progress, unit="rec")


def _match(record: Any, flt: Filter) -> DeadLetterRecord | None:
    try:
        letter = decode_letter(record.value)
    except Exception:  # a foreign record on the DLQ must not stop the on-call tool
        return None
    if not flt.matches(letter, record.timestamp):
        return None
    return DeadLetterRecord(record.topic, record.partition, record.offset, letter, record.timestamp)


def select(bootstrap: str, dlq_topic: str, flt: Filter | None = None, limit: int | None = None,
           **kwargs: Any) -> list[DeadLetterRecord]:
    """The first `limit` matching dead letters (all when None), in DLQ partition/offset order."""
    out: list[DeadLetterRecord] = []
    for item in iter_dead_letters(bootstrap, dlq_topic, flt, **kwargs):
        if item is not None:
            out.append(item)
            if limit is not None and len(out) >= limit:
                break
    return out


# --------------------------------------------------------------------------------------------
# Showing bytes safely


def safe_preview(data: bytes | None, width: int = 80) -> str:
    """At most `width` characters a terminal can show verbatim: undecodable bytes, control and
    format characters (escape sequences, bidi overrides, zero-width) become '.'."""
    if data is None:
        return ""
    text = data[: width * 4].decode("utf-8", errors="replace")
    chars = [c if (c.isprintable() and c != "\ufffd") else "." for c in text]
    return "".join(chars)[:width]


def hex_head(data: bytes | None, n: int = 32) -> str:
    """Spaced hex of the first `n` bytes, with '…' when there is more."""
    if not data:
        return ""
    return data[:n].hex(" ") + (" …" if len(data) > n else "")


def _iso(epoch_ms: int | None) -> str | None:
    return None if epoch_ms is None else datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="seconds")


def letter_summary(item: DeadLetterRecord, *, preview: int = 80, hex_bytes: int = 32,
                   with_base64: bool = False) -> dict[str, Any]:
    """A JSON-safe view of one dead letter: metadata, preview, hex head, optional full base64."""
    letter = item.letter
    value, key = letter["original_value"], letter["original_key"]
    out: dict[str, Any] = {
        "dlq": f"{item.dlq_topic}/{item.dlq_partition}/{item.dlq_offset}",
        "source": item.source,
        "stage": letter["stage"],
        "error_class": letter["error_class"],
        "reason": letter["reason"],
        "written_at": _iso(item.written_at_ms),
        "failed_at": _iso(letter["failed_at"]),
        "original_size": letter["original_size"],
        "truncated": item.truncated,
        "key_preview": safe_preview(key, 60),
        "value_preview": safe_preview(value, preview),
        "value_hex": hex_head(value, hex_bytes),
    }
    if with_base64:
        out["key_b64"] = base64.b64encode(key).decode() if key is not None else None
        out["value_b64"] = base64.b64encode(value).decode()
    return out


# --------------------------------------------------------------------------------------------
# Replay


def load_fix(spec: str) -> FixFn:
    """`package.module:function` or `path/to/file.py:function` → the fix callable.

    The function gets (key, value, letter) and returns (key, value) to send, or None to skip."""
    target, _, name = spec.rpartition(":")
    if not target or not name:
        raise ValueError(f"--fix wants MODULE:FUNCTION or FILE.py:FUNCTION, got {spec!r}")
    if target.endswith(".py"):
        path = Path(target)
        module_spec = importlib.util.spec_from_file_location(f"newsbeam_fix_{path.stem}", path)
        if module_spec is None or module_spec.loader is None:
            raise ValueError(f"cannot load {path}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    fn = getattr(module, name)
    if not callable(fn):
        raise ValueError(f"{spec} is not callable")
    return fn


def replayed_sources(bootstrap: str, topic: str, *, client_config: Mapping[str, Any] | None = None,
                     show_progress: bool = True, timeout_s: float = 60.0) -> set[str]:
    """Source coordinates already replayed onto `topic` (its REPLAY_OF headers, whole topic read)."""
    found: set[str] = set()
    with client.consumer_client(bootstrap, client_config, client_id="newsbeam-ops",
                                fetch_max_bytes=8 * 1024 * 1024) as kconsumer:
        try:
            offsets = client.partition_offsets(kconsumer, topic)
        except client.TopicNotFound as exc:
            raise LookupError(f"topic {topic!r} does not exist on {bootstrap}") from exc
        records = client.read_range(kconsumer, topic, {o.partition: o.start for o in offsets},
                                    {o.partition: o.end for o in offsets}, stall_timeout_s=timeout_s,
                                    max_records=2000)
        for record in progress(records, total=sum(o.end - o.start for o in offsets), desc=f"check {topic}",
                               enabled=show_progress):
            for key, value in record.headers or []:
                if key == REPLAY_OF and value:
                    found.add(value.decode("utf-8", "replace"))
    return found


@dataclass
class ReplayReport:
    selected: int = 0
    replayed: int = 0
    skipped_truncated: int = 0
    skipped_already_replayed: int = 0
    skipped_by_fix: int = 0
    target: str = ""
    sources: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items()}


def replay(bootstrap: str, dlq_topic: str, target_topic: str, flt: Filter | None = None, *,
           limit: int | None = None, fix: FixFn | None = None, fix_name: str | None = None,
           timestamp: str = "original", check_replayed: bool = True, dry_run: bool = False,
           client_config: Mapping[str, Any] | None = None, show_progress: bool = True) -> ReplayReport:
    """Re-inject selected dead letters' original key/bytes into `target_topic`; see the module doc.
    `client_config`: client settings (e.g. from `--kafka-config`) for every client it creates."""
    from pipelines.core.records import KafkaMessage
    from pipelines.kafka.produce import produce

    items = select(bootstrap, dlq_topic, flt, limit, client_config=client_config, show_progress=show_progress)
    report = ReplayReport(selected=len(items), target=target_topic)
    done = replayed_sources(bootstrap, target_topic, client_config=client_config, show_progress=show_progress) \
        if check_replayed else set()
    messages: list[KafkaMessage] = []
    now_ms = int(time.time() * 1000)
    for item in items:
        if item.truncated:
            report.skipped_truncated += 1
            continue
        if item.source in done:
            report.skipped_already_replayed += 1
            continue
        key, value = item.letter["original_key"], item.letter["original_value"]
        if fix is not None:
            fixed = fix(key, value, dict(item.letter))
            if fixed is None:
                report.skipped_by_fix += 1
                continue
            key, value = fixed
        headers = [(REPLAY_OF, item.source.encode()),
                   (REPLAY_DLQ, f"{item.dlq_topic}/{item.dlq_partition}/{item.dlq_offset}".encode())]
        if fix_name:
            headers.append((REPLAY_FIX, fix_name.encode()))
        ts = item.letter["failed_at"] if timestamp == "original" else now_ms
        messages.append(KafkaMessage(key, value, tuple(headers), ts))
        done.add(item.source)  # the same source twice in one selection is replayed once
        report.sources.append(item.source)
    if messages and not dry_run:
        report.replayed = produce(bootstrap, target_topic, messages, progress=show_progress,
                                  producer_config=client_config)
    return report
