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

import argparse
import base64
import importlib
import importlib.util
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.core import codecs
from pipelines.core.dead_letters import STAGES, dead_letter_key
from pipelines.ops.common import add_target_arguments, bootstrap_of, consumer, print_json, table, topics_of
from pipelines.ops.logging_setup import progress, progress_bar

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
    since_ms: int | None = None  # on failed_at (the failed record's own timestamp)
    until_ms: int | None = None
    source_partition: int | None = None
    offsets: list[int] = field(default_factory=list)  # source offsets

    def matches(self, letter: dict) -> bool:
        if self.stages and letter["stage"] not in self.stages:
            return False
        if self.reason and not re.search(self.reason, f"{letter['error_class']} {letter['reason']}", re.I):
            return False
        if self.since_ms is not None and letter["failed_at"] < self.since_ms:
            return False
        if self.until_ms is not None and letter["failed_at"] >= self.until_ms:
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
                      timeout_s: float = 60.0) -> Iterator[DeadLetterRecord]:
    """Matching dead letters from the start of the DLQ topic to its end offsets seen at the start.

    The whole topic is scanned: failed_at is the failed record's own time, not the DLQ append
    time, so Kafka's time index cannot narrow the scan safely."""
    from kafka import TopicPartition

    flt = flt or Filter()
    kconsumer = consumer(bootstrap, client_config)
    try:
        partitions = kconsumer.partitions_for_topic(dlq_topic)
        if not partitions:
            raise LookupError(f"topic {dlq_topic!r} does not exist on {bootstrap}")
        tps = [TopicPartition(dlq_topic, p) for p in sorted(partitions)]
        kconsumer.assign(tps)
        starts, ends = kconsumer.beginning_offsets(tps), kconsumer.end_offsets(tps)
        for tp in tps:
            kconsumer.seek(tp, starts[tp])
        total = sum(ends[tp] - starts[tp] for tp in tps)
        yield from progress(_scan(kconsumer, tps, ends, flt, timeout_s), total=total,
                            desc=f"scan {dlq_topic}", enabled=show_progress, unit="rec")
    finally:
        kconsumer.close()


def _scan(kconsumer: Any, tps: list, ends: dict, flt: Filter, timeout_s: float) -> Iterator[Any]:
    """Yields every scanned record (for the progress bar): DeadLetterRecord if it matches, else None."""
    remaining = {tp for tp in tps if kconsumer.position(tp) < ends[tp]}
    deadline = time.monotonic() + timeout_s
    while remaining:
        if time.monotonic() > deadline:
            raise TimeoutError(f"could not read {tps[0].topic} to its end within {timeout_s}s")
        for tp, batch in kconsumer.poll(timeout_ms=500, max_records=1000).items():
            for rec in batch:
                if rec.offset >= ends[tp]:
                    break
                deadline = time.monotonic() + timeout_s
                try:
                    letter = decode_letter(rec.value)
                except Exception:  # a foreign record on the DLQ must not stop the on-call tool
                    yield None
                    continue
                yield DeadLetterRecord(tp.topic, tp.partition, rec.offset, letter) if flt.matches(letter) else None
        for tp in list(remaining):
            if kconsumer.position(tp) >= ends[tp]:
                remaining.discard(tp)


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
        "failed_at": datetime.fromtimestamp(letter["failed_at"] / 1000, UTC).isoformat(timespec="seconds"),
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
    from kafka import TopicPartition

    found: set[str] = set()
    kconsumer = consumer(bootstrap, client_config, fetch_max_bytes=8 * 1024 * 1024)
    bar = None
    try:
        tps = [TopicPartition(topic, p) for p in sorted(kconsumer.partitions_for_topic(topic) or ())]
        if not tps:
            raise LookupError(f"topic {topic!r} does not exist on {bootstrap}")
        kconsumer.assign(tps)
        starts, ends = kconsumer.beginning_offsets(tps), kconsumer.end_offsets(tps)
        for tp in tps:
            kconsumer.seek(tp, starts[tp])
        remaining = {tp for tp in tps if starts[tp] < ends[tp]}
        bar = progress_bar(total=sum(ends[tp] - starts[tp] for tp in tps), desc=f"check {topic}",
                           enabled=show_progress)
        deadline = time.monotonic() + timeout_s
        while remaining:
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end within {timeout_s}s")
            for tp, batch in kconsumer.poll(timeout_ms=500, max_records=2000).items():
                deadline = time.monotonic() + timeout_s
                for rec in batch:
                    if rec.offset >= ends[tp]:
                        break
                    bar.update(1)
                    for key, value in rec.headers or []:
                        if key == REPLAY_OF and value:
                            found.add(value.decode("utf-8", "replace"))
            for tp in list(remaining):
                if kconsumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        if bar is not None:
            bar.close()
        kconsumer.close()
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
           producer_config: Mapping[str, Any] | None = None, show_progress: bool = True) -> ReplayReport:
    """Re-inject selected dead letters' original key/bytes into `target_topic`; see the module doc."""
    from pipelines.core.records import KafkaMessage
    from pipelines.kafka.produce import produce

    items = select(bootstrap, dlq_topic, flt, limit, show_progress=show_progress)
    report = ReplayReport(selected=len(items), target=target_topic)
    done = replayed_sources(bootstrap, target_topic) if check_replayed else set()
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
                                  producer_config=dict(producer_config or {}))
    return report


# --------------------------------------------------------------------------------------------
# CLI


