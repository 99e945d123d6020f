"""The Beam dedup reproduces the offline story rule, whatever the arrival order or worker split."""

from __future__ import annotations

import json
import random
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.utils.timestamp import Timestamp

from pipelines.beam.lake import WriteJsonLines
from pipelines.beam.steps.dedup import DedupStories, dedup_docs
from pipelines.core.dedup.stories import cluster
from pipelines.quality.evaluation.dedup import to_doc

DATA = Path(__file__).parent / "data" / "dedup" / "labeled_sample.jsonl"
SEED = Path(__file__).parent / "data" / "seeds" / "000_f4b3b7efe7834f89.txt"


@pytest.fixture(autouse=True, scope="module")
def _sdk_patches_as_the_job_runs():
    """The DirectRunner's SDK harness as `newsbeam run` sets it up (runners/launch.py)."""
    from pipelines.beam import sdk_patches

    sdk_patches.install("DirectRunner")


def _articles() -> list[dict]:
    out = []
    for line in DATA.read_text().splitlines()[:80]:
        doc = to_doc(json.loads(line))
        doc.update(fetched_at=doc["published_at"], source=doc["url"].split("/")[2], related=[], language="und",
                   language_confidence=0.0, lead=doc["body"].split("\n")[0])
        out.append(doc)
    return out


def _run(articles: list[dict], workers: int = 1, shuffle_seed: int | None = None,
         expire_state: bool = True) -> tuple[list, list]:
    import tempfile

    items = list(articles)
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(items)
    out = Path(tempfile.mkdtemp(prefix="dedup-"))
    options = beam.options.pipeline_options.PipelineOptions(
        [f"--direct_num_workers={workers}", "--direct_running_mode=in_memory"])
    with beam.Pipeline(runner=FnApiRunner(), options=options) as p:
        stamped = (
            p
            | beam.Create(items, reshuffle=workers > 1)
            | beam.Map(lambda a: beam.window.TimestampedValue(a, a["fetched_at"] / 1000))
        )
        stories, links = stamped | DedupStories(expire_state=expire_state)
        stories | "KeepStories" >> WriteJsonLines(str(out / "stories"))
        links | "KeepLinks" >> WriteJsonLines(str(out / "links"))

    def read(name: str) -> list[dict]:
        return [json.loads(line) for f in sorted(out.glob(f"{name}*")) for line in f.read_text().splitlines()]

    return read("stories"), read("links")


def _final(stories: list[dict]) -> dict[str, dict]:
    """The last upsert per story id (the highest version, as a compacted topic keeps it)."""
    final: dict[str, dict] = {}
    for story in stories:
        old = final.get(story["story_id"])
        if old is None or (story["version"], story["merged_into"] or "") > (old["version"], old["merged_into"] or ""):
            final[story["story_id"]] = story
    return final


def _story_of(final: dict[str, dict]) -> dict[str, str]:
    return {m["page_id"]: sid for sid, story in final.items() for m in story["members"]}


def _reference(articles: list[dict]):
    docs = [d for a in articles for d in dedup_docs(a)]
    return cluster(docs)


@pytest.mark.parametrize("expire_state", [True, False], ids=["streaming-state", "bounded-state"])
def test_beam_matches_the_offline_rule(expire_state):
    """Bounded runs set no expiry timers (`expire_state=False`): same stories and links."""
    articles = _articles()
    stories, links = _run(articles, expire_state=expire_state)
    final = _final(stories)
    ref = _reference(articles)
    assert _story_of(final) == ref.story_of
    expected = {s["story_id"]: s for s in ref.stories}
    assert final == expected
    kinds = lambda ls, t: {(lk["from_story"], lk["to_story"]) for lk in ls if lk["type"] == t}  # noqa: E731
    for kind in ("duplicate_of", "merged_into", "related"):
        assert kinds(links, kind) == kinds(ref.links, kind), kind


