"""How soon a streaming job places each article in a story: provisional (early firing) against
final (on-time firing), at half of the input rate the job sustains, in one run.

    python -m benchmarks.story_latency [--runner FlinkRunner] [--burst 160] [--paced-s 90] [-- beam args]

The job runs as `newsbeam run` in a process of its own (its SDK worker lives in that process), so
the benchmark's producer and readers do not share its interpreter.

1. Sustained rate: once the job is up, a burst of pages is produced at once. The job places every
   page twice, early and then final (once the watermark passes the pages' time plus the allowed
   lateness), and a steady stream pays for both: the rate is the burst over the time until every
   page has its first story record plus the time its final records took to come out (the first
   to the last). The first part alone is reported as `burst_first_pages_per_s`; it overstates
   what the job keeps up with, as the final decisions are deferred out of it.
2. Latency: pages are produced at half that rate (or `--offered`) for `--paced-s`, each stamped
   with the time it is sent; readers tail the articles and stories topics and note when they
   receive each record. An article's latency is from its record's Kafka timestamp (its raw
   page's) to the receipt of the first story record naming it, provisional or final; the final
   latency (first final record) is the baseline, bounded below by the allowed lateness
   (`--allowed-lateness-s`); the article latency (receipt of the article record) is the part spent
   before dedup.

Prints one JSON line: the sustained and offered rates, p50/p95/p99 of the three latencies (and the
first story's p50 over each third of the paced phase: it grows when the job falls behind), the
ratio of the first story's to the final story's p99, and for how many articles the first and the
latest provisional story (a more senior duplicate arriving after the early firing moves an
article) is the final one."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable

from benchmarks.pipeline_throughput import _pages
from pipelines.config import DEFAULT_SETTLE_MS, RUNNERS, Topics
from pipelines.runners.local_workers import default_workers


class _Tail(threading.Thread):
    """Reads one topic from its start on a thread of its own and hands each polled batch, with the
    wall clock (ms) of its receipt, to `take`."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(daemon=True)
        self._servers, self._topic = bootstrap, topic
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        from pipelines.kafka.client import consumer_client

        with consumer_client(self._servers, auto_offset_reset="earliest") as kconsumer:
            kconsumer.subscribe([self._topic])
            while not self._stopping.is_set():
                for records in kconsumer.poll(timeout_ms=100).values():
                    now = int(time.time() * 1000)
                    with self._lock:
                        self.take(records, now)

    def take(self, records: list, now: int) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=10)


class ArticleTail(_Tail):
    """When each article record was received (wall clock, ms): the part of a story's latency spent
    before dedup."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(bootstrap, topic)
        self.received: dict[str, int] = {}

    def take(self, records: list, now: int) -> None:
        from pipelines.core import codecs

        for record in records:
            self.received.setdefault(codecs.decode("Article", record.value)["page_id"], now)


class StoryTail(_Tail):
    """For each page id, when a story record first named it (wall clock, ms), provisional or final,
    and the story it was first placed in, early and final."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(bootstrap, topic)
        self.first_seen: dict[str, int] = {}
        self.first_final: dict[str, int] = {}
        self.early_story: dict[str, str] = {}
        self.latest_early_story: dict[str, str] = {}
        self.final_story: dict[str, str] = {}

    def take(self, records: list, now: int) -> None:
        from pipelines.core import codecs
        from pipelines.core.dedup.stories import FINAL, PROVISIONAL

        for record in records:
            story = codecs.decode("Story", record.value)
            for member in story["members"]:
                pid = member["page_id"]
                self.first_seen.setdefault(pid, now)
                if story["status"] == PROVISIONAL and pid not in self.first_final:
                    self.early_story.setdefault(pid, story["story_id"])
                    self.latest_early_story[pid] = story["story_id"]
                elif story["status"] == FINAL:
                    self.first_final.setdefault(pid, now)
                    self.final_story[pid] = story["story_id"]

    def placed(self, page_ids: set[str], final: bool = False) -> int:
        with self._lock:
            return len(page_ids & (self.first_final if final else self.first_seen).keys())


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": round(pick(0.50), 3), "p95": round(pick(0.95), 3), "p99": round(pick(0.99), 3),
            "max": round(ordered[-1], 3)}


def _send(kproducer, topic: str, pages: list[dict], interval_s: float) -> None:
    """Each page stamped with the moment it is sent, one every `interval_s` (0: all at once)."""
    from pipelines.kafka.produce import page_message

    start = time.perf_counter()
    for index, page in enumerate(pages):
        if interval_s:
            time.sleep(max(0.0, start + index * interval_s - time.perf_counter()))
        message = page_message({**page, "fetched_at": int(time.time() * 1000)})
        kproducer.send(topic, key=message.key, value=message.value, timestamp_ms=message.timestamp_ms)
    kproducer.flush()


def _wait(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.5)


def _article_times(bootstrap: str, topic: str) -> dict[str, tuple[str, int]]:
    """url → (page_id, the article record's Kafka timestamp)."""
    from pipelines.core import codecs
    from pipelines.kafka.topics import read_all

    return {a["url"]: (a["page_id"], r.timestamp) for r in read_all(bootstrap, topic)
            for a in [codecs.decode("Article", r.value)]}