def _add_filter_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stage", action="append", choices=sorted(set(STAGES) | {"sink"}), default=[],
                   help="only this stage (repeatable)")
    p.add_argument("--reason", help="regex (case-insensitive) on error class and reason")
    p.add_argument("--since", help="failed at or after: ISO-8601, epoch ms, or an age like 2h / 3d")
    p.add_argument("--until", help="failed before: same forms as --since")
    p.add_argument("--source-partition", type=int, help="only dead letters of this raw partition")
    p.add_argument("--source-offset", type=int, action="append", default=[], help="only this raw offset (repeatable)")
    p.add_argument("--limit", type=int, default=None, help="at most this many")


def filter_from_args(args: argparse.Namespace) -> Filter:
    return Filter(
        stages=list(args.stage),
        reason=args.reason,
        since_ms=parse_time(args.since) if args.since else None,
        until_ms=parse_time(args.until) if args.until else None,
        source_partition=args.source_partition,
        offsets=list(args.source_offset),
    )


def add_dlq_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `newsbeam dlq show|replay` on an argparse subparsers object."""
    p = subparsers.add_parser("dlq", help="inspect or replay dead letters",
                              description="Dead letters on the DLQ topic: show them safely, replay them.")
    sub = p.add_subparsers(dest="dlq_action", required=True)

    show = sub.add_parser("show", help="list dead letters (safe previews of the original bytes)")
    add_target_arguments(show, group=False)
    _add_filter_arguments(show)
    show.add_argument("--json", action="store_true", help="one JSON object per dead letter (with base64)")
    show.add_argument("--preview", type=int, default=60, help="preview width in characters")
    show.add_argument("--hex", type=int, default=16, help="hex bytes to show")
    show.add_argument("--summary", action="store_true", help="counts by stage and error class only")
    show.set_defaults(func=cli_dlq_show)

    rep = sub.add_parser("replay", help="re-inject selected dead letters into the raw topic")
    add_target_arguments(rep, group=False)
    _add_filter_arguments(rep)
    rep.add_argument("--fix", help="MODULE:FUNCTION or FILE.py:FUNCTION applied to (key, value, letter) first")
    rep.add_argument("--to", dest="target", help="target topic (default: the raw topic)")
    rep.add_argument("--timestamp", choices=["original", "now"], default="original",
                     help="record timestamp of the replay (default: the failed record's own time)")
    rep.add_argument("--force", action="store_true", help="replay even if a replay of the record is on the topic")
    rep.add_argument("--dry-run", action="store_true", help="select and fix, but send nothing")
    rep.add_argument("--json", action="store_true", help="print the report as JSON")
    rep.set_defaults(func=cli_dlq_replay)
    return p


def cli_dlq_show(args: argparse.Namespace) -> int:
    """Exit codes: 0 ok (also when nothing matches), 1 Kafka error."""
    import kafka.errors as kerrors

    bootstrap = bootstrap_of(args)
    try:
        items = select(bootstrap, topics_of(args).dlq, filter_from_args(args), args.limit)
    except (kerrors.KafkaError, LookupError, TimeoutError) as exc:
        print(f"newsbeam dlq show: {bootstrap}: {exc}", file=sys.stderr)
        return 1
    if args.summary:
        counts: dict[tuple[str, str], int] = {}
        for item in items:
            key = (item.letter["stage"], item.letter["error_class"])
            counts[key] = counts.get(key, 0) + 1
        rows = [{"stage": s, "error_class": c, "count": n} for (s, c), n in sorted(counts.items())]
        if args.json:
            print_json(rows)
        else:
            print(table(rows, ["stage", "error_class", "count"]) if rows else "no dead letters match")
        return 0
    for item in items:
        view = letter_summary(item, preview=args.preview, hex_bytes=args.hex, with_base64=args.json)
        if args.json:
            print_json(view)
            continue
        print(f"{view['dlq']}  {view['failed_at']}  {view['stage']}/{view['error_class']}  source={view['source']}")
        print(f"  reason: {safe_preview(view['reason'].encode(), 200)}")
        size = f"{view['original_size']} bytes" + (" (truncated on the DLQ)" if view["truncated"] else "")
        print(f"  key:    {view['key_preview']!r}  value: {size}")
        print(f"  text:   {view['value_preview']}")
        print(f"  hex:    {view['value_hex']}")
    if not args.json:
        print(f"{len(items)} dead letter(s)" + (" (limit reached)" if args.limit and len(items) >= args.limit else ""),
              file=sys.stderr)
    return 0


def cli_dlq_replay(args: argparse.Namespace) -> int:
    """Exit codes: 0 ok, 1 Kafka error, 2 bad --fix."""
    import kafka.errors as kerrors

    bootstrap = bootstrap_of(args)
    topics = topics_of(args)
    try:
        fix = load_fix(args.fix) if args.fix else None
    except (ImportError, AttributeError, ValueError, OSError) as exc:
        print(f"newsbeam dlq replay: --fix: {exc}", file=sys.stderr)
        return 2
    try:
        report = replay(bootstrap, topics.dlq, args.target or topics.raw, filter_from_args(args), limit=args.limit,
                        fix=fix, fix_name=args.fix, timestamp=args.timestamp, check_replayed=not args.force,
                        dry_run=args.dry_run)
    except (kerrors.KafkaError, LookupError, TimeoutError) as exc:
        print(f"newsbeam dlq replay: {bootstrap}: {exc}", file=sys.stderr)
        return 1
    data = {**report.to_dict(), "dry_run": args.dry_run}
    if args.json:
        print_json(data)
    else:
        verb = "would replay" if args.dry_run else "replayed"
        print(f"{verb} {len(report.sources) if args.dry_run else report.replayed} of {report.selected} selected "
              f"into {report.target} (skipped: {report.skipped_truncated} truncated, "
              f"{report.skipped_already_replayed} already replayed, {report.skipped_by_fix} by --fix)")
    return 0