@pytest.mark.parametrize("workers, seed", [(1, 3), (2, 5)])
def test_arrival_order_and_worker_split_do_not_change_ids(workers, seed):
    articles = _articles()
    stories, links = _run(articles)
    baseline = _final(stories)
    shuffled_stories, shuffled_links = _run(articles, workers=workers, shuffle_seed=seed)
    assert _final(shuffled_stories) == baseline
    # Which stories are linked, and how, does not depend on the order either (the score and evidence
    # of a relation that several document pairs establish are those of the first pair seen).
    identity = lambda ls: sorted((lk["from_story"], lk["type"], lk["to_story"] or "", lk["to_url"] or "")  # noqa: E731
                                 for lk in ls)
    assert identity(shuffled_links) == identity(links)


def test_seed_related_items_become_linked_stories():
    from pipelines.core.extract import extract_article

    page = {"url": "https://id.newsaggregator.example/berita/f4b3b7efe7834f89", "source": "aggregator-id",
            "fetched_at": 1_795_168_800_000, "published_at": None, "content_type": "text/plain", "charset": None,
            "body": SEED.read_bytes(), "headers": {}}
    article = extract_article(page)
    assert len(article["related"]) == 4
    stories, links = _run([article])
    of = _story_of(_final(stories))
    items = [d["page_id"] for d in dedup_docs(article)[1:]]
    seed_story = of[article["page_id"]]
    assert of[items[2]] == of[items[3]], "items 3 and 4 report one event"
    assert len({of[items[0]], of[items[2]], seed_story}) == 3
    related = {frozenset((lk["from_story"], lk["to_story"])) for lk in links if lk["type"] == "related"}
    assert of[items[1]] == of[items[2]] or frozenset((of[items[1]], of[items[2]])) in related
    similar = {lk["to_story"] for lk in links if lk["type"] == "similar_news" and lk["from_story"] == seed_story}
    assert {of[items[0]], of[items[2]]} <= similar


def test_event_time_out_of_order_and_expiry_with_test_stream():
    """Copies arriving out of order within the decision delay still join the senior's story; a copy
    beyond the horizon founds its own story."""
    base = _articles()[0]
    t0 = base["fetched_at"]
    copy = {**base, "page_id": "copy", "url": "https://other.example/copy", "canonical_url": "https://other.example/copy"}
    senior = {**base, "page_id": "senior", "url": "https://s.example/a", "canonical_url": "https://s.example/a",
              "published_at": t0 - 60_000, "fetched_at": t0 - 60_000}
    far = {**base, "page_id": "far", "url": "https://f.example/a", "canonical_url": "https://f.example/a",
           "published_at": t0 + 49 * 3600_000, "fetched_at": t0 + 49 * 3600_000}
    stream = (
        TestStream()
        .advance_watermark_to(Timestamp.of(t0 / 1000 - 120))
        .add_elements([beam.window.TimestampedValue(copy, t0 / 1000)])
        .add_elements([beam.window.TimestampedValue(senior, (t0 - 60_000) / 1000)])  # arrives after its copy
        .advance_watermark_to(Timestamp.of(t0 / 1000 + 3600))
        .add_elements([beam.window.TimestampedValue(far, far["fetched_at"] / 1000)])
        .advance_watermark_to(Timestamp.of(far["fetched_at"] / 1000 + 49 * 3600))
        .advance_watermark_to_infinity()
    )
    options = beam.options.pipeline_options.PipelineOptions(["--streaming"])
    with beam.Pipeline(runner="BundleBasedDirectRunner", options=options) as p:
        stories, _links = p | stream | DedupStories()
        membership = (
            stories
            | beam.WindowInto(beam.window.GlobalWindows(), trigger=beam.trigger.AfterWatermark(),
                              accumulation_mode=beam.trigger.AccumulationMode.DISCARDING)
            | beam.Map(lambda s: (s["story_id"], (s["version"], sorted(m["page_id"] for m in s["members"]))))
            | beam.CombinePerKey(max)
            | beam.Values()
            | beam.Map(lambda v: tuple(v[1]))
        )
        assert_that(membership, equal_to([("copy", "senior"), ("far",)]))


