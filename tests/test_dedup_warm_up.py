"""Warm-up documents (re-read after a restart only to rebuild the dedup state) are decided like any
other, but nothing their decisions trigger is written: the outputs written before a crash and those
written after the restart add up to what one uninterrupted run writes."""

from __future__ import annotations

import pytest
from apache_beam import pvalue
from apache_beam.utils.timestamp import Timestamp

from pipelines.beam.steps.dedup import dedup_docs, records
from pipelines.beam.steps.dedup.codec import FormatError
from pipelines.beam.steps.dedup.index import DedupDocsFn, FingerprintFn
from pipelines.beam.steps.dedup.records import (
    WARM_UP,
    Document,
    Edge,
    FounderJoined,
    IndexProbe,
    Item,
    LinkMessage,
    Member,
    NewDocument,
    OwnStory,
    Pair,
    Report,
    mark_warm_up,
    split_warm_up,
    warm_up_link,
)
from pipelines.beam.steps.dedup.stories import (
    EARLY_LINKS,
    LINKS,
    AssignFn,
    EarlyAssignFn,
    FirstLinkFn,
    ResolveLinksFn,
    StoriesFn,
    keyed_link,
)
from pipelines.core.dead_letters import REPLAYED_ARTICLE_KEY
from pipelines.core.dedup import signature
from pipelines.core.dedup.stories import HORIZON_MS, story_key, story_link, story_record
from tests.test_dedup_records import SAMPLES
from tests.test_dedup_step import _articles, _Bag, _final, _run, _story_of, _Timer, _Value

LATENESS_MS = 600_000  # DedupStories' default allowed lateness, as _run uses it (with the default horizon)


@pytest.fixture(autouse=True, scope="module")
def _sdk_patches_as_the_job_runs():
    from pipelines.beam import sdk_patches

    sdk_patches.install("DirectRunner")


def _sample() -> list[dict]:
    """The labelled sample in event-time order; some pages have a related-news block (an item that
    is a copy of an earlier page, and a teaser of its own), so that items and similar_news links
    cross the cuts too."""
    articles = sorted(_articles(), key=lambda a: (a["fetched_at"], a["page_id"]))
    for i in range(3, len(articles), 6):
        earlier = articles[i - 2]
        articles[i] = {**articles[i], "related": [
            {"url": earlier["url"], "title": earlier["title"], "snippet": earlier["lead"]},
            {"url": f"https://teaser.example/{i}", "title": f"Teaser number {i}", "snippet": ""}]}
    return articles


def _warm_up(articles: list[dict]) -> list[dict]:
    return [{**a, REPLAYED_ARTICLE_KEY: True} for a in articles]


def _pages(articles: list[dict]) -> set[str]:
    """The page ids of the articles' dedup documents (the articles and their related-news items)."""
    return {doc["page_id"] for a in articles for doc in dedup_docs(a)}


def _identities(links: list[dict]) -> set[tuple[str, str, str, str]]:
    return {(lk["from_story"], lk["type"], lk["to_story"] or "", lk["to_url"] or "") for lk in links}


@pytest.fixture(scope="module")
def restart() -> dict:
    """The crash cuts the input at k. A stands for the job before the crash: it wrote what
    articles[:k] triggered (articles[k:] are marked: it had not written theirs). The restart (B)
    re-reads from j, articles[j:k] as warm-up; j is the latest start that still leaves every
    document from k on its whole history (3 × (horizon + lateness) of event time before
    articles[k]). C runs over everything without a crash."""
    articles = _sample()
    k = len(articles) // 2
    j = max(i for i in range(k)
            if articles[k]["fetched_at"] - articles[i]["fetched_at"] >= 3 * (HORIZON_MS + LATENESS_MS))
    assert 0 < j < k
    return {
        "articles": articles, "j": j, "k": k,
        "A": _run(articles[:k] + _warm_up(articles[k:])),
        "B": _run(_warm_up(articles[j:k]) + articles[k:]),
        "B unmarked": _run(articles[j:]),
        "C": _run(articles),
    }