def _start_job(bootstrap: str, topics: Topics, runner: str, lateness_s: float, settle_ms: int,
               beam_args: list[str], sdk_workers: int | None = None) -> subprocess.Popen:
    """`newsbeam run` in a process of its own, as a job runs in production: its SDK worker lives in
    the launching process (LOOPBACK), and this benchmark's producer and readers must not take turns
    with it for one interpreter."""
    command = [sys.executable, "-m", "pipelines.cli.main", "run", "--bootstrap", bootstrap, "--prefix", topics.prefix,
               "--group-id", "bench-latency", "--runner", runner, "--mode", "streaming",
               "--allowed-lateness-s", str(lateness_s), "--provisional-settle-ms", str(settle_ms)]
    if sdk_workers is not None:
        command += ["--sdk-workers", str(sdk_workers)]
    with tempfile.NamedTemporaryFile(prefix="newsbeam-latency-job-", suffix=".log", delete=False) as log:
        job = subprocess.Popen(command + (["--", *beam_args] if beam_args else []), stdout=log,
                               stderr=subprocess.STDOUT)
    job.log = log.name  # type: ignore[attr-defined]
    return job


def _running(job: subprocess.Popen) -> bool:
    """True while the job runs; raises with its log when it has ended."""
    if job.poll() is not None:
        raise RuntimeError(f"the job ended (exit {job.returncode}); its log: {job.log}")  # type: ignore[attr-defined]
    return True


def _stop_job(job: subprocess.Popen) -> None:
    """Ends the job; its runner processes die with it (pipelines.runners.launch)."""
    job.terminate()
    try:
        job.wait(timeout=30)
    except subprocess.TimeoutExpired:
        job.kill()
        job.wait()


