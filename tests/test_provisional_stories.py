"""Provisional stories on the real broker: in streaming, every article is placed in a story at its
arrival, marked provisional, and that placement is later confirmed or withdrawn by the final
decision; the records the stories topic ends on are the final ones and the ledger holds."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import pytest

from pipelines.config import JobSettings
from pipelines.core import codecs
from pipelines.core.dedup.stories import FINAL, PROVISIONAL, WITHDRAWN
from pipelines.kafka.ledger import DEDUP_STAGE, dead_letter_stage, final_stories, read_ledger
from pipelines.kafka.produce import messages_from_jsonl, produce
from pipelines.kafka.topics import read_all
from pipelines.quality.samplefeed.generate import write_feed
from pipelines.runners.launch import cancel, run
from tests.restart_halves import stamped_now

pytestmark = pytest.mark.integration
SEEDS = Path(__file__).parent / "data" / "seeds"
LATENESS_MS = 20_000  # long enough that every early firing (0.5 s after arrival) comes first


def _story_log(bootstrap: str, topic: str) -> list[tuple[tuple[int, int], dict]]:
    """Every story record, with its (partition, offset): per key, offsets are the order written."""
    return [((r.partition, r.offset), codecs.decode("Story", r.value)) for r in read_all(bootstrap, topic)]


def _decided_articles(bootstrap: str, topics) -> set[str]:
    """Articles that go to dedup: all but those of records that came later than the allowed
    lateness (one `dedup` dead letter each, never a story member)."""
    by_url = {a["url"]: a["page_id"] for a in (codecs.decode("Article", r.value)
                                               for r in read_all(bootstrap, topics.articles))}
    late = {by_url[codecs.decode_raw_page(codecs.decode("DeadLetter", r.value)["original_value"])["url"]]
            for r in read_all(bootstrap, topics.dlq) if dead_letter_stage(r) == DEDUP_STAGE}
    return set(by_url.values()) - late


def test_the_job_fires_early_in_streaming_except_on_prism():
    assert JobSettings(mode="streaming", runner="FlinkRunner").early_firing_ms == 500
    assert JobSettings(mode="streaming", runner="FlinkRunner", provisional_settle_ms=None).early_firing_ms is None
    assert JobSettings(mode="bounded", runner="FlinkRunner").early_firing_ms is None
    assert JobSettings(mode="streaming", runner="PrismRunner").early_firing_ms is None
    assert JobSettings(mode="streaming", runner="DirectRunner").early_firing_ms is None  # streams on Prism


@pytest.mark.parametrize("runner", ["FlinkRunner"])
def test_every_article_is_placed_early_then_decided(kafka_broker, topics, tmp_path, runner):
    feed = tmp_path / "feed.jsonl"
    write_feed(feed, seed=11, n_pages=60, seeds_dir=SEEDS)
    bootstrap = kafka_broker.bootstrap
    # Stamped at production, as a live feed is: with the feed's own times, days apart, the
    # watermark passes an article as soon as the next ones are read, and an article decided before
    # it settles (a backlog being caught up) gets no provisional firing, by design.
    produce(bootstrap, topics.raw, stamped_now(list(messages_from_jsonl(feed))), progress=False)
    result = run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=f"p-{topics.prefix}", runner=runner,
                             mode="streaming", allowed_lateness_ms=LATENESS_MS), wait=False)
    try:
        deadline = time.monotonic() + 240
        while not (ledger := read_ledger(bootstrap, topics)).holds:
            assert time.monotonic() < deadline, f"the streaming job did not decide every article: {ledger.describe()}"
            time.sleep(2)
    finally:
        cancel(result)

    log = _story_log(bootstrap, topics.stories)
    articles = _decided_articles(bootstrap, topics)
    by_key: dict[str, list[dict]] = defaultdict(list)
    for _, story in sorted(log, key=lambda item: item[0]):
        by_key[story["story_id"]].append(story)

    # Every article has a provisional placement, and on that story key a later record settles it:
    # a final record that lists it (confirmed), or one that no longer does (withdrawn from there).
    placed = {}
    for sid, records in by_key.items():
        for index, story in enumerate(records):
            if story["status"] != PROVISIONAL:
                continue
            for member in story["members"]:
                pid = member["page_id"]
                if pid in articles and pid not in placed:
                    placed[pid] = (sid, index)
    assert set(placed) == articles, f"articles without a provisional story: {sorted(articles - set(placed))[:5]}"
    final_of = {m["page_id"]: sid for sid, s in final_stories(bootstrap, topics.stories).items() for m in s["members"]}
    for pid, (sid, index) in placed.items():
        later = by_key[sid][index + 1:]
        settled = [s for s in later if s["status"] != PROVISIONAL or pid not in {m["page_id"] for m in s["members"]}]
        assert settled, f"{pid}: its provisional placement in {sid} was never followed by a decision there"
        listed = pid in {m["page_id"] for m in settled[-1]["members"]}
        assert listed == (final_of.get(pid) == sid), f"{pid}: confirmed in {sid} but finally elsewhere, or the reverse"

    # A story key ends on a final record, or on `withdrawn` when it only ever held provisional members.
    for sid, records in by_key.items():
        assert records[-1]["status"] in (FINAL, WITHDRAWN), f"{sid} ends provisional"
        if records[-1]["status"] == WITHDRAWN:
            assert not [s for s in records if s["status"] == FINAL and s["members"]], f"{sid} had a final member"
