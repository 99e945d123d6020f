"""Dedup of a bounded input in one group: the story rule applied once to every document.

A bounded run decides every story only when its input is exhausted (its watermark waits for all
of it), so nothing is gained by deciding document by document in keyed state: the keyed steps of
transform.py pay a state access and a shuffle per message for decisions that all fall due at the
end anyway. Here every document goes to one key, and one call of the offline rule
(core.dedup.stories.cluster, the spec the keyed steps are tested against) decides them all.

What it gives up is parallelism and memory: one worker holds every document of the run (see
JobSettings.one_group_dedup_limit for when the job uses it instead of the keyed steps). Records
come out once, final: one record per story (the version the keyed steps reach last) and one per
link edge. A relation several document pairs establish keeps the best pair's score and evidence
(the keyed steps keep the first pair to arrive), so replays give identical bytes.

Each record is stamped with the event time its decision belongs to: the story's latest member
(a link's `observed_at`) plus the allowed lateness, when the keyed steps would have decided it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import TimestampedValue

from pipelines.beam.steps.dedup.index import DedupDocsFn
from pipelines.beam.steps.dedup.records import Document, NewDocument
from pipelines.beam.steps.dedup.stories import LINKS
from pipelines.config import NAMESPACE
from pipelines.core.dedup.signature import event_time_ms
from pipelines.core.dedup.stories import HORIZON_MS, ClusterResult, cluster, item_link, link_key

ONE_GROUP = "all"  # the one key every document goes to


def to_one_group(doc: dict) -> tuple[str, bytes]:
    """A dedup document as the message the one group gathers."""
    return ONE_GROUP, NewDocument(event_time_ms(doc), Document.from_dict(doc)).encode()


def decide_all(docs: list[dict], horizon_ms: int) -> tuple[ClusterResult, list[dict[str, Any]]]:
    """The story rule over `docs` (articles and their related-news items, as dedup_docs makes them),
    and every link: the rule's own, then a `similar_news` link per item whose story is not its
    page's (the keyed ResolveLinks step's rule), one per edge, sorted by edge."""
    result = cluster(docs, horizon_ms)
    links = {link_key(link): link for link in result.links}
    best: dict[tuple[str, ...], tuple[tuple[int, str, int], dict[str, Any]]] = {}
    for doc in docs:
        parent = doc.get("parent")
        if not parent or parent not in result.story_of:
            continue
        link = item_link(result.story_of[parent], parent, doc, result.story_of[doc["page_id"]])
        if link is None:
            continue
        rank = (link["observed_at"], parent, int(doc["item_index"]))  # the most senior page's item wins
        key = link_key(link)
        if key not in best or rank < best[key][0]:
            best[key] = (rank, link)
    for key, (_, link) in best.items():
        links.setdefault(key, link)
    return result, [links[key] for key in sorted(links)]


class DecideAllFn(beam.DoFn):
    """The one group → every final Story record (main output) and StoryLink record (LINKS)."""

    def __init__(self, horizon_ms: int, delay_ms: int) -> None:
        self._horizon_ms = horizon_ms
        self._delay_ms = delay_ms
        self._docs = Metrics.counter(NAMESPACE, "dedup_docs")
        self._judged = Metrics.counter(NAMESPACE, "dedup_pairs_judged")
        self._exact = Metrics.counter(NAMESPACE, "dups_exact")
        self._near = Metrics.counter(NAMESPACE, "dups_near")
        self._created = Metrics.counter(NAMESPACE, "stories_created")
        self._updated = Metrics.counter(NAMESPACE, "stories_updated")
        self._merged = Metrics.counter(NAMESPACE, "stories_merged")

    def process(self, group: tuple[str, Iterable[bytes]]) -> Iterator[Any]:
        _, messages = group
        docs = [NewDocument.decode(data).document.as_dict() for data in messages]
        self._docs.inc(len(docs))
        result, links = decide_all(docs, self._horizon_ms)
        self._judged.inc(result.candidate_pairs)
        event_time = {doc["page_id"]: event_time_ms(doc) for doc in docs}
        for story in result.stories:
            self._created.inc()
            self._updated.inc(story["member_count"] - 1)
            self._merged.inc(story["merged_into"] is not None)
            decided_ms = max(event_time[m["page_id"]] for m in story["members"]) + self._delay_ms
            yield TimestampedValue(story, decided_ms / 1000)
        for link in links:
            if link["type"] == "duplicate_of":
                rule = link["evidence"].rsplit("rule=", 1)[-1]
                (self._exact if rule in ("exact", "url") else self._near).inc()
            yield pvalue.TaggedOutput(LINKS, TimestampedValue(link, (link["observed_at"] + self._delay_ms) / 1000))


class DedupStoriesInOneGroup(beam.PTransform):
    """Bounded articles → (final Story records, StoryLink records), by the rule of
    core.dedup.stories applied once to all of them (module docstring). Same stories as
    DedupStories, and the same link edges."""

    def __init__(self, horizon_ms: int = HORIZON_MS, allowed_lateness_ms: int = 600_000) -> None:
        super().__init__()
        self._horizon_ms = horizon_ms
        self._delay_ms = allowed_lateness_ms

    def expand(self, articles):
        decided = (
            articles
            | "DedupDocs" >> beam.ParDo(DedupDocsFn())
            | "ToOneGroup" >> beam.Map(to_one_group).with_output_types(tuple[str, bytes])
            | "GatherDocuments" >> beam.GroupByKey()
            | "DecideAll" >> beam.ParDo(DecideAllFn(self._horizon_ms, self._delay_ms)).with_outputs(
                LINKS, main="stories")
        )
        return decided.stories, decided[LINKS]
