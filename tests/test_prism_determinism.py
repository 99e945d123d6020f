"""Stories do not depend on the run: the same input through Prism streaming twice gives the same
final stories (issue 12: three Prism runs on identical input gave three different answers; the
cause was Prism running split-off elements of a stateful bundle beside it, see
pipelines/beam/sdk_patches.py and docs/decisions-resilience.md)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipelines.config import JobSettings, Topics
from pipelines.kafka.admin import create_topics
from pipelines.kafka.ledger import final_stories, read_ledger
from pipelines.kafka.produce import messages_from_jsonl, produce
from pipelines.ops.lag import consumer_lag, summarize
from pipelines.quality.samplefeed.generate import write_feed
from pipelines.runners.launch import cancel, run

pytestmark = pytest.mark.integration
SEEDS = Path(__file__).parent / "data" / "seeds"
EXTRA = os.environ.get("NEWSBEAM_DET_BEAM_ARGS", "").split()  # e.g. --max_cache_memory_usage_mb=0 to study it


def _streamed_stories(bootstrap: str, topics: Topics, feed: Path) -> dict[str, tuple]:
    """Final stories of one Prism streaming run over `feed`, once every article is decided."""
    create_topics(bootstrap, topics)
    produce(bootstrap, topics.raw, messages_from_jsonl(feed), progress=False)
    group = f"det-{topics.prefix}"
    result = run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=group, runner="PrismRunner",
                             mode="streaming", extra_beam_args=EXTRA), wait=False)
    try:
        deadline = time.monotonic() + 240
        while True:
            ledger = read_ledger(bootstrap, topics)
            if ledger.holds and summarize(consumer_lag(bootstrap, topics.raw, group))["lag"] == 0:
                break
            assert time.monotonic() < deadline, f"the run did not settle: {ledger.describe()}"
            time.sleep(2)
    finally:
        cancel(result)
    return {sid: (s["merged_into"], tuple(sorted(m["page_id"] for m in s["members"])))
            for sid, s in final_stories(bootstrap, topics.stories).items()}


def test_the_same_input_twice_through_prism_gives_the_same_final_stories(kafka_broker, tmp_path) -> None:
    feed = tmp_path / "feed.jsonl"
    write_feed(feed, seed=11, n_pages=120, seeds_dir=SEEDS)
    prefix = f"det{int(time.time())}"
    first = _streamed_stories(kafka_broker.bootstrap, Topics(f"{prefix}a."), feed)
    second = _streamed_stories(kafka_broker.bootstrap, Topics(f"{prefix}b."), feed)
    assert first, "the feed makes stories"
    differing = sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))
    assert not differing, f"{len(differing)} of {len(first)} final stories differ, e.g. " + "; ".join(
        f"{k}: {first.get(k)} vs {second.get(k)}" for k in differing[:3])
