"""Bare extractor vs the bounded DirectRunner pipeline on the same pages, in one run.

Prints one JSON line. The ratio (pipeline pages/s over extractor pages/s) is what to track: both
figures move with the machine, their ratio is the pipeline's overhead. A second baseline adds the
language tagger to the loop (`ratio_vs_extract_and_tag`): what Kafka, codecs, Beam and, unless
`--no-dedup`, the dedup steps cost on top of the per-page work. Pipeline figures include start-up
(the language models load in `language_load_s`)."""

from __future__ import annotations

import argparse
import json
import sys
import time

from pipelines.config import RUNNERS, Topics
from pipelines.core import codecs
from pipelines.core.extract import extract_article
from pipelines.quality.samplefeed.generate import generate_feed


def _pages(n: int, pages_per_day: float | None = None) -> list[dict]:
    lines = [line for line in generate_feed(seed=3, n_pages=n, pages_per_day=pages_per_day) if "value_b64" not in line]
    return [codecs.raw_page_from_json(line) for line in lines]


def bare_extractor(pages: list[dict]) -> float:
    extract_article(pages[0])  # warm imports and caches
    start = time.perf_counter()
    for page in pages:
        extract_article(page)
    return len(pages) / (time.perf_counter() - start)


def bare_extract_and_tag(pages: list[dict]) -> tuple[float, float]:
    """Extraction plus language tagging in a plain loop: (pages/s, tagger load seconds)."""
    from pipelines.core.language import EXPECTED, LanguageTagger, tag_article

    started = time.perf_counter()
    tagger = LanguageTagger(expected=EXPECTED)
    tag_article(extract_article(pages[0]), tagger=tagger)
    load_s = time.perf_counter() - started
    start = time.perf_counter()
    for page in pages:
        tag_article(extract_article(page), tagger=tagger)
    return len(pages) / (time.perf_counter() - start), load_s


def bounded_pipeline(pages: list[dict], runner: str, workers: int | None, dedup: bool = True,
                     keep_all: bool = False, keyed_dedup: bool = False) -> tuple[float, dict]:
    from pipelines.config import JobSettings
    from pipelines.kafka.admin import create_topics
    from pipelines.kafka.broker import KafkaBroker, ensure_kafka_jars
    from pipelines.kafka.produce import page_message, produce
    from pipelines.runners.launch import counters, run

    ensure_kafka_jars()
    with KafkaBroker() as broker:
        topics = Topics("bench.")
        create_topics(broker.bootstrap, topics, keep_all=keep_all)
        produce(broker.bootstrap, topics.raw, (page_message(p) for p in pages), progress=False)
        start = time.perf_counter()
        settings = JobSettings(bootstrap=broker.bootstrap, topics=topics, runner=runner, sdk_workers=workers,
                               dedup=dedup, **({"one_group_dedup_limit": 0} if keyed_dedup else {}))
        result = run(settings)
        elapsed = time.perf_counter() - start
        return len(pages) / elapsed, counters(result)


def build_parser() -> argparse.ArgumentParser:
    """This benchmark's options (also listed by `newsbeam bench -h`)."""
    parser = argparse.ArgumentParser(prog="newsbeam bench", description=__doc__)
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--runner", default="DirectRunner", choices=RUNNERS)
    parser.add_argument("--workers", type=int, default=None,
                        help="SDK worker processes (default: the job's own, one)")
    parser.add_argument("--no-dedup", action="store_true", help="the pipeline without the dedup steps")
    parser.add_argument("--keyed-dedup", action="store_true",
                        help="dedup with the keyed steps a streaming job runs, not in one group (the bounded default)")
    parser.add_argument("--pages-per-day", type=float, default=None,
                        help="spread the sample feed at this density (events per story horizon do not grow "
                             "with --pages); default: every feed over the generator's 64 hours")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    pages = _pages(args.pages, args.pages_per_day)
    extractor_rate = bare_extractor(pages)
    tagged_rate, load_s = bare_extract_and_tag(pages)
    pipeline_rate, job = bounded_pipeline(pages, args.runner, args.workers, dedup=not args.no_dedup,
                                          keep_all=args.pages_per_day is not None, keyed_dedup=args.keyed_dedup)
    assert job.get("pages_read") == len(pages), job
    print(json.dumps({
        "benchmark": "pipeline_throughput",
        "pages": len(pages),
        "runner": args.runner,
        "workers": args.workers,
        "dedup": ("keyed" if args.keyed_dedup else "one group") if not args.no_dedup else None,
        "pages_per_day": args.pages_per_day,
        "extractor_pages_per_s": round(extractor_rate, 1),
        "pipeline_pages_per_s": round(pipeline_rate, 1),
        "ratio": round(pipeline_rate / extractor_rate, 3),
        "extract_and_tag_pages_per_s": round(tagged_rate, 1),
        "language_load_s": round(load_s, 2),
        "ratio_vs_extract_and_tag": round(pipeline_rate / tagged_rate, 3),
        "goal_ratio": 0.7,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
