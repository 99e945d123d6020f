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

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pipelines.kafka import client


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


def consumer_lag(bootstrap: str, topic: str, group_id: str, *, with_times: bool = True,
                 client_config: Mapping[str, Any] | None = None, now_ms: int | None = None,
                 timeout_s: float = 10.0) -> list[PartitionLag]:
    """Per-partition lag of `group_id` on `topic`, sorted by partition; LookupError if no such topic."""
    committed = client.committed_offsets(bootstrap, group_id, topic, client_config)
    with client.consumer_client(bootstrap, client_config, client_id="newsbeam-ops") as kconsumer:
        try:
            offsets = client.partition_offsets(kconsumer, topic)
        except client.TopicNotFound as exc:
            raise LookupError(f"topic {topic!r} does not exist on {bootstrap}") from exc
        position = {o.partition: max(committed.get(o.partition, o.start), o.start) for o in offsets}
        lags = {o.partition: max(o.end - position[o.partition], 0) for o in offsets}
        wanted: dict[int, int] = {}
        for o in offsets:
            if with_times and lags[o.partition] > 0:
                # the last committed record, or the oldest waiting one when none is committed yet
                at = position[o.partition]
                wanted[o.partition] = at - 1 if at > o.start else at
        stamps = {p: int(r.timestamp) for p, r in client.first_records(kconsumer, topic, wanted, timeout_s).items()}
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    out = []
    for o in offsets:
        p = o.partition
        ts = stamps.get(p)
        if not with_times:
            seconds = None
        elif lags[p] == 0:
            seconds = 0.0
        else:
            seconds = max(now - ts, 0) / 1000.0 if ts is not None else None
        out.append(PartitionLag(topic, p, o.start, o.end, committed.get(p), lags[p], ts, seconds))
    return out


def summarize(lags: list[PartitionLag]) -> dict[str, Any]:
    """Totals over partitions: records behind and the worst event-time lag."""
    seconds = [lag.lag_seconds for lag in lags if lag.lag_seconds is not None]
    return {"lag": sum(lag.lag for lag in lags), "max_lag_seconds": max(seconds) if seconds else None,
            "partitions": len(lags)}
