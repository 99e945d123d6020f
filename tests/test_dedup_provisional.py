"""Provisional stories (the early firing): every document is placed at arrival, and the records
a story ends on are the final ones, equal to a run without early firing."""

from __future__ import annotations

import time

import apache_beam as beam
import pytest
from apache_beam.testing.test_stream import TestStream
from apache_beam.utils.timestamp import Timestamp

from pipelines.beam.steps.dedup import DedupStories
from pipelines.beam.steps.dedup.records import (
    Document,
    Member,
    PendingState,
    ProvisionalChoice,
    ProvisionalMember,
    Withdraw,
)
from pipelines.beam.steps.dedup.stories import EarlyStoriesFn
from pipelines.core.dedup.stories import FINAL, PROVISIONAL, WITHDRAWN, story_key, story_record
from tests.test_dedup_step import _articles


@pytest.fixture(autouse=True, scope="module")
def _sdk_patches_as_the_job_runs():
    from pipelines.beam import sdk_patches

    sdk_patches.install("DirectRunner")


class _Cell:
    def __init__(self) -> None:
        self.value = None

    def read(self):
        return self.value

    def write(self, value) -> None:
        self.value = value

    def clear(self) -> None:
        self.value = None


class _Timer:
    def set(self, timestamp) -> None:
        self.at = timestamp

    def clear(self) -> None:
        self.cleared = True


class _Story:
    """One key of StoriesFn with early firing on, fed messages by hand."""

    def __init__(self, story_id: str) -> None:
        self.fn, self.story_id = EarlyStoriesFn(10_000), story_id
        self.cell, self.pending = _Cell(), _Cell()

    def send(self, message) -> list[dict]:
        out = self.fn.process((self.story_id, message.encode()), timestamp=Timestamp(1_795_000_000),
                              state=self.cell, pending_state=self.pending, expire=_Timer())
        return [o for o in out if isinstance(o, dict)]


def _doc(article: dict) -> Document:
    return Document.from_dict(article)


def test_a_provisional_member_is_listed_then_confirmed_by_its_final_member():
    a, b = _articles()[:2]
    story = _Story(story_key(a["page_id"]))
    first = story.send(Member(_doc(a)))
    assert [r["status"] for r in first] == [FINAL]
    early = story.send(ProvisionalMember(_doc(b)))
    assert [(r["status"], r["version"], r["member_count"]) for r in early] == [(PROVISIONAL, 1, 2)]
    assert {m["page_id"] for m in early[0]["members"]} == {a["page_id"], b["page_id"]}
    final = story.send(Member(_doc(b)))
    assert final == [story_record(story.story_id, [a, b], None)]
    assert final[0]["status"] == FINAL and final[0]["version"] == 2
    assert PendingState.decode(story.pending.value) == PendingState([], [])


def test_a_withdrawn_member_leaves_the_final_record_of_the_others():
    a, b = _articles()[:2]
    story = _Story(story_key(a["page_id"]))
    story.send(Member(_doc(a)))
    story.send(ProvisionalMember(_doc(b)))
    after = story.send(Withdraw(b["fetched_at"], b["page_id"]))
    assert after == [story_record(story.story_id, [a], None)]


def test_a_story_of_provisional_members_only_ends_withdrawn():
    (a,) = _articles()[:1]
    story = _Story(story_key(a["page_id"]))
    assert [r["status"] for r in story.send(ProvisionalMember(_doc(a)))] == [PROVISIONAL]
    (last,) = story.send(Withdraw(a["fetched_at"], a["page_id"]))
    assert (last["status"], last["version"], last["member_count"], last["members"]) == (WITHDRAWN, 0, 0, [])


def test_a_withdrawal_that_overtakes_its_provisional_message_wins():
    (a,) = _articles()[:1]
    story = _Story(story_key(a["page_id"]))
    assert story.send(Withdraw(a["fetched_at"], a["page_id"])) == []
    assert story.send(ProvisionalMember(_doc(a))) == [], "already withdrawn: must not be listed again"


# What a run wrote, in order: the direct runner copies DoFns, so they append to this module's lists.
_WRITTEN: dict[str, list[dict]] = {"stories": [], "links": []}


