"""The streaming job (production mode: expiry timers, checkpoints on Flink) against the bounded job,
on the same pages, in one run.

    python -m benchmarks.pipeline_streaming [--pages 300] [--runner FlinkRunner]

Produces the pages, starts the streaming job, and takes as its end the moment the last story
upsert appeared once the group's lag is 0, every page is an article or a dead letter, and the
stories topic has stopped growing for `--settle-s` seconds (story decisions wait for the
watermark, which an idle partition moves on from the wall clock). Prints one JSON line with both
rates and their ratio; both include job start-up."""

from __future__ import annotations

import argparse
import json
import time

from benchmarks.pipeline_throughput import _pages
from pipelines.config import RUNNERS, Topics


def streaming_run(pages: list[dict], runner: str, settle_s: float, timeout_s: float) -> dict:
    from pipelines.config import JobSettings
    from pipelines.kafka.admin import create_topics
    from pipelines.kafka.broker import KafkaBroker, ensure_kafka_jars
    from pipelines.kafka.ledger import read_ledger
    from pipelines.kafka.produce import page_message, produce
    from pipelines.kafka.topics import count
    from pipelines.ops.lag import consumer_lag, summarize
    from pipelines.runners.launch import cancel, run

    ensure_kafka_jars()
    with KafkaBroker() as broker:
        topics = Topics("stream.")
        create_topics(broker.bootstrap, topics)
        produce(broker.bootstrap, topics.raw, (page_message(p) for p in pages), progress=False)
        group = "bench-streaming"
        start = time.perf_counter()
        result = run(JobSettings(bootstrap=broker.bootstrap, topics=topics, runner=runner, mode="streaming",
                                 group_id=group), wait=False)
        try:
            stories, last_growth = 0, start
            while time.perf_counter() - start < timeout_s:
                time.sleep(1)
                now_stories = count(broker.bootstrap, topics.stories)
                if now_stories != stories:
                    stories, last_growth = now_stories, time.perf_counter()
                    continue
                if time.perf_counter() - last_growth < settle_s:
                    continue
                ledger = read_ledger(broker.bootstrap, topics)
                lag = summarize(consumer_lag(broker.bootstrap, topics.raw, group, with_times=False))["lag"]
                if ledger.holds and lag == 0 and stories:
                    return {"seconds": last_growth - start, "story_upserts": stories, "ledger": ledger.describe()}
            raise TimeoutError(f"streaming job did not settle within {timeout_s} s")
        finally:
            cancel(result)


def bounded_run(pages: list[dict], runner: str) -> float:
    from benchmarks.pipeline_throughput import bounded_pipeline

    rate, _ = bounded_pipeline(pages, runner, workers=1)
    return rate


def build_parser() -> argparse.ArgumentParser:
    """This benchmark's options (also listed by `newsbeam bench -h`)."""
    parser = argparse.ArgumentParser(prog="newsbeam bench streaming", description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    # The DirectRunner hands streaming jobs to Prism, so only the runners that stream themselves.
    parser.add_argument("--runner", default="FlinkRunner", choices=[r for r in RUNNERS if r != "DirectRunner"])
    parser.add_argument("--settle-s", type=float, default=20.0)
    parser.add_argument("--timeout-s", type=float, default=1800.0)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    pages = _pages(args.pages)
    streamed = streaming_run(pages, args.runner, args.settle_s, args.timeout_s)
    bounded_rate = bounded_run(pages, "FlinkRunner" if args.runner == "FlinkRunner" else "DirectRunner")
    streaming_rate = len(pages) / streamed["seconds"]
    print(json.dumps({
        "benchmark": "pipeline_streaming", "pages": len(pages), "runner": args.runner,
        "streaming_pages_per_s": round(streaming_rate, 2), "bounded_pages_per_s": round(bounded_rate, 2),
        "ratio_streaming_vs_bounded": round(streaming_rate / bounded_rate, 3),
        "story_upserts": streamed["story_upserts"], "ledger": streamed["ledger"],
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