def test_late_articles_join_no_story():
    """An article of a record marked late is left out of dedup, while an on-time copy of it still
    founds a story: its story was decided without it, so it cannot join one on every replay."""
    from pipelines.core.dead_letters import LATE_ARTICLE_KEY

    base = _articles()[0]
    t0 = base["fetched_at"]
    late = {**base, "page_id": "late", "url": "https://l.example/a", "canonical_url": "https://l.example/a",
            LATE_ARTICLE_KEY: True}
    stream = (
        TestStream()
        .advance_watermark_to(Timestamp.of(t0 / 1000 - 10))
        .add_elements([beam.window.TimestampedValue(base, t0 / 1000)])
        .advance_watermark_to(Timestamp.of(t0 / 1000 + 3600))
        .add_elements([beam.window.TimestampedValue(late, (t0 - 3_600_000) / 1000)])
        .advance_watermark_to_infinity()
    )
    options = beam.options.pipeline_options.PipelineOptions(["--streaming"])
    with beam.Pipeline(runner="BundleBasedDirectRunner", options=options) as p:
        stories, _links = p | stream | DedupStories(allowed_lateness_ms=600_000)
        members = (
            stories
            | beam.FlatMap(lambda s: [m["page_id"] for m in s["members"]])
            | beam.WindowInto(beam.window.GlobalWindows(), trigger=beam.trigger.AfterWatermark(),
                              accumulation_mode=beam.trigger.AccumulationMode.DISCARDING)
            | beam.Distinct()
        )
        assert_that(members, equal_to([base["page_id"]]), label="only the on-time article is a member")


def test_records_beyond_the_allowed_lateness_are_marked_and_dead_lettered_once():
    """The lateness step marks a record trailing its partition's watermark by more than the allowed
    lateness; its article is still made (and flagged for dedup to leave alone) and it yields one
    `dedup`/`LateRecord` dead letter with the figures and the original bytes. An on-time record
    passes unchanged and yields no letter."""
    from pipelines.beam.steps.decode_extract import DEAD, _ExtractFn
    from pipelines.beam.steps.lateness import _MarkLateFn
    from pipelines.core.dead_letters import LATE_ARTICLE_KEY
    from pipelines.core.records import KafkaRecord, behind_watermark

    assert behind_watermark([10, 30, 20, 5, 40, 40, 39]) == [0, 0, 10, 25, 0, 0, 1]
    on_time = KafkaRecord("raw", 2, 41, b"k", b"original bytes", 1_000, (), 600_000)
    late = on_time._replace(behind_ms=3_000_000)
    mark = _MarkLateFn(600_000)
    assert list(mark.process(on_time)) == [on_time]
    [marked] = list(mark.process(late))
    assert marked == late._replace(late=True)

    page = {"url": "https://x.example/a", "source": "x", "fetched_at": 1_000, "published_at": None,
            "content_type": "text/plain", "charset": None, "headers": {},
            "body": b"Title of the page\n\nA first paragraph with enough words to be an article body here."}
    extract = _ExtractFn(1 << 20, 600_000)
    [article] = list(extract.process((on_time, page)))
    assert LATE_ARTICLE_KEY not in article
    letter, late_article = list(extract.process((marked, page)))
    assert late_article[LATE_ARTICLE_KEY] is True and late_article["page_id"] == article["page_id"]
    assert letter.tag == DEAD
    summary = {k: letter.value[k] for k in ("stage", "error_class", "source_partition", "source_offset",
                                             "original_value")}
    assert summary == {"stage": "dedup", "error_class": "LateRecord", "source_partition": 2,
                       "source_offset": 41, "original_value": b"original bytes"}
    reason = letter.value["reason"]
    assert "3000000 ms" in reason and "600000 ms" in reason and article["page_id"] in reason


