"""What a restart without a checkpoint re-reads of the raw topic (the rule: core.progress)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pipelines.core.progress import ReplayWindow, replay_since_ms
from pipelines.kafka import client

LOG = logging.getLogger(__name__)


def plan_replay(bootstrap: str, topic: str, group_id: str, consumer_config: Mapping[str, Any] | None,
                horizon_ms: int, allowed_lateness_ms: int, timeout_s: float = 30.0) -> ReplayWindow | None:
    """The window a restart of `group_id` re-reads: from the time core.progress gives, warm-up up to
    the group's committed offsets. None when the group never committed (a first start reads the
    topic from its start anyway) or the topic is empty."""
    with client.consumer_client(bootstrap, consumer_config, group_id=group_id) as consumer:
        offsets = client.partition_offsets(consumer, topic)
        committed = client.own_group_offsets(consumer, topic, [o.partition for o in offsets])
        if not committed:
            return None
        live = {o.partition: min(max(committed.get(o.partition, o.start), o.start), o.end) for o in offsets}
        at_commit = client.first_records(consumer, topic, {o.partition: live[o.partition] for o in offsets
                                                           if live[o.partition] < o.end}, timeout_s)
        # A partition read to its end: its last record bounds what it can still bring (core.progress).
        last = client.first_records(consumer, topic, {o.partition: o.end - 1 for o in offsets
                                                      if live[o.partition] >= o.end > o.start}, timeout_s)
        times = [record.timestamp for record in (*at_commit.values(), *last.values())]
        since = replay_since_ms(times, horizon_ms, allowed_lateness_ms)
        if since is None:
            return None
        found = client.first_offsets_at_or_after(consumer, topic, offsets, since)
    start = {p: min(found[p], live[p]) for p in live}
    window = ReplayWindow(start, live, since)
    LOG.info("restart of %s on %s: re-reading %d records from %s to rebuild the dedup state (per partition "
             "from..committed: %s); their outputs were written before", group_id, topic,
             sum(live[p] - start[p] for p in live), since,
             ", ".join(f"{p}:{start[p]}..{live[p]}" for p in sorted(live)))
    return window