def measure(runner: str, burst: int, paced_s: float, lateness_s: float, timeout_s: float,
            settle_ms: int, beam_args: list[str], offered_rate: float | None = None,
            sdk_workers: int | None = None, timeline: str | None = None) -> dict:
    from pipelines.kafka.admin import create_topics
    from pipelines.kafka.broker import KafkaBroker, ensure_kafka_jars
    from pipelines.kafka.client import producer

    ensure_kafka_jars()
    pages = _pages(burst * 8)
    warmup, burst_pages, paced_pool = pages[:1], pages[1:burst + 1], pages[burst + 1:]
    with KafkaBroker() as broker:
        topics = Topics("latency.")
        create_topics(broker.bootstrap, topics)
        tail = StoryTail(broker.bootstrap, topics.stories)
        tail.start()
        article_tail = ArticleTail(broker.bootstrap, topics.articles)
        article_tail.start()
        kproducer = producer(broker.bootstrap)
        job = _start_job(broker.bootstrap, topics, runner, lateness_s, settle_ms, beam_args, sdk_workers)
        sent = 0

        def placed(final: bool = False) -> bool:
            return _running(job) and _all_placed(broker.bootstrap, topics, tail, sent, final)

        try:
            sent = len(warmup)
            _send(kproducer, topics.raw, warmup, 0)
            _wait(placed, timeout_s, "the job placed no article")
            warmed = set(tail.first_seen)
            warm_articles = {pid for pid, _ in _article_times(broker.bootstrap, topics.articles).values()}
            started = time.perf_counter()
            sent += len(burst_pages)
            _send(kproducer, topics.raw, burst_pages, 0)
            _wait(placed, timeout_s, "the burst was not placed")
            first_s = time.perf_counter() - started
            # Pacing starts from a steady state: the burst's final decisions, all due at once,
            # would otherwise land in the paced phase.
            _wait(lambda: placed(final=True), lateness_s + timeout_s, "the burst was not decided")
            # The burst's articles only: story members also include the pages' related-news
            # items, and the warm-up page's items can be decided long before the burst.
            burst_articles = {pid for pid, _ in _article_times(broker.bootstrap, topics.articles).values()}
            finals = [tail.first_final[pid] for pid in burst_articles - warm_articles]
            final_s = (max(finals) - min(finals)) / 1000
            burst_first = len(burst_pages) / first_s
            sustained = len(burst_pages) / (first_s + final_s)
            offered = offered_rate or sustained / 2
            paced = paced_pool[:max(1, int(offered * paced_s))]
            sent_from = int(time.time() * 1000)
            sent += len(paced)
            _send(kproducer, topics.raw, paced, 1 / offered)
            _wait(placed, timeout_s, "the paced pages were not placed")
            # The final decisions come once the watermark passes each page's time plus the lateness.
            _wait(lambda: placed(final=True), lateness_s + timeout_s, "the paced pages were not decided")
        finally:
            _stop_job(job)
            kproducer.close()
            tail.stop()
            article_tail.stop()
        times = _article_times(broker.bootstrap, topics.articles)
    measured = [(pid, at) for pid, at in times.values() if at >= sent_from]
    if timeline:
        _write_timeline(timeline, times, article_tail, tail, warmed, sent_from)
    early = [(tail.first_seen[pid] - at) / 1000 for pid, at in measured if pid in tail.first_seen]
    final = [(tail.first_final[pid] - at) / 1000 for pid, at in measured if pid in tail.first_final]
    articles = [(article_tail.received[pid] - at) / 1000 for pid, at in measured if pid in article_tail.received]
    with_early = [pid for pid, _ in measured if pid in tail.early_story]
    agree = sum(tail.early_story[pid] == tail.final_story.get(pid) for pid in with_early)
    agree_latest = sum(tail.latest_early_story[pid] == tail.final_story.get(pid) for pid in with_early)
    first, last = _percentiles(early), _percentiles(final)
    # A job that does not keep up with the offered rate shows it as latency growing over the phase.
    ordered = sorted((at, pid) for pid, at in measured if pid in tail.first_seen)
    thirds = [ordered[i * len(ordered) // 3:(i + 1) * len(ordered) // 3] for i in range(3)]
    by_third = [_percentiles([(tail.first_seen[pid] - at) / 1000 for at, pid in part]).get("p50") for part in thirds]
    return {
        "benchmark": "story_latency", "runner": runner, "allowed_lateness_s": lateness_s,
        "settle_ms": settle_ms, "sdk_workers": sdk_workers or default_workers(), "beam_args": beam_args,
        "sustained_pages_per_s": round(sustained, 2), "burst_first_pages_per_s": round(burst_first, 2),
        "burst_first_s": round(first_s, 2), "burst_final_s": round(final_s, 2),
        "offered_pages_per_s": round(offered, 2),
        "paced_articles": len(measured),
        "article_latency_s": _percentiles(articles),
        "first_story_latency_s": first, "first_story_p50_by_third_s": by_third, "final_story_latency_s": last,
        "ratio_p99_first_vs_final": round(first["p99"] / last["p99"], 4) if first and last else None,
        "articles_with_provisional": len(with_early),
        "first_provisional_agrees_with_final": round(agree / len(with_early), 4) if with_early else None,
        "latest_provisional_agrees_with_final": round(agree_latest / len(with_early), 4) if with_early else None,
    }


def _write_timeline(path: str, times: dict[str, tuple[str, int]], article_tail: ArticleTail, tail: StoryTail,
                    warmed: set[str], sent_from: int) -> None:
    """One JSON line per page, in order of its raw record's time: its phase (warm-up, burst,
    paced) and when (wall clock, ms) its article, first story and first final story records came."""
    with open(path, "w", encoding="utf-8") as out:
        for pid, at in sorted(times.values(), key=lambda item: item[1]):
            phase = "warmup" if pid in warmed else "paced" if at >= sent_from else "burst"
            out.write(json.dumps({"page_id": pid, "phase": phase, "sent": at,
                                  "article": article_tail.received.get(pid), "first": tail.first_seen.get(pid),
                                  "final": tail.first_final.get(pid)}) + "\n")


def _all_placed(bootstrap: str, topics: Topics, tail: StoryTail, sent: int, final: bool = False) -> bool:
    """Every page sent is an article or a dead letter, and every article is named by a story
    record (`final`: by a final one)."""
    from pipelines.core import codecs
    from pipelines.kafka.topics import count, read_all

    articles = {codecs.decode("Article", r.value)["page_id"] for r in read_all(bootstrap, topics.articles)}
    if len(articles) + count(bootstrap, topics.dlq) < sent:
        return False
    return tail.placed(articles, final) == len(articles)


def build_parser() -> argparse.ArgumentParser:
    """This benchmark's options (also listed by `newsbeam bench -h`)."""
    parser = argparse.ArgumentParser(prog="newsbeam bench latency", description=__doc__.splitlines()[0])
    parser.add_argument("--runner", default="FlinkRunner", choices=[r for r in RUNNERS if r == "FlinkRunner"])
    parser.add_argument("--burst", type=int, default=160, help="pages produced at once to find the sustained rate")
    parser.add_argument("--paced-s", type=float, default=90.0, help="how long pages arrive at half that rate")
    parser.add_argument("--allowed-lateness-s", type=float, default=30.0,
                        help="the final firing's wait (600 s in production; shorter here to finish the run)")
    parser.add_argument("--settle-ms", type=int, default=DEFAULT_SETTLE_MS, help="the early firing's settle time")
    parser.add_argument("--offered", type=float, default=None,
                        help="pages/s in the paced phase (default: half the sustained rate)")
    parser.add_argument("--sdk-workers", type=int, default=None,
                        help="the job's SDK worker processes (default: the job's own, one)")
    parser.add_argument("--timeout-s", type=float, default=900.0)
    parser.add_argument("--timeline", default=None,
                        help="also write each page's times (sent, article, first and final story) to this file")
    parser.add_argument("beam_args", nargs="*", help="extra Beam options for the job, after --")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    print(json.dumps(measure(args.runner, args.burst, args.paced_s, args.allowed_lateness_s, args.timeout_s,
                             args.settle_ms, args.beam_args, args.offered, args.sdk_workers, args.timeline)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
