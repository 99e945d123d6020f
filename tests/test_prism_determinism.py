"""Stories do not depend on the run: the same input through Prism streaming twice gives the same
final stories (issue 12: three Prism runs on identical input gave three different answers; the
cause was Prism running split-off elements of a stateful bundle beside it, see
pipelines/beam/sdk_patches.py and docs/decisions-resilience.md)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipelines.beam.steps.dedup import dedup_docs
from pipelines.config import JobSettings, Topics
from pipelines.core import codecs
from pipelines.kafka.admin import create_topics
from pipelines.kafka.ledger import DEDUP_STAGE, dead_letter_stage, final_stories, read_ledger
from pipelines.kafka.produce import messages_from_jsonl, produce
from pipelines.kafka.topics import read_all
from pipelines.quality.samplefeed.generate import write_feed
from pipelines.runners.launch import cancel, run

pytestmark = pytest.mark.integration
SEEDS = Path(__file__).parent / "data" / "seeds"
EXTRA = os.environ.get("NEWSBEAM_DET_BEAM_ARGS", "").split()  # e.g. --max_cache_memory_usage_mb=0 to study it


def _streamed_stories(bootstrap: str, topics: Topics, feed: Path) -> tuple[dict[str, tuple], set[str]]:
    """Final stories of one Prism streaming run over `feed`, once every article is decided, and the
    dedup documents (articles and their related items) left out of dedup as late."""
    create_topics(bootstrap, topics)
    produce(bootstrap, topics.raw, messages_from_jsonl(feed), progress=False)
    group = f"det-{topics.prefix}"
    result = run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=group, runner="PrismRunner",
                             mode="streaming", extra_beam_args=EXTRA), wait=False)
    try:
        # Settled once the ledger holds: every record read, every on-time article in exactly one
        # final story. (The group's lag trails by the allowed lateness, 600 s here: Prism commits
        # only decided offsets, beam/steps/commit.py.)
        deadline = time.monotonic() + 240
        while True:
            ledger = read_ledger(bootstrap, topics)
            if ledger.holds:
                break
            assert time.monotonic() < deadline, f"the run did not settle: {ledger.describe()}"
            time.sleep(2)
    finally:
        cancel(result)
    stories = {sid: (s["merged_into"], tuple(sorted(m["page_id"] for m in s["members"])))
               for sid, s in final_stories(bootstrap, topics.stories).items()}
    return stories, _late_documents(bootstrap, topics)


def _late_documents(bootstrap: str, topics: Topics) -> set[str]:
    articles = {a["url"]: a for a in (codecs.decode("Article", r.value) for r in read_all(bootstrap, topics.articles))}
    late = set()
    for record in read_all(bootstrap, topics.dlq):
        if dead_letter_stage(record) == DEDUP_STAGE:
            url = codecs.decode_raw_page(codecs.decode("DeadLetter", record.value)["original_value"])["url"]
            late |= {doc["page_id"] for doc in dedup_docs(articles[url])}
    return late


def _without(stories: dict[str, tuple], left_out: set[str]) -> dict[str, tuple]:
    kept = {sid: (merged, tuple(m for m in members if m not in left_out)) for sid, (merged, members) in stories.items()}
    return {sid: story for sid, story in kept.items() if story[1]}


def test_the_same_input_twice_through_prism_gives_the_same_final_stories(kafka_broker, tmp_path) -> None:
    feed = tmp_path / "feed.jsonl"
    write_feed(feed, seed=11, n_pages=120, seeds_dir=SEEDS)
    prefix = f"det{int(time.time())}"
    first, first_late = _streamed_stories(kafka_broker.bootstrap, Topics(f"{prefix}a."), feed)
    second, second_late = _streamed_stories(kafka_broker.bootstrap, Topics(f"{prefix}b."), feed)
    assert first, "the feed makes stories"
    # Dedup itself: the documents both runs decided are in the same stories.
    left_out = first_late | second_late
    first_kept, second_kept = _without(first, left_out), _without(second, left_out)
    differing = sorted(k for k in first_kept.keys() | second_kept.keys() if first_kept.get(k) != second_kept.get(k))
    assert not differing, f"{len(differing)} of {len(first)} final stories differ, e.g. " + "; ".join(
        f"{k}: {first_kept.get(k)} vs {second_kept.get(k)}" for k in differing[:3])
    # The reader: which pages are late must not depend on the run either. (They did while the
    # feed's keyless records landed in random partitions: see pipelines.kafka.produce.)
    assert first_late == second_late, f"late-marked documents differ: {sorted(first_late ^ second_late)}"
    assert first == second