def test_the_halves_of_a_restarted_run_add_up_to_the_uninterrupted_run(restart):
    (a_stories, a_links), (b_stories, b_links), (c_stories, c_links) = restart["A"], restart["B"], restart["C"]
    assert _final(a_stories + b_stories) == _final(c_stories)
    assert _identities(a_links + b_links) == _identities(c_links)
    assert {lk["type"] for lk in c_links} == {"duplicate_of", "merged_into", "related", "similar_news"}
    # The marks suppress: before the crash fewer records were written than by the whole run, and
    # the restart wrote only some of them again.
    assert len(a_stories) + len(a_links) < len(c_stories) + len(c_links)
    assert 0 < len(b_stories) + len(b_links) < len(c_stories) + len(c_links)
    assert all(REPLAYED_ARTICLE_KEY not in lk for lk in a_links + b_links), "the private key is never written"


def test_the_restart_writes_nothing_a_warm_up_document_triggered(restart):
    articles, j, k = restart["articles"], restart["j"], restart["k"]
    b_stories, b_links = restart["B"]
    warm_up = _pages(articles[j:k])
    for lk in b_links:
        evidence = dict(part.split("=", 1) for part in lk["evidence"].split(";"))
        if lk["type"] in ("duplicate_of", "similar_news"):
            assert evidence["page_id"] not in warm_up, lk
        elif lk["type"] == "related":
            assert evidence["pair"].split("~")[1] not in warm_up, lk  # a related link is its junior's
    for story in b_stories:  # each was triggered by a member that is not warm-up
        assert {m["page_id"] for m in story["members"]} - warm_up, story
    # The warm-up documents were decided all the same: later records list them.
    listed = {m["page_id"] for story in b_stories for m in story["members"]}
    assert listed & warm_up


def test_without_the_marks_the_restart_would_write_decisions_made_without_their_history(restart):
    """The restart's first documents lack their founders (they came before j): their decisions are
    wrong, and only the marks keep them out of the output."""
    articles, j, k = restart["articles"], restart["j"], restart["k"]
    c_final = _final(restart["C"][0])
    of = _story_of(c_final)
    before = {story_key(pid) for pid in _pages(articles[:j])}
    cut_off = {pid for pid in _pages(articles[j:k]) if of[pid] in before}
    assert cut_off, "the cut must leave some warm-up document without its founder"
    unmarked_stories, unmarked_links = restart["B unmarked"]
    wrong = _story_of(_final(unmarked_stories))
    assert any(wrong[pid] != of[pid] for pid in cut_off), "decided without its founder"
    (a_stories, a_links), (b_stories, b_links), c_links = restart["A"], restart["B"], restart["C"][1]
    assert _final(a_stories + unmarked_stories) != c_final
    assert _identities(a_links + unmarked_links) != _identities(c_links)
    assert _final(a_stories + b_stories) == c_final and _identities(a_links + b_links) == _identities(c_links)


# ---------------------------------------------------------------------------------------------
# The envelope and each step, by hand

def test_the_envelope_round_trips_and_is_no_record_format():
    formats = {record.FORMAT for record in vars(records).values()
               if isinstance(record, type) and isinstance(getattr(record, "FORMAT", None), int)}
    assert WARM_UP not in formats | {signature.FORMAT}
    for record in SAMPLES:
        data = record.encode()
        assert split_warm_up(data) == (False, data)
        marked = mark_warm_up(data)
        assert marked[0] == WARM_UP and split_warm_up(marked) == (True, data)


def _doc(article: dict) -> Document:
    return Document.from_dict(article)


