"""`newsbeam demo`: the whole spine on one machine — a real broker, the sample feed, the pipeline on
the DirectRunner (bounded catch-up), and a summary a person can read."""

from __future__ import annotations

import argparse
import textwrap
import time
from pathlib import Path

from pipelines.config import JobSettings, Topics
from pipelines.core import codecs
from pipelines.kafka.ledger import final_stories, read_ledger
from pipelines.kafka.topics import count, dead_letter_reasons, read_all
from pipelines.runners.launch import counters, run


def _section(title: str) -> None:
    print(f"\n== {title} ==")


def summarize(bootstrap: str, topics: Topics, job_counters: dict[str, int], show: int) -> dict[str, int]:
    """Print counts per topic, the ledger, DLQ reasons and the first articles; return the counts."""
    counts = {topic: count(bootstrap, topic) for topic in topics.all()}
    _section("records per topic")
    for topic, n in counts.items():
        print(f"  {topic:<28} {n:>6}")
    _section("ledger (by key)")
    print("  " + read_ledger(bootstrap, topics).describe())
    print("  counters: " + ", ".join(f"{k}={v}" for k, v in sorted(job_counters.items())))
    _section("dead letters by stage / reason")
    for (stage, error_class), n in sorted(dead_letter_reasons(read_all(bootstrap, topics.dlq)).items()):
        print(f"  {n:>4}  {stage:<8} {error_class}")
    _section(f"first {show} articles")
    records = read_all(bootstrap, topics.articles)
    for record in records[:show]:
        article = codecs.decode("Article", record.value)
        print(f"- [{article['language']}] {article['title'] or '(no title)'}  <{article['canonical_url']}>")
        print(f"  site={article['site']} authors={article['authors']} "
              f"blocks={len(article['blocks'])} related={len(article['related'])}")
        print(textwrap.indent(textwrap.fill(article["body"][:300] + "…", 96), "  | "))
    _stories_and_links(bootstrap, topics, show)
    return counts


def _stories_and_links(bootstrap: str, topics: Topics, show: int) -> None:
    stories = final_stories(bootstrap, topics.stories)
    links = [codecs.decode("StoryLink", r.value) for r in read_all(bootstrap, topics.links)]
    live = [s for s in stories.values() if not s["merged_into"]]
    _section(f"stories: {len(stories)} ({len(live)} not merged); biggest {show}")
    for story in sorted(live, key=lambda s: (-s["member_count"], s["story_id"]))[:show]:
        print(f"- {story['story_id'][:12]} [{story['language']}] {story['title'] or story['lead'][:80]!r}")
        print(f"  members={story['member_count']} sources={', '.join(story['sources'][:6])}")
    by_type: dict[str, int] = {}
    for link in links:
        by_type[link["type"]] = by_type.get(link["type"], 0) + 1
    _section("links by type")
    for kind, n in sorted(by_type.items()):
        print(f"  {kind:<14} {n:>6}")
    for link in [lk for lk in links if lk["type"] == "similar_news"][:show]:
        target = stories.get(link["to_story"] or "", {})
        print(f"  {link['from_story'][:12]} → {str(link['to_story'])[:12]} similar_news: "
              f"{(target.get('title') or link['to_title'] or '')[:70]!r}")


def demo(args: argparse.Namespace) -> int:
    from pipelines.kafka.admin import create_topics
    from pipelines.kafka.broker import KafkaBroker, ensure_kafka_jars
    from pipelines.kafka.produce import messages_from_jsonl, produce
    from pipelines.quality.samplefeed.generate import write_feed

    out = Path("out/demo")
    out.mkdir(parents=True, exist_ok=True)
    ensure_kafka_jars()
    started = time.monotonic()
    with KafkaBroker() as broker:
        print(f"kafka broker up at {broker.bootstrap} ({time.monotonic() - started:.1f}s)")
        topics = Topics()
        create_topics(broker.bootstrap, topics)
        feed = out / "feed.jsonl"
        write_feed(feed, n_pages=args.pages)
        produced = produce(broker.bootstrap, topics.raw, messages_from_jsonl(feed), progress=True)
        print(f"produced {produced} raw messages from {feed}")
        t0 = time.monotonic()
        job = JobSettings(bootstrap=broker.bootstrap, topics=topics, output_dir=str(out / "lake"))
        result = run(job)
        print(f"pipeline finished: {result.state} in {time.monotonic() - t0:.1f}s")
        summarize(broker.bootstrap, topics, counters(result), args.show)
        ok = read_ledger(broker.bootstrap, topics).holds
    return 0 if ok else 1
