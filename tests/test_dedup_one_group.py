"""Dedup of a bounded input in one group gives the keyed steps' stories and link edges."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

from pipelines.beam.lake import WriteJsonLines
from pipelines.beam.steps.dedup import DedupStories, DedupStoriesInOneGroup, dedup_docs
from pipelines.beam.steps.dedup.one_group import decide_all
from pipelines.config import JobSettings
from pipelines.core.dedup.signature import event_time_ms, fingerprint, fingerprints
from pipelines.core.extract import extract_article
from tests.test_dedup_step import _articles as labelled_articles
from tests.test_dedup_step import _final

SEED = Path(__file__).parent / "data" / "seeds" / "000_f4b3b7efe7834f89.txt"
LATENESS_MS = 600_000


@pytest.fixture(autouse=True, scope="module")
def _sdk_patches_as_the_job_runs():
    from pipelines.beam import sdk_patches

    sdk_patches.install("DirectRunner")


def _articles() -> list[dict]:
    """80 labelled articles, the first 30 listing the next one as a related-news item (so items
    resolve to stories and several pages link the same ones), and the seed page."""
    out = labelled_articles()
    for k in range(30):
        nxt = out[k + 1]
        out[k]["related"] = [{"title": nxt["title"], "url": nxt["url"], "snippet": nxt["lead"][:120], "language": "en"}]
    seed = extract_article({"url": "https://id.newsaggregator.example/berita/f4b3b7efe7834f89",
                            "source": "aggregator-id", "fetched_at": 1_795_168_800_000, "published_at": None,
                            "content_type": "text/plain", "charset": None, "body": SEED.read_bytes(),
                            "headers": {}})
    return [*out, seed]


def _run(transform: beam.PTransform, articles: list[dict]) -> tuple[list[dict], list[dict], list[tuple]]:
    """Stories, links and (record kind, key, timestamp in ms) of every record."""
    out = Path(tempfile.mkdtemp(prefix="one-group-"))
    with beam.Pipeline(runner=FnApiRunner()) as p:
        stamped = (p | beam.Create(articles)
                   | beam.Map(lambda a: beam.window.TimestampedValue(a, a["fetched_at"] / 1000)))
        stories, links = stamped | transform
        stories | "KeepStories" >> WriteJsonLines(str(out / "stories"))
        links | "KeepLinks" >> WriteJsonLines(str(out / "links"))
        stamps = (
            (stories | "StoryStamp" >> beam.Map(
                lambda s, t=beam.DoFn.TimestampParam: {"stamp": ["story", s["story_id"], t.micros // 1000]}),
             links | "LinkStamp" >> beam.Map(
                lambda lk, t=beam.DoFn.TimestampParam: {"stamp": ["link", lk["observed_at"], t.micros // 1000]}))
            | beam.Flatten())
        stamps | "KeepStamps" >> WriteJsonLines(str(out / "stamps"))

    def read(name: str) -> list:
        return [json.loads(line) for f in sorted(out.glob(f"{name}*")) for line in f.read_text().splitlines()]

    return read("stories"), read("links"), [tuple(x["stamp"]) for x in read("stamps")]


def _edges(links: list[dict]) -> set[tuple]:
    return {(lk["from_story"], lk["type"], lk["to_story"] or "", lk["to_url"] or "", lk["to_title"] or "")
            for lk in links}


def test_one_group_gives_the_keyed_steps_final_stories_and_link_edges():
    articles = _articles()
    keyed_stories, keyed_links, _ = _run(DedupStories(expire_state=False), articles)
    stories, links, _ = _run(DedupStoriesInOneGroup(allowed_lateness_ms=LATENESS_MS), articles)
    assert len(stories) == len({s["story_id"] for s in stories}), "one record per story, the final one"
    assert {s["story_id"]: s for s in stories} == _final(keyed_stories)
    assert len(links) == len(_edges(links)), "one record per link edge"
    assert _edges(links) == _edges(keyed_links)
    kinds = {lk["type"] for lk in links}
    assert {"duplicate_of", "similar_news", "related"} <= kinds, kinds


def test_records_are_stamped_when_the_keyed_steps_would_decide_them():
    articles = _articles()
    stories, _links, stamps = _run(DedupStoriesInOneGroup(allowed_lateness_ms=LATENESS_MS), articles)
    time_of = {d["page_id"]: event_time_ms(d) for a in articles for d in dedup_docs(a)}
    latest = {s["story_id"]: max(time_of[m["page_id"]] for m in s["members"]) for s in stories}
    for kind, key, stamp_ms in stamps:
        expected = latest[key] if kind == "story" else key
        assert stamp_ms == expected + LATENESS_MS


def test_decisions_do_not_depend_on_the_order_documents_come_in():
    docs = [d for a in _articles() for d in dedup_docs(a)]
    baseline = decide_all(docs, 48 * 3600 * 1000)
    for seed in (1, 2):
        shuffled = list(docs)
        random.Random(seed).shuffle(shuffled)
        result, links = decide_all(shuffled, 48 * 3600 * 1000)
        assert json.dumps(result.stories) == json.dumps(baseline[0].stories)
        assert json.dumps(links) == json.dumps(baseline[1])


def test_twins_share_a_fingerprint_computation_and_keep_their_own_ids():
    doc = {"page_id": "a", "published_at": 1_000, "title": "Storm closes schools in Cluj",
           "lead": "Schools stay shut on Monday.", "body": "Schools stay shut on Monday. " * 40,
           "canonical_url": "https://example.com/storm"}
    twin = {**doc, "page_id": "b", "published_at": 2_000}
    other = {**doc, "page_id": "c", "title": "Storm closes schools in Iasi"}
    expected = [fingerprint(doc), fingerprint(twin), fingerprint(other), fingerprint(doc)]
    assert fingerprints([doc, twin, other, doc]) == expected
    assert [fp.band_keys for fp in fingerprints([doc, twin])] == [fingerprint(doc).band_keys] * 2
    longer = {**twin, "body": twin["body"] + "More."}
    assert fingerprints([doc, longer])[1] == fingerprint(longer)


@pytest.mark.parametrize("mode, records, limit, expected", [
    ("bounded", 2_000, 100_000, True),
    ("bounded", 100_001, 100_000, False),
    ("bounded", None, 100_000, False),
    ("bounded", 10, 0, False),
    ("streaming", 10, 100_000, False),
])
def test_which_runs_dedup_in_one_group(mode, records, limit, expected):
    job = JobSettings(mode=mode, one_group_dedup_limit=limit)
    assert job.dedups_in_one_group(records) is expected


def _counters(transform: beam.PTransform, articles: list[dict]) -> dict[str, int]:
    p = beam.Pipeline(runner=FnApiRunner())
    _ = (p | beam.Create(articles)
         | beam.Map(lambda a: beam.window.TimestampedValue(a, a["fetched_at"] / 1000)) | transform)
    result = p.run()
    result.wait_until_finish()
    names = ("dedup_docs", "dedup_pairs_judged", "dups_exact", "dups_near", "stories_created", "stories_updated",
             "stories_merged")
    found = {c.key.metric.name: c.committed for c in result.metrics().query()["counters"]}
    return {name: found.get(name, 0) for name in names}


def test_one_group_counts_what_the_keyed_steps_count():
    articles = _articles()
    one_group = _counters(DedupStoriesInOneGroup(allowed_lateness_ms=LATENESS_MS), articles)
    assert one_group == _counters(DedupStories(expire_state=False), articles)
    assert min(one_group.values()) > 0, one_group
