"""The deterministic story rule: the offline reference and the spec of the Beam version.

Seniority orders documents by (event_time_ms, page_id). For each document d:

* candidates(d) = documents x senior to d with t_d − t_x ≤ horizon that share a band key with d
  (what bucketed keyed state can see);
* founder f(d) = the most senior of {d} ∪ {x ∈ candidates(d) : classify(x, d) == 'duplicate'}.
  One hop only, no transitive closure: f(d) depends on d's own comparisons, so the streaming
  version is a DAG with no feedback;
* story_id(d) = story_key(f(d)) = ids.digest(f(d).page_id, person=b"nb-story").

A story is named after its founder and never renamed. When f(d) itself belongs to an older
story (f(f(d)) ≠ f(d)), story_key(f(d)) still exists (d lives there) and is `merged_into`
story_id(f(d)): an explicit merge instead of a silent rename. Chains are followed by
`ClusterResult.root`.

Links (StoryLink records):

* `duplicate_of`: member → its story, for every d ≠ f(d); from_story = story_key(d) (the id d
  would have founded), to_url = d's URL;
* `merged_into`: story_key(x) → story_id(x) as above;
* `related`: for every compared pair judged 'related' — or 'duplicate' across two different
  stories (a document bridging stories it does not join) — between the two stories, directed from
  the story with the junior founder to the senior one; score = max over pairs, observed_at = min
  over pairs of the junior document's event time, evidence = the best pair (most senior on ties);
* `similar_news`: every related-news item a page lists (title, url, snippet) is fingerprinted as a
  short document and resolved to the story of the most senior document within the horizon of the
  page (either side) that has the item's canonical URL or that `classify` calls a duplicate of
  it; unresolved items keep to_url/to_title. Links to the page's own story are dropped.

Canonical record per story: the member with the earliest event time (published, else fetched),
then the longest body, then the smallest URL, then page_id. version = member_count (order
independent; the streaming version may emit intermediate versions before the final one).

Documents with the same page_id are one document (same canonical URL and content): the earliest
event time is kept. Output lists are sorted, so any input order gives identical results.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.core import ids
from pipelines.core.dedup.decide import Decision, explain, judge_banded
from pipelines.core.dedup.signature import Fingerprint, event_time_ms, fingerprint, fingerprints
from pipelines.core.urls import normalize_url

HORIZON_MS = 48 * 3600 * 1000
# The status of a story or link record (Story.avsc, StoryLink.avsc): the offline rule only makes
# final ones; the streaming job also fires provisional ones at arrival (beam/steps/dedup/transform.py).
FINAL, PROVISIONAL, WITHDRAWN = "final", "provisional", "withdrawn"
STORY_PERSON = b"nb-story"


def story_key(page_id: str) -> str:
    """The id of the story a document founds (or would found): stable, never Python's hash()."""
    return ids.digest(page_id, person=STORY_PERSON)


def seniority(fp: Fingerprint) -> tuple[int, str]:
    """Earlier event time is senior; page_id breaks ties, so the order is total and stable."""
    return (fp.event_time_ms, fp.page_id)


@dataclass
class ClusterResult:
    """story_of: page_id → story_id; stories: Story.avsc dicts sorted by story_id; links:
    StoryLink.avsc dicts, sorted; founder_of: page_id → founder page_id; candidate_pairs: how
    many pairs the rule compared (documents sharing a band key within the horizon)."""

    story_of: dict[str, str]
    stories: list[dict[str, Any]]
    links: list[dict[str, Any]]
    founder_of: dict[str, str] = field(default_factory=dict)
    candidate_pairs: int = 0

    def root(self, story_id: str) -> str:
        """Follow merged_into links to the story that absorbed `story_id` (itself if none)."""
        merged = {s["story_id"]: s["merged_into"] for s in self.stories if s["merged_into"]}
        seen = {story_id}
        while story_id in merged and merged[story_id] not in seen:
            story_id = merged[story_id]
            seen.add(story_id)
        return story_id