class _Keep(beam.DoFn):
    def __init__(self, name: str) -> None:
        self._name = name

    def process(self, record):
        _WRITTEN[self._name].append(record)
        return ()


def _stream_run(stream: TestStream, settle_ms: int | None) -> tuple[list[dict], list[dict]]:
    for written in _WRITTEN.values():
        written.clear()
    options = beam.options.pipeline_options.PipelineOptions(["--streaming"])
    with beam.Pipeline(runner="BundleBasedDirectRunner", options=options) as p:
        stories, links = p | stream | DedupStories(settle_ms=settle_ms)
        stories | "KeepStories" >> beam.ParDo(_Keep("stories"))
        links | "KeepLinks" >> beam.ParDo(_Keep("links"))
    return list(_WRITTEN["stories"]), list(_WRITTEN["links"])


def _copies():
    base = _articles()[0]
    t0 = base["fetched_at"]
    senior = {**base, "page_id": "senior", "url": "https://s.example/a", "canonical_url": "https://s.example/a",
              "published_at": t0 - 60_000, "fetched_at": t0 - 60_000}
    copy = {**base, "page_id": "copy", "url": "https://other.example/copy", "canonical_url": "https://other.example/copy"}
    return t0, senior, copy


def _stream() -> TestStream:
    """A copy, then its senior page, each followed by processing time for its early firing (the
    copy's early firing cannot know the senior yet)."""
    t0, senior, copy = _copies()
    # The early firing sets its timer from the wall clock (a DoFn sees no runner clock), while the
    # test clock starts at 0: the first step takes the test clock past the wall clock, so each
    # document's early firing comes with the next step of processing time.
    stream = (TestStream().advance_watermark_to(Timestamp.of(t0 / 1000 - 120))
              .advance_processing_time(int(time.time()) + 3600))
    for doc in (copy, senior):
        stream = (stream.add_elements([beam.window.TimestampedValue(doc, doc["fetched_at"] / 1000)])
                  .advance_processing_time(5))
    return stream.advance_watermark_to(Timestamp.of(t0 / 1000 + 3600)).advance_watermark_to_infinity()


def _last(records: list[dict], key: str) -> dict[str, dict]:
    last: dict[str, dict] = {}
    for record in records:
        last[record[key]] = record
    return last


def test_every_document_is_placed_early_and_stories_end_on_the_final_records():
    stories, links = _stream_run(_stream(), settle_ms=1000)
    reference, reference_links = _stream_run(_stream(), settle_ms=None)
    early = [s for s in stories if s["status"] == PROVISIONAL]
    assert {m["page_id"] for s in early for m in s["members"]} == {"senior", "copy"}, \
        "every document gets a provisional record"
    for story in early:  # each before the final record that places the same documents
        index = stories.index(story)
        for member in story["members"]:
            assert any(member["page_id"] in {m["page_id"] for m in later["members"]}
                       for later in stories[index + 1:] if later["status"] == FINAL)
    last = _last(stories, "story_id")
    finals = {sid: s for sid, s in last.items() if s["status"] != WITHDRAWN}
    assert finals == _last(reference, "story_id"), "the records stories end on are the final ones"
    assert set(finals) == {story_key("senior")}
    # The copy founded a provisional story of its own; its senior's edge moved it (a provisional
    # duplicate_of link), so the story it had founded ends withdrawn.
    assert {sid for sid, s in last.items() if s["status"] == WITHDRAWN} == {story_key("copy")}
    assert [lk for lk in links if lk["status"] == FINAL] == reference_links
    assert [(lk["from_story"], lk["to_story"], lk["status"]) for lk in links if lk["status"] != FINAL] == [
        (story_key("copy"), story_key("senior"), PROVISIONAL)]


class _Bag(_Cell):
    def __init__(self) -> None:
        super().__init__()
        self.value = []

    def read(self):
        return list(self.value)

    def add(self, value) -> None:
        self.value.append(value)

    def clear(self) -> None:
        self.value = []


