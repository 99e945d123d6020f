"""Story quality on the demo-sized sample feed, against the generator's record of each page's and
teaser's story (benchmarks/feed_quality.py)."""

from __future__ import annotations

from benchmarks.feed_quality import labeled_docs, measure


def test_truth_covers_pages_and_their_teasers():
    docs, truth, event_of, page_ids = labeled_docs(40, seed=3)
    assert page_ids and page_ids <= set(truth)
    assert len(truth) > 2 * len(page_ids), "most related-news items carry the story they point to"
    assert {truth[p] for p in page_ids} <= set(event_of), "every page's story has its event"
    assert {d["page_id"] for d in docs} >= set(truth)


def test_stories_of_the_demo_feed_match_the_generator():
    figures = measure(300, seed=3)
    # 0.93 / 0.92 measured; a template headline that opens with its city was not a name before
    # (the 2,000-page feed: precision 0.40 then, 0.60 now).
    assert figures["precision"] >= 0.9 and figures["recall"] >= 0.9, figures
    assert figures["pages_precision"] >= 0.8, figures
    # 0.89 measured; 0.54 while headline names did not have to agree for two teasers to be related.
    assert figures["related_links"] > 0 and figures["related_link_precision"] >= 0.8, figures
