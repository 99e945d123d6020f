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


def test_index_messages_and_cells_round_trip():
    from pipelines.beam.steps.dedup.records import (
        Edge,
        IndexMark,
        IndexProbe,
        PendingProbe,
        Report,
        ResidentEntry,
    )

    probe = IndexProbe(1_795_000_006, (3, 1 << 63, 17), b"\x02fingerprint")
    assert IndexProbe.decode(probe.encode()) == probe
    edges = (Edge(5, "p1", "duplicate", 0.9, "body"), Edge(-7, "Copy-7", "related", 0.25, "paragraph"))
    assert Report.decode(Report(3, edges).encode()) == Report(3, edges)
    assert Report.decode(Report(0, ()).encode()) == Report(0, ())
    resident = ResidentEntry(1_795_000_006, b"\x02fp")
    assert ResidentEntry.decode(resident.encode()) == resident and len(resident.encode()) == 5 + 3
    waiting = PendingProbe(1_795_000_600_000_000, probe.encode())
    assert PendingProbe.decode(waiting.encode()) == waiting
    mark = IndexMark(b"i" * 16, 9, -(1 << 62), 1_795_000_000_000_000, 3)
    assert IndexMark.decode(mark.encode()) == mark


def test_fingerprint_sends_every_partition_the_same_probe_with_stable_tags():
    from pipelines.beam.steps.dedup.index import FingerprintFn
    from pipelines.beam.steps.dedup.records import IndexProbe
    from pipelines.core.dedup.band_index import band_tag, band_tags
    from pipelines.core.dedup.signature import fingerprint

    doc = {**_articles()[0], "page_id": "0123456789abcdef0123456789abcdef"}
    outputs = list(FingerprintFn(3).process(doc, timestamp=Timestamp(micros=1_795_000_005_001_000)))
    probes = [o.value for o in outputs if getattr(o, "tag", None) == "probes"]
    assert [key for key, _ in probes] == ["p0", "p1", "p2"] and len({data for _, data in probes}) == 1
    probe = IndexProbe.decode(probes[0][1])
    assert probe.arrival_s == 1_795_000_006, "arrival rounds up to the second"
    assert probe.tags == band_tags(fingerprint(doc).band_keys) and list(probe.tags) == sorted(set(probe.tags))
    # BLAKE2b, not hash(): the same tag in every worker process, on every replay and after a restart
    assert band_tag("x:00ff") == 0xcb2968c455fe4bac


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
    def __init__(self) -> None:
        self.timers: dict[str, Timestamp] = {}

    def set(self, timestamp, dynamic_timer_tag: str = "") -> None:
        self.at = self.timers[dynamic_timer_tag] = timestamp

    def next(self) -> Timestamp:
        """The earliest timer set, taken off as the runner fires it."""
        tag = min(self.timers, key=lambda t: (self.timers[t], t))
        return self.timers.pop(tag)


def _step(fn, element, **state):
    fn.start_bundle() if hasattr(fn, "start_bundle") else None
    return list(fn.process(element, timestamp=Timestamp(1_795_000_000), expire=_Timer(), **state) or ())


def _duplicate_pair():
    from pipelines.core.dedup.decide import explain
    from pipelines.core.dedup.signature import fingerprint

    fps = [fingerprint(to_doc(json.loads(line))) for line in DATA.read_text().splitlines()[:40]]
    return next(sorted((a, b), key=lambda f: (f.event_time_ms, f.page_id))
                for a in fps for b in fps if a is not b and explain(a, b).label == "duplicate")