def document_url(doc: Mapping[str, Any]) -> str:
    """The URL a story record shows for a document: canonical when known, else as fetched."""
    return str(doc.get("canonical_url") or doc.get("url") or "")


def seen_at(doc: Mapping[str, Any]) -> int:
    """When the pipeline saw a document (fetch time; its event time when that is unknown)."""
    value = doc.get("fetched_at")
    return int(value) if value is not None else event_time_ms(doc)


def canonical_key(doc: Mapping[str, Any]) -> tuple[int, int, str, str]:
    """The canonical-member policy as a sort key: the smallest key is the story's canonical record."""
    return (event_time_ms(doc), -len(doc.get("body") or ""), document_url(doc), str(doc["page_id"]))


def story_record(story_id: str, members: list[Mapping[str, Any]], merged_into: str | None,
                  best: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The Story record of `members`. `best`: the canonical member, when `members` are only
    summaries (the Beam steps keep the canonical member in full and the others as summaries)."""
    if best is None:
        best = min(members, key=canonical_key)
    seen = [seen_at(m) for m in members]
    ordered = sorted(members, key=lambda m: (seen_at(m), str(m["page_id"])))
    return {
        "story_id": story_id,
        "version": len(members),
        "canonical_url": document_url(best),
        "title": best.get("title") or "",
        "lead": best.get("lead") or "",
        "body": best.get("body") or "",
        "language": best.get("language") or "und",
        "language_confidence": float(best.get("language_confidence") or 0.0),
        "published_at": best.get("published_at"),
        "first_seen": min(seen),
        "last_updated": max(seen),
        "member_count": len(members),
        "members": [{"url": str(m.get("url") or document_url(m)), "source": str(m.get("source") or ""),
                     "page_id": str(m["page_id"]), "seen_at": seen_at(m)} for m in ordered],
        "sources": sorted({str(m.get("source")) for m in members if m.get("source")}),
        "languages": sorted({str(m.get("language")) for m in members if m.get("language")}),
        "merged_into": merged_into,
        "status": FINAL,
    }


def withdrawn_record(story_id: str, seen: int) -> dict[str, Any]:
    """The record that clears a story which only ever held provisional members, all of them
    finally placed in other stories (`seen`: when the last of them was seen)."""
    return {"story_id": story_id, "version": 0, "canonical_url": "", "title": "", "lead": "", "body": "",
            "language": "und", "language_confidence": 0.0, "published_at": None, "first_seen": seen,
            "last_updated": seen, "member_count": 0, "members": [], "sources": [], "languages": [],
            "merged_into": None, "status": WITHDRAWN}


def story_link(from_story: str, kind: str, score: float, observed_at: int, evidence: str, *,
               to_story: str | None = None, to_url: str | None = None, to_title: str | None = None,
               status: str = "final") -> dict[str, Any]:
    """A StoryLink record (its fields in schema order)."""
    return {"from_story": from_story, "to_story": to_story, "to_url": to_url, "to_title": to_title,
            "type": kind, "score": round(float(score), 6), "observed_at": int(observed_at), "evidence": evidence,
            "status": status}


def link_key(link: Mapping[str, Any]) -> tuple[str, ...]:
    """What makes a link one edge: one record per key on the links topic."""
    return (link["from_story"], link["type"], link["to_story"] or "", link["to_url"] or "", link["to_title"] or "")


def item_link(page_story: str, page_id: str, item: Mapping[str, Any], item_story: str) -> dict[str, Any] | None:
    """The `similar_news` link of a page's related-news item (a document of its own, see
    `related_item_doc`) once both stories are known: none when the item joined the page's own story."""
    if item_story == page_story:
        return None
    return story_link(page_story, "similar_news", 1.0, event_time_ms(item),
                      f"page_id={page_id};item={item['item_index']}", to_story=item_story,
                      to_url=item.get("canonical_url") or None, to_title=item.get("title") or None)


