"""Near-duplicate dedup in Beam keyed state (global window): the streaming twin of
pipelines.core.dedup.stories.

The rule (pipelines/core/dedup/stories.py) gives every document the most senior duplicate within the horizon as its
founder, one hop only, so the work is a DAG of keyed steps with no feedback:

  DedupDocs → Fingerprint ─┬→ Index (key: partition; every document to each of the partitions)
                           │     └─ Report (labelled pairs with senior residents) ─┐
                           └→ Assign (key: page_id) ←──────────────────────────────┘
  Assign ─member→ Stories (key: story_id) → Story upserts
  Assign ─story──→ ResolveLinks (key: page_id) → related / similar_news links
  Assign → duplicate_of links;  Stories → merged_into links

Index partitions (INDEX_PARTITIONS, layout.py) each file the documents whose home they are (a
stable hash of the page id): their fingerprints in keyed state, an index of them by band tag in
memory. Every document goes to every partition, where it waits until the watermark passes its
timestamp plus the allowed lateness: by then every senior document (event time ≤ its own) that
arrived within that lateness has been filed in its home partition. Each partition then judges it
against its senior residents within the horizon that share one of its bands and reports the
labelled pairs to its Assign key (a report per partition, maybe empty); Assign decides when every
partition has reported. So the founder — and hence the story id — is the same whatever the
arrival order or the split over workers. A document crosses two keyed steps before its decision,
whatever the number of its candidates. All state expires on event-time timers `horizon + allowed
lateness` after the last element that needed it (Flink's state TTL is processing-time only, so it
is not used). Story versions equal member counts, so the final record of a story does not depend
on how many intermediate upserts were emitted.

How the job fires (the one place that says it):

* final (on time): Assign decides a document once every Index partition has reported on it, which
  each does when the watermark passes its timestamp plus the allowed lateness, as above. These
  records are the deterministic ones: same input, same final story ids and records, whatever the
  arrival order or worker split.
* provisional (early, streaming only, `settle_ms`): each Index partition also judges a newcomer at
  once against the residents it has and answers the newcomer's Assign key with its seniors among
  them (an EarlyReport, maybe empty; a junior resident gets its pair alone). As soon as every
  partition has answered — or `settle_ms` of processing time after the document reached Assign,
  if one is slow — it joins the story of the most senior duplicate among the pairs that came by
  then (its own story when none did). Stories lists
  it in a record marked provisional; its final firing confirms it there or withdraws it (a record
  without it, or `withdrawn` when the story is left with no member; a provisional duplicate_of link
  gets a `withdrawn` twin). A document decided before it settles (catching up on a backlog) gets no
  provisional firing.
* bounded, in one group (one_group.py, runs of at most JobSettings.one_group_dedup_limit records):
  no keyed steps at all. Every document waits in one GroupByKey in the global window, which fires
  once, when the bounded input is exhausted, and every story is decided then: one final record per
  story and per link edge, the same stories and edges as the final firing above.
* late: an article whose record came later than the allowed lateness is a dead letter
  (SplitLateRecords), never a member.
* warm-up (restart replay): after a restart without checkpoints (Prism) the job re-reads older
  input only to rebuild this state; everything those articles (REPLAYED_ARTICLE_KEY) trigger was
  written before the crash. Their documents are filed, probed and judged like any other, and are
  decided as usual, but their NewDocument and every message and link their decision sends carry
  the one-byte WARM_UP envelope (records.py): each step updates its state as usual and writes
  nothing a marked message triggers (FirstLinkOnly marks the edge seen, so a later copy is dropped
  as without the crash). A warm-up document never fires early.

The steps live in index.py (DedupDocs, Fingerprint, Index) and stories.py (Assign,
Stories, ResolveLinks, FirstLinkOnly); the messages between them and their cell values in
records.py; the state plumbing in state.py; the savepoint layout in layout.py.
"""

from __future__ import annotations

import apache_beam as beam

from pipelines.beam.steps.dedup.index import DedupDocsFn, FingerprintFn, IndexFn
from pipelines.beam.steps.dedup.layout import INDEX_PARTITIONS
from pipelines.beam.steps.dedup.state import KEYED, Keyed
from pipelines.beam.steps.dedup.stories import (
    EARLY_LINKS,
    LINKS,
    AssignFn,
    EarlyAssignFn,
    EarlyStoriesFn,
    FirstLinkFn,
    ResolveLinksFn,
    StoriesFn,
    keyed_link,
)
from pipelines.core.dedup.stories import HORIZON_MS


class DedupStories(beam.PTransform):
    """Articles → (Story upserts, StoryLink records) by the rule of pipelines.core.dedup.stories.

    `horizon_ms`: how far apart in event time two copies may be and still be one story (48 h).
    `allowed_lateness_ms`: how long after a document's timestamp (in watermark time) its story is
    decided. Articles of records that came later than that (SplitLateRecords) are left out.
    `partitions`: how many Index keys share the similarity index (its parallelism; layout.py).
    `expire_state`: False for bounded runs. Their watermark only moves once all input is read, so
    expiry timers could only fire at the end, when the state goes anyway; without them a bounded
    run makes far fewer state requests to the runner (docs/decisions-dedup.md)."""

    def __init__(self, horizon_ms: int = HORIZON_MS, allowed_lateness_ms: int = 600_000,
                 expire_state: bool = True, settle_ms: int | None = None,
                 partitions: int = INDEX_PARTITIONS) -> None:
        super().__init__()
        self._partitions = partitions
        self._horizon_ms = horizon_ms
        self._delay_ms = allowed_lateness_ms
        self._expire_state = expire_state
        self._settle_ms = settle_ms

    def expand(self, articles):
        horizon, delay, expire = self._horizon_ms, self._delay_ms, self._expire_state
        keep = horizon + delay  # how long state outlives the last element that needed it
        docs = articles | "DedupDocs" >> beam.ParDo(DedupDocsFn())
        fps = docs | "Fingerprint" >> beam.ParDo(FingerprintFn(self._partitions)).with_outputs("probes", main="self")
        early = self._settle_ms is not None
        judged = fps.probes | "Index" >> Keyed(
            IndexFn(self._partitions, horizon, delay, expire, early=early), keyed_output=True)
        if not early:
            assigned = (fps.self, judged) | "Assign" >> Keyed(
                AssignFn(self._partitions, keep, expire), LINKS, "stories", "resolve")
            stories = assigned.stories | "Stories" >> Keyed(StoriesFn(keep, expire), LINKS, main="stories")
        else:
            assigned = (fps.self, judged) | "Assign" >> Keyed(
                EarlyAssignFn(self._partitions, keep, expire, self._settle_ms), LINKS, EARLY_LINKS, "stories",
                "resolve")
            stories = assigned.stories | "Stories" >> Keyed(EarlyStoriesFn(keep, expire), LINKS, main="stories")
        resolved = assigned.resolve | "ResolveLinks" >> Keyed(ResolveLinksFn(keep, expire))
        links = (
            (assigned[LINKS], stories[LINKS], resolved)
            | "CollectLinks" >> beam.Flatten()
            | "KeyLinks" >> beam.Map(keyed_link).with_output_types(KEYED)
            | "FirstLinkOnly" >> Keyed(FirstLinkFn(keep, expire))
        )
        if self._settle_ms is not None:
            links = (links, assigned[EARLY_LINKS]) | "WithEarlyLinks" >> beam.Flatten()
        return stories.stories, links