def _assign_with_an_edge():
    """AssignFn's key for the copy, with its document and the edge from its senior received."""
    from pipelines.beam.steps.dedup.records import Edge, NewDocument
    from pipelines.beam.steps.dedup.stories import EarlyAssignFn

    t0, senior, copy = _copies()
    fn = EarlyAssignFn(1, 10_000, True, 500)
    me, edges, choice = _Cell(), _Bag(), _Cell()
    me.write(NewDocument(t0, _doc(copy)).encode())
    edges.add(Edge(senior["fetched_at"], "senior", "duplicate", 0.97, "near").encode())
    return fn, me, edges, choice


def _final_firing(fn, me, edges, choice) -> list:
    """The one Index partition reports the senior duplicate: the final firing."""
    from pipelines.beam.steps.dedup.records import Edge, Report

    t0, senior, _ = _copies()
    report = Report(0, (Edge(senior["fetched_at"], "senior", "duplicate", 0.97, "near"),)).encode()
    return list(fn.process(("copy", report), timestamp=Timestamp(t0 // 1000), me=me, reports=_Bag(), gc=_Timer(),
                           edges=edges, settle=_Timer(), choice=choice))


def _stories(outputs: list) -> list[tuple[str, int]]:
    """(story key, format byte) of the messages sent to Stories."""
    return [(o.value[0], o.value[1][0]) for o in outputs if o.tag == "stories"]


def _early_links(outputs: list) -> list[dict]:
    return [o.value for o in outputs if o.tag == "early_links"]


def test_the_early_firing_joins_the_senior_duplicate_known_by_then_and_the_final_one_confirms_it():
    fn, me, edges, choice = _assign_with_an_edge()
    early = list(fn.on_settle(me=me, edges=edges, choice=choice))
    senior_story = story_key("senior")
    assert _stories(early) == [(senior_story, ProvisionalMember.FORMAT)]
    (link,) = _early_links(early)
    assert (link["from_story"], link["to_story"], link["status"]) == (story_key("copy"), senior_story, PROVISIONAL)
    final = _final_firing(fn, me, edges, choice)
    assert _early_links(final) == [], "same story: nothing to withdraw"
    assert Withdraw.FORMAT not in {fmt for _, fmt in _stories(final)}
    assert (senior_story, Member.FORMAT) in _stories(final)
    assert choice.value is None


def test_the_final_firing_withdraws_an_early_choice_it_does_not_keep():
    fn, me, edges, choice = _assign_with_an_edge()
    # As if the early firing had seen another duplicate (one the final rule does not keep).
    choice.write(ProvisionalChoice("f" * 32, 1, "other", 0.9, "near").encode())
    final = _final_firing(fn, me, edges, choice)
    assert [key for key, fmt in _stories(final) if fmt == Withdraw.FORMAT] == ["f" * 32]
    (link,) = _early_links(final)
    assert (link["to_story"], link["status"]) == ("f" * 32, WITHDRAWN)


def test_a_more_senior_duplicate_arriving_after_the_early_firing_moves_the_document():
    from pipelines.beam.steps.dedup.records import Edge

    fn, me, edges, choice = _assign_with_an_edge()
    edges.clear()  # the early firing saw no edge: the copy founded a provisional story of its own
    list(fn.on_settle(me=me, edges=edges, choice=choice))
    assert ProvisionalChoice.decode(choice.value).story == story_key("copy")
    t0, senior, _ = _copies()
    edge = ("copy", Edge(senior["fetched_at"], "senior", "duplicate", 0.97, "near").encode())
    moved = list(fn.process(edge, timestamp=Timestamp(t0 // 1000), me=me, reports=_Bag(), gc=_Timer(),
                            edges=edges, settle=_Timer(), choice=choice))
    assert _stories(moved) == [(story_key("copy"), Withdraw.FORMAT), (story_key("senior"), ProvisionalMember.FORMAT)]
    assert [(lk["to_story"], lk["status"]) for lk in _early_links(moved)] == [(story_key("senior"), PROVISIONAL)]
    # A junior duplicate, or the same senior again, moves nothing.
    junior = ("copy", Edge(t0 + 1, "zzz", "duplicate", 0.99, "near").encode())
    for message in (junior, edge):
        assert list(fn.process(message, timestamp=Timestamp(t0 // 1000), me=me, reports=_Bag(), gc=_Timer(),
                               edges=edges, settle=_Timer(), choice=choice)) == []
    # The final firing agrees with the moved placement: nothing to withdraw.
    final = _final_firing(fn, me, edges, choice)
    assert Withdraw.FORMAT not in {fmt for _, fmt in _stories(final)}


def _assign_awaiting(partitions: int):
    """EarlyAssignFn's key for the copy (`partitions` Index partitions), its document just arrived."""
    from pipelines.beam.steps.dedup.records import NewDocument
    from pipelines.beam.steps.dedup.stories import EarlyAssignFn

    t0, _, copy = _copies()
    fn = EarlyAssignFn(partitions, 10_000, True, 500)
    me, edges, choice, settle = _Cell(), _Bag(), _Cell(), _Timer()
    send = lambda data: list(fn.process(("copy", data), timestamp=Timestamp(t0 // 1000), me=me,  # noqa: E731
                                        reports=_Bag(), gc=_Timer(), edges=edges, settle=settle, choice=choice))
    assert send(NewDocument(t0, _doc(copy)).encode()) == [], "no partition has answered yet"
    assert hasattr(settle, "at"), "the settle timer bounds the wait"
    send.settle = settle  # type: ignore[attr-defined]
    return fn, me, edges, choice, send


def test_the_early_firing_comes_as_soon_as_every_partition_has_answered():
    from pipelines.beam.steps.dedup.records import EarlyReport, Edge

    fn, me, edges, choice, send = _assign_awaiting(partitions=3)
    _, senior, _ = _copies()
    edge = Edge(senior["fetched_at"], "senior", "duplicate", 0.97, "near")
    assert send(EarlyReport(2, (edge,)).encode()) == []
    assert send(EarlyReport(0, ()).encode()) == []
    assert send(EarlyReport(2, ()).encode()) == [], "the same partition twice is still one answer"
    assert not hasattr(send.settle, "cleared")
    fired = send(EarlyReport(1, ()).encode())
    assert send.settle.cleared, "fired: the settle timer is cleared (its firing would be a bundle for nothing)"
    assert _stories(fired) == [(story_key("senior"), ProvisionalMember.FORMAT)]
    assert [(lk["to_story"], lk["status"]) for lk in _early_links(fired)] == [(story_key("senior"), PROVISIONAL)]
    assert list(fn.on_settle(me=me, edges=edges, choice=choice)) == [], "fired already: the timer does nothing"


def test_an_answer_after_the_settle_timer_with_a_more_senior_duplicate_moves_the_document():
    from pipelines.beam.steps.dedup.records import EarlyReport, Edge

    fn, me, edges, choice, send = _assign_awaiting(partitions=2)
    assert send(EarlyReport(0, ()).encode()) == []
    fired = list(fn.on_settle(me=me, edges=edges, choice=choice))  # partition 1 is slow to answer
    assert _stories(fired) == [(story_key("copy"), ProvisionalMember.FORMAT)]
    _, senior, _ = _copies()
    related = Edge(senior["fetched_at"] - 5, "older", "related", 0.6, "near")
    duplicate = Edge(senior["fetched_at"], "senior", "duplicate", 0.97, "near")
    moved = send(EarlyReport(1, (related, duplicate)).encode())
    assert _stories(moved) == [(story_key("copy"), Withdraw.FORMAT), (story_key("senior"), ProvisionalMember.FORMAT)]


def test_a_warm_up_document_never_fires_on_its_answers():
    from pipelines.beam.steps.dedup.records import EarlyReport, NewDocument, mark_warm_up
    from pipelines.beam.steps.dedup.stories import EarlyAssignFn

    t0, _, copy = _copies()
    fn = EarlyAssignFn(1, 10_000, True, 500)
    me, edges, choice = _Cell(), _Bag(), _Cell()
    for data in (mark_warm_up(NewDocument(t0, _doc(copy)).encode()), EarlyReport(0, ()).encode()):
        assert list(fn.process(("copy", data), timestamp=Timestamp(t0 // 1000), me=me, reports=_Bag(), gc=_Timer(),
                               edges=edges, settle=_Timer(), choice=choice)) == []
    assert choice.value is None