def related_item_doc(page: Mapping[str, Any], index: int, item: Mapping[str, Any]) -> dict[str, Any]:
    """A page's related-news item as a short document (title + snippet) at the page's event time."""
    url = item.get("url")
    return {"page_id": ids.digest(str(page["page_id"]), str(index), person=b"nb-relitem"),
            "published_at": event_time_ms(page), "title": item.get("title") or "",
            "lead": item.get("snippet") or "", "body": "", "canonical_url": normalize_url(url) if url else ""}


class _Buckets:
    """Band key → documents in seniority order, expiring entries older than the horizon (the
    offline twin of bucket-keyed state with event-time timers)."""

    def __init__(self, horizon_ms: int) -> None:
        self.horizon_ms = horizon_ms
        self.entries: dict[str, deque[int]] = {}

    def candidates(self, fp: Fingerprint, fps: list[Fingerprint]) -> list[int]:
        found: set[int] = set()
        for key in fp.band_keys:
            bucket = self.entries.get(key)
            if not bucket:
                continue
            while bucket and fp.event_time_ms - fps[bucket[0]].event_time_ms > self.horizon_ms:
                bucket.popleft()
            found.update(bucket)
        return sorted(found)

    def add(self, fp: Fingerprint, index: int) -> None:
        for key in fp.band_keys:
            self.entries.setdefault(key, deque()).append(index)


def cluster(docs: Iterable[Mapping[str, Any]], horizon_ms: int = HORIZON_MS,
            boilerplate: Iterable[str] = ()) -> ClusterResult:
    """Apply the story rule to a batch of Article-like dicts (see the module docstring)."""
    boiler = tuple(boilerplate)
    unique: dict[str, Mapping[str, Any]] = {}
    for doc in docs:
        pid = str(doc["page_id"])
        if pid not in unique or (event_time_ms(doc), repr(sorted(doc.items()))) < (
                event_time_ms(unique[pid]), repr(sorted(unique[pid].items()))):
            unique[pid] = doc
    fps = sorted(fingerprints(unique.values(), boiler), key=seniority)
    by_pid = {fp.page_id: unique[fp.page_id] for fp in fps}
    n = len(fps)
    # Documents of equal content get equal decisions (Fingerprint.content), and a teaser listed on
    # many pages makes many candidate pairs of the same two contents: judge each pair once.
    content_ids: dict[tuple[Any, ...], int] = {}
    content_id = [content_ids.setdefault(fp.content(), len(content_ids)) for fp in fps]
    judged: dict[tuple[int, int], Decision] = {}

    def judge(senior: int, junior: int) -> Decision:
        """The decision on two documents that share a band key (a candidate pair)."""
        key = (content_id[senior], content_id[junior])
        decision = judged.get(key)
        if decision is None:
            decision = judged[key] = judge_banded(fps[senior], fps[junior])
        return decision

    founder = list(range(n))
    pair_decisions: list[tuple[int, int, Decision]] = []  # (senior, junior, decision), non-None labels
    buckets = _Buckets(horizon_ms)
    compared = 0
    for i, fp in enumerate(fps):
        candidates = buckets.candidates(fp, fps)
        compared += len(candidates)
        for j in candidates:
            decision = judge(j, i)
            if decision.label is None:
                continue
            pair_decisions.append((j, i, decision))
            if decision.label == "duplicate" and j < founder[i]:
                founder[i] = j
        buckets.add(fp, i)

    pids = [fp.page_id for fp in fps]
    story = [story_key(pids[founder[i]]) for i in range(n)]
    links: dict[tuple[str, ...], dict[str, Any]] = {}

    def put(link: dict[str, Any], senior_rank: tuple[int, int]) -> None:
        """Keep one link per key: max score, min observed_at, evidence of the best (senior) pair."""
        key = link_key(link)
        old = links.get(key)
        if old is None:
            links[key] = {**link, "_rank": senior_rank}
            return
        old["observed_at"] = min(old["observed_at"], link["observed_at"])
        if (-link["score"], senior_rank) < (-old["score"], old["_rank"]):
            old.update(score=link["score"], evidence=link["evidence"], _rank=senior_rank)

    members: dict[str, list[Mapping[str, Any]]] = {}
    merged_into: dict[str, int] = {}   # story → its founder's index, when that founder joined another story
    founded_at: dict[str, int] = {}
    for i in range(n):
        members.setdefault(story[i], []).append(by_pid[pids[i]])
        f = founder[i]
        founded_at.setdefault(story[i], fps[i].event_time_ms)
        if f != i:
            decision = judge(f, i)
            put(story_link(story_key(pids[i]), "duplicate_of", decision.score, fps[i].event_time_ms,
                           f"page_id={pids[i]};founder={pids[f]};rule={decision.rule}", to_story=story[i],
                           to_url=document_url(by_pid[pids[i]]) or None), (f, i))
            if founder[f] != f:
                merged_into[story[i]] = f
    for sid, f in merged_into.items():
        decision = judge(founder[f], f)
        put(story_link(sid, "merged_into", decision.score, founded_at[sid],
                       f"founder={pids[f]};joined={pids[founder[f]]};rule={decision.rule}", to_story=story[f]),
            (founder[f], f))

    founder_rank = {story_key(pids[founder[i]]): founder[i] for i in range(n)}
    for j, i, decision in pair_decisions:
        a, b = story[j], story[i]
        if a == b:
            continue
        src, dst = (a, b) if founder_rank[a] > founder_rank[b] else (b, a)
        put(story_link(src, "related", decision.score, fps[i].event_time_ms,
                       f"pair={pids[j]}~{pids[i]};rule={decision.label}:{decision.rule}", to_story=dst), (j, i))

    _similar_news(fps, by_pid, story, horizon_ms, put)

    out_links = []
    for key in sorted(links):
        link = links[key]
        link.pop("_rank")
        out_links.append(link)
    stories = [story_record(sid, mem, story[merged_into[sid]] if sid in merged_into else None)
               for sid, mem in sorted(members.items())]
    return ClusterResult(story_of={pids[i]: story[i] for i in range(n)}, stories=stories, links=out_links,
                         founder_of={pids[i]: pids[founder[i]] for i in range(n)}, candidate_pairs=compared)


