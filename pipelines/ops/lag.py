"""Consumer-group lag of the pipeline: how far behind the log it is, in records and in seconds.

Why from Kafka and not from the job: the pipeline commits its group's offsets only once a bundle's
outputs are durable (bundle finalization when streaming, the launcher after a bounded run), so
the committed offsets are the truth about progress on every runner, and lag can be read while
the job is stopped, crashed or running elsewhere.

Record lag = log-end offset - committed offset (the log-start offset when the group has never
committed: that is where `--start committed` begins). Event-time lag = now - the timestamp of the
last committed record (the record just before the committed offset; the oldest waiting record
when nothing was committed yet), and 0 when there is no backlog.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pipelines.ops.common import add_target_arguments, bootstrap_of, consumer, print_json, table, topics_of


@dataclass(frozen=True)
class PartitionLag:
    """Lag of one partition for one group; offsets are Kafka's (next offset to be written/read)."""

    topic: str
    partition: int
    log_start: int
    log_end: int
    committed: int | None
    lag: int
    last_committed_ts_ms: int | None
    lag_seconds: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def committed_offsets(bootstrap: str, group_id: str, topic: str,
                      client_config: Mapping[str, Any] | None = None) -> dict[int, int]:
    """Partition -> committed offset of `group_id` on `topic` (partitions never committed are absent)."""
    import kafka.errors as kerrors

    from pipelines.kafka.admin import admin_client

    deadline = time.monotonic() + 30
    with admin_client(bootstrap, client_config) as admin:
        while True:
            try:
                offsets = admin.list_group_offsets({group_id: None}).get(group_id, {})
                break
            except (kerrors.CoordinatorNotAvailableError, kerrors.CoordinatorLoadInProgressError):
                # the first group lookup on a fresh cluster creates __consumer_offsets: retry briefly
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    return {tp.partition: int(meta.offset) for tp, meta in offsets.items()
            if tp.topic == topic and meta.offset is not None and meta.offset >= 0}


def _timestamps(kconsumer: Any, topic: str, wanted: dict[int, int], timeout_s: float) -> dict[int, int]:
    """Partition -> timestamp of the first record at or after the wanted offset (bounded wait)."""
    from kafka import TopicPartition

    if not wanted:
        return {}
    tps = {p: TopicPartition(topic, p) for p in wanted}
    kconsumer.assign(list(tps.values()))
    for p, offset in wanted.items():
        kconsumer.seek(tps[p], offset)
    found: dict[int, int] = {}
    deadline = time.monotonic() + timeout_s
    while len(found) < len(wanted) and time.monotonic() < deadline:
        for tp, batch in kconsumer.poll(timeout_ms=200, max_records=50).items():
            if tp.partition not in found and batch:
                found[tp.partition] = int(batch[0].timestamp)
                kconsumer.pause(tp)
    kconsumer.unsubscribe()
    return found


def consumer_lag(bootstrap: str, topic: str, group_id: str, *, with_times: bool = True,
                 client_config: Mapping[str, Any] | None = None, now_ms: int | None = None,
                 timeout_s: float = 10.0) -> list[PartitionLag]:
    """Per-partition lag of `group_id` on `topic`, sorted by partition."""
    from kafka import TopicPartition

    committed = committed_offsets(bootstrap, group_id, topic, client_config)
    kconsumer = consumer(bootstrap, client_config)
    try:
        partitions = kconsumer.partitions_for_topic(topic)
        if not partitions:
            raise LookupError(f"topic {topic!r} does not exist on {bootstrap}")
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        starts, ends = kconsumer.beginning_offsets(tps), kconsumer.end_offsets(tps)
        position = {tp.partition: max(committed.get(tp.partition, starts[tp]), starts[tp]) for tp in tps}
        lags = {tp.partition: max(ends[tp] - position[tp.partition], 0) for tp in tps}
        wanted: dict[int, int] = {}
        for tp in tps:
            p = tp.partition
            if with_times and lags[p] > 0:
                # the last committed record, or the oldest waiting one when none is committed yet
                wanted[p] = position[p] - 1 if position[p] > starts[tp] else position[p]
        stamps = _timestamps(kconsumer, topic, wanted, timeout_s)
    finally:
        kconsumer.close()
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    out = []
    for tp in tps:
        p = tp.partition
        ts = stamps.get(p)
        if not with_times:
            seconds = None
        elif lags[p] == 0:
            seconds = 0.0
        else:
            seconds = max(now - ts, 0) / 1000.0 if ts is not None else None
        out.append(PartitionLag(topic, p, int(starts[tp]), int(ends[tp]), committed.get(p), lags[p], ts, seconds))
    return out


def summarize(lags: list[PartitionLag]) -> dict[str, Any]:
    """Totals over partitions: records behind and the worst event-time lag."""
    seconds = [lag.lag_seconds for lag in lags if lag.lag_seconds is not None]
    return {"lag": sum(lag.lag for lag in lags), "max_lag_seconds": max(seconds) if seconds else None,
            "partitions": len(lags)}


# --------------------------------------------------------------------------------------------
# CLI


def add_lag_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `newsbeam lag` on an argparse subparsers object."""
    p = subparsers.add_parser("lag", help="per-partition lag of the pipeline's consumer group",
                              description="Records (log-end minus committed offset) and seconds (age of the "
                              "last committed record while there is a backlog) per raw-topic partition.")
    add_target_arguments(p)
    p.add_argument("--topic", default=None, help="topic to measure (default: the raw topic)")
    p.add_argument("--no-times", action="store_true", help="skip the event-time lag (no record fetches)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cli_lag)
    return p


def cli_lag(args: argparse.Namespace) -> int:
    """Exit codes: 0 ok, 1 Kafka error or missing topic."""
    import kafka.errors as kerrors

    bootstrap = bootstrap_of(args)
    topic = args.topic or topics_of(args).raw
    try:
        lags = consumer_lag(bootstrap, topic, args.group_id, with_times=not args.no_times)
    except (kerrors.KafkaError, LookupError) as exc:
        print(f"newsbeam lag: {bootstrap}: {exc}", file=sys.stderr)
        return 1
    total = summarize(lags)
    if args.json:
        print_json({"topic": topic, "group_id": args.group_id, **total, "partitions": [x.to_dict() for x in lags]})
        return 0
    rows = [{"partition": x.partition, "log_end": x.log_end, "committed": x.committed, "lag": x.lag,
             "lag_seconds": None if x.lag_seconds is None else round(x.lag_seconds, 1)} for x in lags]
    print(f"{topic}  group={args.group_id}")
    print(table(rows, ["partition", "log_end", "committed", "lag", "lag_seconds"]))
    worst = total["max_lag_seconds"]
    print(f"total lag {total['lag']} records" + ("" if worst is None else f", oldest {worst:.1f}s"))
    return 0