class _Partition:
    """One Index partition key driven by hand: its bags, mark cell and timers."""

    def __init__(self, fn, key: str = "p0") -> None:
        self.fn, self.key = fn, key
        self.residents, self.pending, self.mark = _Bag(), _Bag(), _Value()
        self.decide, self.sweep = _Timer(), _Timer()

    def send(self, fp, at_s: int) -> list:
        from pipelines.beam.steps.dedup.records import IndexProbe
        from pipelines.core.dedup.band_index import band_tags

        probe = IndexProbe(at_s, band_tags(fp.band_keys), fp.to_bytes()).encode()
        return list(self.fn.process((self.key, probe), timestamp=Timestamp(at_s), residents=self.residents,
                                    pending=self.pending, mark=self.mark, decide=self.decide, sweep=self.sweep))

    def fire_decide(self) -> list:
        return list(self.fn.on_decide(key=self.key, fired=self.decide.next(), residents=self.residents,
                                      pending=self.pending, mark=self.mark, decide=self.decide))

    def fire_sweep(self) -> list:
        return list(self.fn.on_sweep(key=self.key, fired=self.sweep.at, residents=self.residents,
                                     pending=self.pending, mark=self.mark, sweep=self.sweep) or ())


def _reports(outputs: list) -> dict[str, list[tuple[str, str]]]:
    from pipelines.beam.steps.dedup.records import Report

    return {o.value[0]: [(e.senior, e.label) for e in Report.decode(o.value[1]).edges] for o in outputs}


