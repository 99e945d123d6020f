"""`newsbeam dlq show|replay`: dead letters for the on-call engineer (pipelines/ops/dlq.py)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pipelines.cli.common import add_kafka_target, kafka_target, print_json, table
from pipelines.core.dead_letters import STAGES
from pipelines.kafka.client import KafkaError
from pipelines.ops import dlq


def _add_filter_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stage", action="append", choices=sorted(set(STAGES) | {"sink"}), default=[],
                   help="only this stage (repeatable)")
    p.add_argument("--reason", help="regex (case-insensitive) on error class and reason")
    p.add_argument("--since", help="failed (dead letter written) at or after: ISO-8601, epoch ms, or an age like "
                   "2h / 3d; not the failed record's own timestamp")
    p.add_argument("--until", help="failed before: same forms as --since")
    p.add_argument("--source-partition", type=int, help="only dead letters of this raw partition")
    p.add_argument("--source-offset", type=int, action="append", default=[], help="only this raw offset (repeatable)")
    p.add_argument("--limit", type=int, default=None, help="at most this many")


def filter_from_args(args: argparse.Namespace) -> dlq.Filter:
    return dlq.Filter(
        stages=list(args.stage),
        reason=args.reason,
        since_ms=dlq.parse_time(args.since) if args.since else None,
        until_ms=dlq.parse_time(args.until) if args.until else None,
        source_partition=args.source_partition,
        offsets=list(args.source_offset),
    )


def add_dlq_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `newsbeam dlq show|replay` on an argparse subparsers object."""
    p = subparsers.add_parser("dlq", help="inspect or replay dead letters",
                              description="Dead letters on the DLQ topic: show them safely, replay them.")
    sub = p.add_subparsers(dest="dlq_action", required=True)

    show = sub.add_parser("show", help="list dead letters (safe previews of the original bytes)")
    add_kafka_target(show, group=False)
    _add_filter_arguments(show)
    show.add_argument("--json", action="store_true", help="one JSON object per dead letter (with base64)")
    show.add_argument("--preview", type=int, default=60, help="preview width in characters")
    show.add_argument("--hex", type=int, default=16, help="hex bytes to show")
    show.add_argument("--summary", action="store_true", help="counts by stage and error class only")
    show.set_defaults(func=cli_dlq_show)

    rep = sub.add_parser("replay", help="re-inject selected dead letters into the raw topic")
    add_kafka_target(rep, group=False)
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
    target = kafka_target(args)
    try:
        items = dlq.select(target.bootstrap, target.topics.dlq, filter_from_args(args), args.limit,
                           client_config=target.client_config)
    except (KafkaError, LookupError, TimeoutError) as exc:
        print(f"newsbeam dlq show: {target.bootstrap}: {exc}", file=sys.stderr)
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
        view = dlq.letter_summary(item, preview=args.preview, hex_bytes=args.hex, with_base64=args.json)
        if args.json:
            print_json(view)
            continue
        print(f"{view['dlq']}  {view['written_at']}  {view['stage']}/{view['error_class']}  source={view['source']}"
              f"  (record time {view['failed_at']})")
        print(f"  reason: {dlq.safe_preview(view['reason'].encode(), 200)}")
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
    target = kafka_target(args)
    topics = target.topics
    try:
        fix = dlq.load_fix(args.fix) if args.fix else None
    except (ImportError, AttributeError, ValueError, OSError) as exc:
        print(f"newsbeam dlq replay: --fix: {exc}", file=sys.stderr)
        return 2
    try:
        report = dlq.replay(target.bootstrap, topics.dlq, args.target or topics.raw, filter_from_args(args),
                            limit=args.limit, fix=fix, fix_name=args.fix, timestamp=args.timestamp,
                            check_replayed=not args.force, dry_run=args.dry_run, client_config=target.client_config)
    except (KafkaError, LookupError, TimeoutError) as exc:
        print(f"newsbeam dlq replay: {target.bootstrap}: {exc}", file=sys.stderr)
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