@pytest.mark.parametrize("step", ["Assign", "Stories", "ResolveLinks", "FirstLinkOnly"])
def test_a_step_refuses_a_message_marked_twice_or_one_it_does_not_take(step):
    a = _articles()[0]
    at = Timestamp(1_795_000_000)
    send = {
        "Assign": lambda data: AssignFn(2, 10_000).process(
            ("p", data), timestamp=at, me=_Value(), reports=_Bag(), gc=_Timer()),
        "Stories": lambda data: list(StoriesFn(10_000).process(("s", data), timestamp=at, state=_Value(),
                                                               expire=_Timer())),
        "ResolveLinks": lambda data: list(ResolveLinksFn(10_000).process(
            ("p", data), timestamp=at, state=_Value(), waiting=_Bag(), expire=_Timer())),
        "FirstLinkOnly": lambda data: FirstLinkFn(10_000).process(("k", data), timestamp=at, seen=_Value(),
                                                                  expire=_Timer()),
    }[step]
    takes = {"Assign": NewDocument(1, _doc(a)), "Stories": Member(_doc(a)),
             "ResolveLinks": Pair("b" * 32, 9, "j", "j", 5, "related", 0.5, "title"),
             "FirstLinkOnly": LinkMessage.from_dict(story_link("a" * 32, "related", 0.5, 1, "", to_story="b" * 32))}
    send(mark_warm_up(takes[step].encode()))  # taken
    for wrong in (mark_warm_up(mark_warm_up(takes[step].encode())), mark_warm_up(IndexProbe(0, (), b"x").encode())):
        with pytest.raises(FormatError):
            send(wrong)
    if step == "Assign":  # reports are never marked: a marked one is a bug upstream
        with pytest.raises(FormatError, match="a message to Assign"):
            send(mark_warm_up(Report(0, (Edge(0, "s", "duplicate", 1.0, "exact"),)).encode()))


def test_dedup_docs_keep_the_mark_and_fingerprint_marks_only_the_document_to_decide():
    article = {**_articles()[0], "related": [{"url": "https://r.example/1", "title": "Related one", "snippet": ""}]}
    docs = list(DedupDocsFn().process({**article, REPLAYED_ARTICLE_KEY: True}))
    assert len(docs) == 2 and all(doc[REPLAYED_ARTICLE_KEY] for doc in docs)
    assert all(REPLAYED_ARTICLE_KEY not in doc for doc in DedupDocsFn().process(article))
    at = Timestamp(article["fetched_at"] / 1000)
    marked, plain = (list(FingerprintFn(2).process(doc, timestamp=at)) for doc in (docs[0], dedup_docs(article)[0]))
    main = lambda outputs: [o for o in outputs if not isinstance(o, pvalue.TaggedOutput)]  # noqa: E731
    tagged = lambda outputs: [(o.tag, o.value) for o in outputs if isinstance(o, pvalue.TaggedOutput)]  # noqa: E731
    assert tagged(marked) == tagged(plain), "filed, probed and judged like any document"
    ((pid, data),) = main(marked)
    assert (pid, split_warm_up(data)) == (main(plain)[0][0], (True, main(plain)[0][1]))


def test_a_warm_up_decision_is_taken_as_usual_and_every_output_is_marked():
    base = _articles()[0]
    t0 = base["fetched_at"]
    copy = {**base, "page_id": "copy", "url": "https://other.example/copy", "canonical_url": "https://other.example/c",
            "parent": "page", "item_index": 0}
    edge = Edge(t0 - 60_000, "senior", "duplicate", 0.97, "near")
    report = Report(0, (edge,)).encode()

    def decide(new: bytes) -> tuple[list, _Timer, _Value, _Bag]:
        fn, me, reports, settle = EarlyAssignFn(1, 10_000, True, 500), _Value(), _Bag(), _Timer()
        outputs = []
        for data in (new, edge.encode(), report):
            outputs += fn.process(("copy", data), timestamp=Timestamp(t0 / 1000), me=me, reports=reports,
                                  gc=_Timer(), edges=_Bag(), settle=settle, choice=_Value())
        return outputs, settle, me, reports

    outputs, settle, me, reports = decide(mark_warm_up(NewDocument(t0, _doc(copy)).encode()))
    assert not hasattr(settle, "at"), "a warm-up document never fires early"
    assert me.value is None and reports.value == []
    plain, plain_settle, _, _ = decide(NewDocument(t0, _doc(copy)).encode())
    assert hasattr(plain_settle, "at")
    assert [o.tag for o in outputs] == [o.tag for o in plain] == [LINKS, "stories", "stories", "resolve", "resolve",
                                                                   "resolve"]
    assert EARLY_LINKS not in {o.tag for o in outputs}
    for warm, usual in zip(outputs, plain, strict=True):
        if warm.tag == LINKS:
            assert warm.value == warm_up_link(usual.value)
        else:
            assert warm.value == (usual.value[0], mark_warm_up(usual.value[1])), "the same decision, marked"


