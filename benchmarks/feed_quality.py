"""Story quality on the sample feed, against the generator's own record of which story and event
every page and related-news item is about.

    python -m benchmarks.feed_quality [--pages 2000] [--seed 3]

The labeled dedup sets (`newsbeam eval dedup`) hold articles and teasers written for the rule's
cases; the sample feed is what the demo and the pipeline benchmarks run on: aggregator pages,
syndicated copies, follow-ups and related-news blocks whose teasers repeat across hundreds of
pages, many of them from the same templates (one topic, another city). Pages are extracted as the
pipeline does, then clustered by the offline story rule (the Beam version gives the same stories:
tests/test_dedup_step.py). Prints one JSON line:

- `precision`/`recall` (pairwise, over pages and items with a known story; stories joined through
  `merged_into` count as one, as a consumer following merges sees them), and the same for pages
  alone and items alone;
- `event_precision`: the same precision when two stories of one event may share a story;
- `related_link_precision`: share of `related` links between stories of one event."""

from __future__ import annotations

import argparse
import ast
import json
import time
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from pipelines.beam.steps.dedup import dedup_docs
from pipelines.core import codecs
from pipelines.core.dedup.stories import ClusterResult, cluster
from pipelines.core.extract import extract_article
from pipelines.core.urls import normalize_url
from pipelines.quality.evaluation.dedup import pairwise
from pipelines.quality.samplefeed.generate import generate_feed


def _meta(record: Mapping[str, Any]) -> dict[str, Any] | None:
    meta = record.get("_meta")
    return ast.literal_eval(meta) if isinstance(meta, str) else meta


# The feed's dates follow its start, and the figures move with them (docs/decisions.md, "Sample-feed
# story quality depends on the crawl's dates"): a fixed start makes the measurement repeatable.
FEED_START_MS = 1_794_700_800_000  # 2026-11-15 00:00 UTC


def labeled_docs(pages: int, seed: int, start_ms: int = FEED_START_MS, pages_per_day: float | None = None
                 ) -> tuple[list[dict], dict[str, str], dict[str, str], set[str]]:
    """(dedup documents, doc page_id → true story, story → event, page_ids of the pages)."""
    docs: list[dict] = []
    truth: dict[str, str] = {}
    event_of: dict[str, str] = {}
    page_ids: set[str] = set()
    for record in generate_feed(seed=seed, n_pages=pages, start_ms=start_ms, pages_per_day=pages_per_day):
        meta = _meta(record)
        if "url" not in record or not meta or not meta.get("story"):
            continue  # malformed messages and empty pages: no story to be right about
        article = extract_article(codecs.raw_page_from_json(record))
        page_docs = dedup_docs(article)
        docs += page_docs
        event_of[meta["story"]] = meta["event"]
        truth[page_docs[0]["page_id"]] = meta["story"]
        page_ids.add(page_docs[0]["page_id"])
        item_story = {normalize_url(r["url"]): r["story"] for r in meta.get("related", []) if r.get("url")}
        for item in page_docs[1:]:
            story = item_story.get(item.get("canonical_url") or "")
            if story:
                truth[item["page_id"]] = story
    return docs, truth, event_of, page_ids


def related_link_precision(result: ClusterResult, events_of_story: Mapping[str, set[str]]) -> float | None:
    links = [lk for lk in result.links if lk["type"] == "related"]
    judged = [(events_of_story.get(result.root(lk["from_story"])), events_of_story.get(result.root(lk["to_story"])))
              for lk in links]
    judged = [(a, b) for a, b in judged if a and b]
    return round(sum(1 for a, b in judged if a & b) / len(judged), 4) if judged else None


def measure(pages: int, seed: int, start_ms: int = FEED_START_MS, pages_per_day: float | None = None
            ) -> dict[str, Any]:
    docs, truth, event_of, page_ids = labeled_docs(pages, seed, start_ms, pages_per_day)
    start = time.perf_counter()
    result = cluster(docs)
    elapsed = time.perf_counter() - start
    pred = {pid: result.root(result.story_of[pid]) for pid in truth}
    p, r, _ = pairwise(truth, pred)
    events = {pid: event_of.get(story, story) for pid, story in truth.items()}
    event_p, _, _ = pairwise(events, pred)
    figures: dict[str, Any] = {"benchmark": "feed_quality", "pages": len(page_ids), "pages_per_day": pages_per_day,
                               "docs": len(docs),
                               "docs_with_truth": len(truth), "precision": round(p, 4), "recall": round(r, 4),
                               "event_precision": round(event_p, 4)}
    for name, keep in (("pages", page_ids), ("items", set(truth) - page_ids)):
        part = {pid: truth[pid] for pid in keep}
        pp, pr, _ = pairwise(part, {pid: pred[pid] for pid in part})
        figures[f"{name}_precision"], figures[f"{name}_recall"] = round(pp, 4), round(pr, 4)
    events_of_story: dict[str, set[str]] = defaultdict(set)
    for pid, story in pred.items():
        events_of_story[story].add(events[pid])
    figures["related_links"] = sum(1 for lk in result.links if lk["type"] == "related")
    figures["related_link_precision"] = related_link_precision(result, events_of_story)
    figures["stories"] = len({pred[pid] for pid in pred})
    figures["true_stories"] = len(set(truth.values()))
    figures["cluster_s"] = round(elapsed, 1)
    return figures


def build_parser() -> argparse.ArgumentParser:
    """This benchmark's options (also listed by `newsbeam bench -h`)."""
    parser = argparse.ArgumentParser(prog="newsbeam bench feed_quality", description=__doc__)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--pages-per-day", type=float, default=None,
                        help="spread the feed at this density (default: the generator's 64-hour crawl)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    print(json.dumps(measure(args.pages, args.seed, pages_per_day=args.pages_per_day)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