def test_bucket_entries_round_trip_compactly():
    from pipelines.beam.steps.dedup.candidates import FingerprintFn
    from pipelines.beam.steps.dedup.records import BandFiling, BucketEntry

    pipeline_id = "0123456789abcdef0123456789abcdef"
    entry = BucketEntry(b"T" * 8, 1_795_000_000_123, 1_795_000_006, pipeline_id)
    packed = entry.encode()
    assert len(packed) == 38, "format byte, tag, times, and a hex page id as 16 raw bytes"
    assert BucketEntry.decode(packed) == entry
    other = BucketEntry(b"T" * 8, -5, 0, "Copy-7")
    assert BucketEntry.decode(other.encode()) == other

    doc = {**_articles()[0], "page_id": pipeline_id}
    outputs = list(FingerprintFn().process(doc, timestamp=Timestamp(micros=1_795_000_005_001_000)))
    filings = [BandFiling.decode(o.value[1]) for o in outputs if getattr(o, "tag", None) == "bands"]
    assert filings and {f.arrival_s for f in filings} == {1_795_000_006}, "arrival rounds up to the second"


def test_bucket_tags_group_band_keys_by_a_stable_shard():
    from pipelines.beam.steps.dedup.candidates import BUCKET_SHARDS, bucket_tags

    keys = [f"b{i}:{i * 7919:08x}" for i in range(32)] + ["t0:ab", "x:00ff"]
    shards = bucket_tags(keys)
    assert sum(len(tags) for tags in shards.values()) == 8 * len(keys), "one 8-byte tag per band"
    assert all(0 <= int(shard, 16) < BUCKET_SHARDS for shard in shards)
    assert bucket_tags(list(reversed(keys))).keys() == shards.keys()
    # BLAKE2b, not hash(): the same shard in every worker process, on every replay and after a restart
    # from a savepoint (a changed value here means a changed state layout)
    assert bucket_tags(["x:00ff"]) == {"0bac": bytes.fromhex("cb2968c455fe4bac")}


class _Cell:
    """Bag / value state and timer stand-ins for driving one DoFn key by hand."""

    def __init__(self) -> None:
        self.items: list = []
        self.timer = None

    def read(self):
        return list(self.items) if isinstance(self.items, list) else self.items

    def add(self, value) -> None:
        self.items.append(value)

    def write(self, value) -> None:
        self.items = value

    def clear(self) -> None:
        self.items = [] if isinstance(self.items, list) else None

    def set(self, timestamp) -> None:
        self.timer = timestamp