class _Story:
    def __init__(self, story_id: str) -> None:
        self.fn, self.story_id, self.cell = StoriesFn(10_000), story_id, _Value()

    def send(self, data: bytes) -> list:
        return list(self.fn.process((self.story_id, data), timestamp=Timestamp(1_795_000_000), state=self.cell,
                                    expire=_Timer()))


def test_stories_keep_a_warm_up_member_and_write_nothing_it_triggers():
    a, b = _articles()[:2]
    story = _Story(story_key(a["page_id"]))
    assert story.send(mark_warm_up(Member(_doc(a)).encode())) == []
    assert story.send(Member(_doc(b)).encode()) == [story_record(story.story_id, [a, b], None)]
    # A warm-up founder joining another story: the merge is kept, its link goes on marked (so
    # FirstLinkOnly takes its edge as seen), and the story record is not written.
    joined = FounderJoined("f" * 32, 0.9, "near", "senior", a["page_id"])
    (out,) = story.send(mark_warm_up(joined.encode()))
    assert out.tag == LINKS and out.value[REPLAYED_ARTICLE_KEY] is True
    assert (out.value["type"], out.value["to_story"]) == ("merged_into", "f" * 32)
    (record,) = story.send(Member(_doc({**b, "page_id": "c"})).encode())
    assert record["merged_into"] == "f" * 32 and record["version"] == 3


def test_resolve_links_mark_the_links_of_warm_up_pairs_and_items_even_when_parked():
    fn, cell, waiting = ResolveLinksFn(10_000), _Value(), _Bag()
    mine, other, third = "a" * 32, "b" * 32, "c" * 32

    def send(data: bytes) -> list[dict]:
        return list(fn.process(("senior", data), timestamp=Timestamp(1_795_000_000), state=cell, waiting=waiting,
                               expire=_Timer()))

    pair = Pair(other, 9, "j1", "j1", 5, "related", 0.5, "title").encode()
    assert send(mark_warm_up(pair)) == []
    (parked,) = send(OwnStory(mine, 1, "senior").encode())
    assert parked[REPLAYED_ARTICLE_KEY] is True and (parked["from_story"], parked["to_story"]) == (other, mine)
    assert send(Pair(other, 9, "j2", "j2", 6, "related", 0.5, "title").encode()) == [], "that story is linked"
    (plain,) = send(Pair(third, 9, "j3", "j3", 7, "related", 0.5, "title").encode())
    assert REPLAYED_ARTICLE_KEY not in plain
    item = Item(other, Document("item", "", "https://i.example/", None, "T", "", "", "und", 0.0, None, 5, "senior", 0))
    (similar,) = send(mark_warm_up(item.encode()))
    assert similar["type"] == "similar_news" and similar[REPLAYED_ARTICLE_KEY] is True


def test_first_link_only_takes_a_warm_up_link_as_seen_without_writing_it():
    link = story_link("a" * 32, "related", 0.5, 7, "pair=x~y;rule=related:title", to_story="b" * 32)
    key, data = keyed_link(warm_up_link(link))
    assert (key, split_warm_up(data)) == (keyed_link(link)[0], (True, keyed_link(link)[1]))
    fn, seen = FirstLinkFn(10_000), _Value()
    at = Timestamp(1_795_000_000)
    assert fn.process((key, data), timestamp=at, seen=seen, expire=_Timer()) == []
    assert seen.value is not None
    assert fn.process(keyed_link(link), timestamp=at, seen=seen, expire=_Timer()) == (), "written before the crash"
    assert FirstLinkFn(10_000).process(keyed_link(link), timestamp=at, seen=_Value(), expire=_Timer()) == [link]