def _similar_news(fps: list[Fingerprint], by_pid: Mapping[str, Mapping[str, Any]], story: list[str],
                  horizon_ms: int, put: Any) -> None:
    """Resolve every page's related-news items to stories (see the module docstring)."""
    if not any(page.get("related") for page in by_pid.values()):
        return
    index: dict[str, list[int]] = {}
    url_index: dict[str, list[int]] = {}
    for i, fp in enumerate(fps):
        for key in fp.band_keys:
            index.setdefault(key, []).append(i)
        url = document_url(by_pid[fp.page_id])
        if url:
            url_index.setdefault(normalize_url(url), []).append(i)
    for i, fp in enumerate(fps):
        page = by_pid[fp.page_id]
        for k, item in enumerate(page.get("related") or []):
            item_doc = related_item_doc(page, k, item)
            item_fp = fingerprint(item_doc)
            t = item_fp.event_time_ms
            best: tuple[int, float, str] | None = None
            for j in url_index.get(item_doc["canonical_url"], []) if item_doc["canonical_url"] else []:
                if abs(fps[j].event_time_ms - t) <= horizon_ms:
                    best = min(best or (j, 1.0, "url"), (j, 1.0, "url"))
            cands = sorted({j for key in item_fp.band_keys for j in index.get(key, ())})
            for j in cands:
                if best is not None and j >= best[0]:
                    break
                if abs(fps[j].event_time_ms - t) > horizon_ms:
                    continue
                decision = explain(fps[j], item_fp)
                if decision.label == "duplicate":
                    best = (j, decision.score, decision.rule)
                    break
            evidence = f"page_id={fp.page_id};item={k}"
            if best is None:
                put(story_link(story[i], "similar_news", 0.0, t, evidence + ";rule=unresolved",
                               to_url=item_doc["canonical_url"] or None, to_title=item_doc["title"] or None), (i, k))
            elif story[best[0]] != story[i]:
                put(story_link(story[i], "similar_news", best[1], t, f"{evidence};rule={best[2]}",
                               to_story=story[best[0]]), (i, k))
