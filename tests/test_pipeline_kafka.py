"""The spine end to end against the real broker: produce the sample feed, run the pipeline, read the
topics back. Every run checks the ledger: raw records in == articles out + dead letters."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest

from pipelines.config import JobSettings, Topics
from pipelines.core import codecs
from pipelines.kafka.ledger import dead_letter_stage, read_ledger
from pipelines.kafka.produce import messages_from_jsonl, produce
from pipelines.kafka.topics import count, read_all
from pipelines.ops.lag import consumer_lag, summarize
from pipelines.quality.samplefeed.generate import write_feed
from pipelines.runners.launch import cancel, counters, run

pytestmark = pytest.mark.integration
SEEDS = Path(__file__).parent / "data" / "seeds"


@pytest.fixture(scope="module")
def feed(tmp_path_factory) -> tuple[Path, list[dict]]:
    path = tmp_path_factory.mktemp("feed") / "feed.jsonl"
    return path, write_feed(path, seed=11, n_pages=60, seeds_dir=SEEDS)


def _ledger(bootstrap: str, topics: Topics) -> tuple[int, int, int]:
    ledger = read_ledger(bootstrap, topics)
    assert ledger.holds, ledger.describe()
    return ledger.raw, ledger.articles, ledger.dead_input


def _accounted(bootstrap: str, topics: Topics) -> int:
    """Raw records accounted for so far: articles plus input-stage dead letters."""
    ledger = read_ledger(bootstrap, topics)
    return ledger.articles + ledger.dead_input


def _by_key(records) -> dict[bytes, bytes]:
    return {r.key: r.value for r in records}


@pytest.mark.parametrize("runner", ["DirectRunner", "FlinkRunner"])
def test_bounded_run_ledger_and_dead_letters(kafka_broker, topics, feed, runner):
    path, lines = feed
    bootstrap = kafka_broker.bootstrap
    produced = produce(bootstrap, topics.raw, messages_from_jsonl(path), progress=False)
    assert produced == len(lines)

    result = run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=f"g-{topics.prefix}", runner=runner))
    assert str(result.state).endswith("DONE")
    raw, articles, dead = _ledger(bootstrap, topics)
    malformed = [line for line in lines if "value_b64" in line]
    assert raw == len(lines)
    assert dead == len(malformed) >= 10
    job = counters(result)
    assert job["pages_read"] == raw
    assert job["articles_extracted"] == articles
    assert job["dead_letters"] == dead
    # A bounded run has no late data: its watermark only moves once all of its input is read, even
    # though the feed delivers some pages 5-45 min after newer ones.
    assert job.get("dead_letters_dedup", 0) == 0

    letters = [codecs.decode("DeadLetter", r.value) for r in read_all(bootstrap, topics.dlq)]
    by_value = {letter["original_value"]: letter for letter in letters}
    for line in malformed:
        letter = by_value[base64.b64decode(line["value_b64"])]
        assert letter["stage"] == "decode"
        assert letter["reason"] and letter["error_class"]
        assert letter["source_topic"] == topics.raw

    dlq_records = read_all(bootstrap, topics.dlq)
    headers = dict(dlq_records[0].headers)
    assert headers["__connect.errors.topic"] == topics.raw.encode()
    assert {"__connect.errors.offset", "__connect.errors.stage", "__connect.errors.class.name"} <= set(headers)

    # Every article founds or joins exactly one story (the second half of the ledger).
    from pipelines.kafka.ledger import final_stories

    stories = final_stories(bootstrap, topics.stories)
    members: dict[str, str] = {}
    for story in stories.values():
        for member in story["members"]:
            assert member["page_id"] not in members, "a page is a member of two stories"
            members[member["page_id"]] = story["story_id"]
    article_ids = {codecs.decode("Article", r.value)["page_id"] for r in read_all(bootstrap, topics.articles)}
    assert article_ids <= set(members)
    assert job["stories_created"] == len(stories)
    assert count(bootstrap, topics.links) == job["links_emitted"] > 0

    seed_article = next(
        codecs.decode("Article", r.value) for r in read_all(bootstrap, topics.articles)
        if codecs.decode("Article", r.value)["url"] == lines[0]["url"]
    )
    assert "Putin" in seed_article["body"]


def test_replay_is_byte_identical_and_committed_group_reads_nothing(kafka_broker, topics, feed, tmp_path):
    path, _ = feed
    bootstrap = kafka_broker.bootstrap
    produce(bootstrap, topics.raw, messages_from_jsonl(path), progress=False)
    group = f"replay-{topics.prefix}"
    run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=group))
    first = _by_key(read_all(bootstrap, topics.articles))

    again = run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=group))
    assert counters(again).get("pages_read", 0) == 0, "a committed group must not read the same input twice"
    assert count(bootstrap, topics.articles) == len(first)

    replay = Topics(topics.prefix + "replay.")
    from pipelines.kafka.admin import create_topics

    create_topics(bootstrap, replay)
    produce(bootstrap, replay.raw, messages_from_jsonl(path), progress=False)
    run(JobSettings(bootstrap=bootstrap, topics=replay, group_id=f"other-{topics.prefix}", start="earliest",
                    output_dir=str(tmp_path)))
    second = _by_key(read_all(bootstrap, replay.articles))
    assert second == first, "replaying the same input must give the same keys and byte-identical values"
    lake = list((tmp_path / "articles").glob("articles*.jsonl"))
    assert sum(len(p.read_text().splitlines()) for p in lake) == len(first)


@pytest.mark.parametrize("runner", ["PrismRunner", "FlinkRunner"])
def test_streaming_picks_up_new_records_and_cancels(kafka_broker, topics, feed, runner):
    path, lines = feed
    bootstrap = kafka_broker.bootstrap
    messages = list(messages_from_jsonl(path))
    early, late = messages[:10], messages[10:30]
    produce(bootstrap, topics.raw, early, progress=False)
    result = run(
        JobSettings(bootstrap=bootstrap, topics=topics, group_id=f"s-{topics.prefix}", runner=runner,
                    mode="streaming", allowed_lateness_ms=5_000),
        wait=False,
    )
    try:
        deadline = time.monotonic() + 180
        while _accounted(bootstrap, topics) < len(early):
            assert time.monotonic() < deadline, "streaming job did not process the first records"
            time.sleep(1)
        produce(bootstrap, topics.raw, late, progress=False)  # arrives after the job started
        want = len(early) + len(late)
        while _accounted(bootstrap, topics) < want:
            assert time.monotonic() < deadline, "streaming job did not pick up records produced later"
            time.sleep(1)
        # Stories are decided once the watermark passes each article's time plus the decision delay,
        # so the last articles of the feed join their stories some seconds after they were read.
        while _undecided_articles(bootstrap, topics):
            assert time.monotonic() < deadline, (
                f"articles never joined a story nor were dead-lettered as late (the watermark did not "
                f"advance): {sorted(_undecided_articles(bootstrap, topics))}")
            time.sleep(1)
        # Offsets are committed once outputs are durable (Prism: once the records' decisions are
        # written; Flink: when a checkpoint completes, every 10 s by default), so the lag drains to 0.
        while summarize(consumer_lag(bootstrap, topics.raw, f"s-{topics.prefix}"))["lag"] != 0:
            assert time.monotonic() < deadline, "offsets were not committed"
            time.sleep(1)
    finally:
        state = cancel(result)
    assert state in {"CANCELLED", "CANCELLING"}
    _ledger(bootstrap, topics)
    assert not _undecided_articles(bootstrap, topics)


def _undecided_articles(bootstrap: str, topics: Topics) -> set[str]:
    """The second half of the ledger in streaming: each article ends up a story member or, once an idle
    partition's watermark has moved on to the wall clock, one `dedup` dead letter saying why. Returns the
    articles that are neither yet."""
    from pipelines.kafka.ledger import final_stories

    articles_by_url = {a["url"]: a["page_id"] for a in
                       (codecs.decode("Article", r.value) for r in read_all(bootstrap, topics.articles))}
    late = {}
    for record in read_all(bootstrap, topics.dlq):
        if dead_letter_stage(record) == "dedup":
            letter = codecs.decode("DeadLetter", record.value)
            assert letter["error_class"] == "LateRecord" and "allowed lateness of 5000 ms" in letter["reason"]
            url = codecs.decode_raw_page(letter["original_value"])["url"]
            assert url in articles_by_url, "a late letter's page was still written as an article"
            late[articles_by_url[url]] = letter
    members = {m["page_id"] for s in final_stories(bootstrap, topics.stories).values() for m in s["members"]}
    articles = set(articles_by_url.values())
    assert not late.keys() & members, "a late article must not be merged into a story"
    return articles - members - late.keys()