def test_bucket_shard_finds_residents_and_expires_by_arrival():
    from pipelines.beam.steps.dedup.candidates import BucketsFn
    from pipelines.beam.steps.dedup.records import BandFiling, BucketEntry, Residents

    hour = 3600_000
    fn = BucketsFn(horizon_ms=48 * hour, delay_ms=0)
    entries, next_expiry, expire = _Cell(), _Cell(), _Cell()
    next_expiry.items = None
    tag_a, tag_b = b"A" * 8, b"B" * 8

    def file(page_id: str, tags: bytes, arrival_ms: int):
        element = ("0001", BandFiling(tags, arrival_ms, arrival_ms // 1000, page_id).encode())
        return list(fn.process(element, entries=entries, next_expiry=next_expiry, expire=expire))

    assert file("p1", tag_a, 0) == []
    assert file("p2", tag_b, 10 * hour) == [], "other band in the same shard: not a resident"
    assert file("p3", tag_a + tag_b, 20 * hour) == [("p3", Residents(("p1", "p2")).encode())]
    assert file("p3", tag_a + tag_b, 20 * hour) == [], "a replay files nothing twice"
    assert len(entries.items) == 4 and expire.timer.micros == 48 * hour * 1000

    fn.on_expire(fired=expire.timer, entries=entries, next_expiry=next_expiry, expire=expire)
    left = {BucketEntry.decode(e)[1:] for e in entries.items}
    assert left == {(10 * hour, 10 * hour // 1000, "p2"), (20 * hour, 20 * hour // 1000, "p3")}
    assert expire.timer.micros == 58 * hour * 1000, "re-armed at the oldest remaining entry's expiry"
    assert file("p4", tag_a, 50 * hour) == [("p4", Residents(("p3",)).encode())], "p1 expired, p3 still there"
    fn.on_expire(fired=expire.timer, entries=entries, next_expiry=next_expiry, expire=expire)
    assert expire.timer.micros == 68 * hour * 1000, "a sweep waits at least an eighth of the horizon (6 h)"
    for _ in range(3):
        fn.on_expire(fired=expire.timer, entries=entries, next_expiry=next_expiry, expire=expire)
    assert entries.items == [] and next_expiry.items is None


def test_bucket_shard_is_read_once_per_bundle_and_again_in_the_next():
    from pipelines.beam.steps.dedup.candidates import BucketsFn
    from pipelines.beam.steps.dedup.records import BandFiling, BucketEntry, Residents

    fn = BucketsFn(horizon_ms=48 * 3600_000, delay_ms=0, expire=False)
    entries, next_expiry = _Bag(), _Value()
    tag_a, tag_b = b"A" * 8, b"B" * 8

    def file(page_id: str, tags: bytes, t: int):
        element = ("0001", BandFiling(tags, t, t // 1000, page_id).encode())
        return list(fn.process(element, entries=entries, next_expiry=next_expiry, expire=_Timer()))

    fn.start_bundle()
    assert file("p1", tag_a, 0) == [] and file("p2", tag_a + tag_b, 1000) == [("p2", Residents(("p1",)).encode())]
    assert file("p3", tag_b, 2000) == [("p3", Residents(("p2",)).encode())]
    assert entries.reads == 1, "one read of the shard for the bundle"
    # Between bundles the shard changes under the instance (a restore, another worker's filing).
    entries.value.append(BucketEntry(tag_b, 2500, 2, "p9").encode())
    fn.start_bundle()
    assert file("p4", tag_b, 3000) == [("p4", Residents(("p2", "p3", "p9")).encode())]
    assert entries.reads == 2
    assert file("p4", tag_b, 3000) == [], "a replay within the bundle files nothing twice"


class _Value:
    """A value cell standing in for the runner's: counts reads."""

    def __init__(self) -> None:
        self.value, self.reads = None, 0

    def read(self):
        self.reads += 1
        return self.value

    def write(self, value) -> None:
        self.value = value

    def clear(self) -> None:
        self.value = None


class _Bag(_Value):
    def __init__(self) -> None:
        super().__init__()
        self.value = []

    def read(self):
        self.reads += 1
        return list(self.value)

    def add(self, value) -> None:
        self.value.append(value)

    def clear(self) -> None:
        self.value = []


class _Timer:
    def set(self, timestamp) -> None:
        self.at = timestamp


def _step(fn, element, **state):
    fn.start_bundle() if hasattr(fn, "start_bundle") else None
    return list(fn.process(element, timestamp=Timestamp(1_795_000_000), expire=_Timer(), **state) or ())


def test_verify_parks_probes_until_its_fingerprint_and_reads_the_bag_only_then():
    from pipelines.beam.steps.dedup.candidates import VerifyFn
    from pipelines.beam.steps.dedup.records import Edge, OwnFingerprint, Probe
    from pipelines.core.dedup.decide import explain
    from pipelines.core.dedup.signature import fingerprint

    fps = [fingerprint(to_doc(json.loads(line))) for line in DATA.read_text().splitlines()[:40]]
    senior, junior = next(sorted((a, b), key=lambda f: (f.event_time_ms, f.page_id))
                          for a in fps for b in fps if a is not b and explain(a, b).label == "duplicate")
    fn, cell, pending = VerifyFn(10_000), _Value(), _Bag()
    probe = (senior.page_id, Probe(junior.to_bytes()).encode())
    own = (senior.page_id, OwnFingerprint(senior.to_bytes()).encode())
    assert _step(fn, probe, state=cell, pending=pending) == []
    assert len(pending.value) == 1 and pending.reads == 0
    edges = _step(fn, own, state=cell, pending=pending)
    assert [(key, Edge.decode(e).senior, Edge.decode(e).label) for key, e in edges] == [
        (junior.page_id, senior.page_id, "duplicate")]
    assert pending.value == [] and pending.reads == 1
    # A resident with nothing parked never reads its bag (a round trip on Flink).
    fn2, cell2, pending2 = VerifyFn(10_000), _Value(), _Bag()
    _step(fn2, own, state=cell2, pending=pending2)
    again = _step(fn2, probe, state=cell2, pending=pending2)
    assert again == edges and pending2.reads == 0


def test_resolve_links_parks_pairs_until_the_story_and_passes_one_link_per_other_story():
    from pipelines.beam.steps.dedup.records import OwnStory, Pair
    from pipelines.beam.steps.dedup.stories import ResolveLinksFn

    fn, cell, waiting = ResolveLinksFn(10_000), _Value(), _Bag()
    mine, other = "a" * 32, "b" * 32

    def pair(junior: str):
        return ("senior", Pair(other, 9, junior, junior, 5, "related", 0.5, "title").encode())

    assert _step(fn, pair("j1"), state=cell, waiting=waiting) == []
    assert waiting.reads == 0 and len(waiting.value) == 1
    links = _step(fn, ("senior", OwnStory(mine, 1, "senior").encode()), state=cell, waiting=waiting)
    assert [(lk["from_story"], lk["type"], lk["to_story"]) for lk in links] == [(other, "related", mine)]
    assert waiting.value == [] and waiting.reads == 1
    assert _step(fn, pair("j2"), state=cell, waiting=waiting) == [], "the same two stories again"
    assert waiting.reads == 1


def test_late_records_are_counted_and_reported_per_partition(caplog):
    from pipelines.beam.steps.lateness import _MarkLateFn
    from pipelines.core.records import KafkaRecord

    mark = _MarkLateFn(600_000)
    mark.start_bundle()
    for offset, behind in enumerate([0, 700_000, 900_000]):
        list(mark.process(KafkaRecord("raw", 3, offset, None, b"", 1_000, (), behind)))
    with caplog.at_level("WARNING", logger="pipelines.beam.steps.lateness"):
        mark.finish_bundle()
    [line] = [r.getMessage() for r in caplog.records]
    assert "raw partition 3: 2 records older than the allowed lateness (600 s) are late" in line
    assert "up to 900 s behind" in line
    mark.start_bundle()
    with caplog.at_level("WARNING", logger="pipelines.beam.steps.lateness"):
        mark.finish_bundle()
    assert len(caplog.records) == 1, "a bundle without late records says nothing"


def test_no_flatten_has_to_re_encode_and_stateful_steps_take_standard_coders():
    """Portable runners do not re-encode at a Flatten: its inputs must already have its coder. And
    every stateful step takes (str, bytes), which every runner can group and shard by key."""
    from apache_beam.pipeline import PipelineVisitor
    from apache_beam.transforms.userstate import get_dofn_specs
    from apache_beam.typehints import KV

    p = beam.Pipeline()
    _ = p | beam.Create([{"page_id": "x"}]) | "DedupStories" >> DedupStories()
    flattens, stateful = [], []

    class Visitor(PipelineVisitor):
        def visit_transform(self, node) -> None:
            if isinstance(node.transform, beam.Flatten):
                flattens.append(node)
            elif isinstance(node.transform, beam.ParDo) and any(get_dofn_specs(node.transform.fn)):
                stateful.append(node)

    p.visit(Visitor())
    assert len(flattens) >= 4 and len(stateful) == 7
    for node in flattens:
        (output,) = node.outputs.values()
        assert {pcoll.element_type for pcoll in node.inputs} == {output.element_type}, node.full_label
    for node in stateful:
        assert [pcoll.element_type for pcoll in node.inputs] == [KV[str, bytes]], node.full_label