def test_an_index_partition_judges_a_newcomer_when_the_watermark_passes_its_deadline():
    from pipelines.beam.steps.dedup.index import IndexFn

    senior, junior = _duplicate_pair()
    fn = IndexFn(partitions=1, horizon_ms=48 * 3600_000, delay_ms=600_000)
    fn.setup()
    fn.start_bundle()
    part = _Partition(fn)
    assert part.send(junior, 1_000) == [] and part.send(senior, 1_100) == [], "nothing before the deadline"
    assert part.send(junior, 1_200) == [], "a replay before the judging"
    assert len(part.residents.value) == 2 and len(part.pending.value) == 2
    assert part.decide.timers == {junior.page_id: Timestamp(1_600), senior.page_id: Timestamp(1_700)}, \
        "a timer per newcomer at its deadline: its time plus the allowed lateness"
    outputs = part.fire_decide()
    assert _reports(outputs) == {junior.page_id: [(senior.page_id, "duplicate")]}
    assert [o.timestamp for o in outputs] == [Timestamp(1_600)], "stamped with the newcomer's deadline"
    assert _reports(part.fire_decide()) == {senior.page_id: []}, "no resident is senior to the senior"
    # Residents expire by arrival, horizon plus lateness after it.
    assert part.sweep.at == Timestamp(1_000 + 48 * 3600 + 600)
    keep_s = 48 * 3600 + 600
    assert part.fire_sweep() == [] and len(part.residents.value) == 1, "the junior went, the senior came later"
    assert part.sweep.at == Timestamp(1_000 + keep_s + keep_s // 8), "a sweep waits an eighth of the horizon"
    assert part.fire_sweep() == [] and part.residents.value == []


def test_a_sweep_that_fires_first_keeps_what_a_waiting_newcomer_needs_and_late_ones_are_judged_at_once():
    from pipelines.beam.steps.dedup.index import IndexFn

    senior, junior = _duplicate_pair()
    keep_s = 48 * 3600
    fn = IndexFn(partitions=1, horizon_ms=keep_s * 1000, delay_ms=0)
    fn.setup()
    fn.start_bundle()
    part = _Partition(fn)
    part.send(senior, 1_000)
    assert _reports(part.fire_decide()) == {senior.page_id: []}
    part.send(junior, 1_000 + keep_s - 10)
    # The watermark jumps past both timers and the sweep fires first: the senior stays for the junior.
    part.fire_sweep()
    assert len(part.residents.value) == 2
    assert _reports(part.fire_decide()) == {junior.page_id: [(senior.page_id, "duplicate")]}
    # A copy whose deadline the partition has judged past is judged at once, at its own deadline.
    late = part.send(junior, 1_000 + keep_s - 20)
    assert _reports(late) == {junior.page_id: [(senior.page_id, "duplicate")]}
    assert [o.timestamp for o in late] == [Timestamp(1_000 + keep_s - 20)]


def test_a_firing_judges_every_newcomer_whose_deadline_it_passed():
    from pipelines.beam.steps.dedup.index import IndexFn

    senior, junior = _duplicate_pair()
    fn = IndexFn(partitions=1, horizon_ms=48 * 3600_000, delay_ms=600_000, expire=False)
    fn.setup()
    fn.start_bundle()
    part = _Partition(fn)
    part.send(senior, 1_100)
    part.send(junior, 1_000)
    # The watermark jumps to the end: the runner may fire the later timer first; it judges both.
    outputs = list(fn.on_decide(key="p0", fired=part.decide.timers.pop(senior.page_id), residents=part.residents,
                                pending=part.pending, mark=part.mark, decide=part.decide))
    assert _reports(outputs) == {junior.page_id: [(senior.page_id, "duplicate")], senior.page_id: []}
    assert sorted(o.timestamp for o in outputs) == [Timestamp(1_600), Timestamp(1_700)], "each at its own deadline"
    assert part.fire_decide() == [], "the junior's own timer finds it judged"


def test_a_partition_files_only_its_own_documents_and_reports_on_every_one():
    from pipelines.beam.steps.dedup.index import IndexFn, home_partition

    senior, junior = _duplicate_pair()
    home = home_partition(senior.page_id, 2)
    fn = IndexFn(partitions=2, horizon_ms=48 * 3600_000, delay_ms=0)
    fn.setup()
    fn.start_bundle()
    parts = [_Partition(fn, "p0"), _Partition(fn, "p1")]
    for part in parts:
        part.send(senior, 1_000)
        part.send(junior, 1_000)
    assert sum(len(p.residents.value) for p in parts) == 2, "each document filed once, in its home"
    reports = [_reports(p.fire_decide()) for p in parts]
    assert all(set(r) == {senior.page_id, junior.page_id} for r in reports), "every partition reports on each"
    assert reports[home][junior.page_id] == [(senior.page_id, "duplicate")]
    assert reports[1 - home][junior.page_id] == [] or home_partition(junior.page_id, 2) == home


def test_a_partition_rebuilds_its_index_when_its_mark_names_another_instance_or_bundle():
    from pipelines.beam.steps.dedup.index import IndexFn

    senior, junior = _duplicate_pair()
    fn = IndexFn(partitions=1, horizon_ms=48 * 3600_000, delay_ms=0, expire=False)
    fn.setup()
    fn.start_bundle()
    part = _Partition(fn)
    part.send(senior, 1_000)
    assert part.residents.reads == 1 and part.mark.reads == 1
    fn.start_bundle()
    part.send(junior, 1_000)
    assert part.residents.reads == 1, "the instance's own last change: its index is current"
    # Another instance (a restore, another worker) takes the partition over and back.
    other = IndexFn(partitions=1, horizon_ms=48 * 3600_000, delay_ms=0, expire=False)
    other.setup()
    other.start_bundle()
    other_part = _Partition(other)
    other_part.residents, other_part.pending, other_part.mark = part.residents, part.pending, part.mark
    other_part.decide = part.decide
    assert _reports(other_part.fire_decide()) == {senior.page_id: [], junior.page_id: [(senior.page_id, "duplicate")]}
    assert part.residents.reads == 2, "the other instance rebuilt from the bags"
    fn.start_bundle()
    assert part.fire_decide() == [], "both judged by the other instance: its mark says so"
    assert part.residents.reads == 3, "and this instance rebuilt too"
    # A bundle whose changes the runner dropped (a retry) leaves an older mark: rebuild again.
    kept = (list(part.residents.value), list(part.pending.value), part.mark.value)
    fn.start_bundle()
    part.send(senior, 1_000)
    part.residents.value, part.pending.value, part.mark.value = kept
    fn.start_bundle()
    part.send(junior, 1_000)
    assert part.residents.reads == 4


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
    assert len(flattens) >= 2 and len(stateful) == 5
    for node in flattens:
        (output,) = node.outputs.values()
        assert {pcoll.element_type for pcoll in node.inputs} == {output.element_type}, node.full_label
    for node in stateful:
        assert [pcoll.element_type for pcoll in node.inputs] == [KV[str, bytes]], node.full_label
