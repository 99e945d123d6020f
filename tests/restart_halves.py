"""What the restart tests share: the feed in two halves, its reference run, and `newsbeam run` as a
process to kill. The feed's halves: the first is read before the crash, the second
after the restart. What makes such a test able to fail is checked here once: some story of the
reference run has pages in both halves, so a restart that lost the dedup state would show."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

from pipelines.config import PROJECT_ROOT, JobSettings, Topics
from pipelines.core import codecs
from pipelines.core.records import KafkaMessage
from pipelines.kafka.admin import create_topics
from pipelines.kafka.ledger import final_stories, read_ledger
from pipelines.kafka.produce import messages_from_jsonl, produce
from pipelines.kafka.topics import read_all
from pipelines.quality.samplefeed.generate import write_feed
from pipelines.runners.launch import run

SEEDS = Path(__file__).parent / "data" / "seeds"


def split_where_stories_span(bootstrap: str, reference: Topics, messages: list[KafkaMessage]) -> int:
    """Where the feed is cut (its middle), once the reference run's stories are known to span it."""
    page_of_url = {codecs.decode("Article", r.value)["url"]: r.key.decode()
                   for r in read_all(bootstrap, reference.articles)}

    def pages(part: list[KafkaMessage]) -> set[str]:
        found = set()
        for message in part:
            with contextlib.suppress(codecs.DecodeError):  # the feed's malformed records
                found.add(page_of_url.get(codecs.decode_raw_page(message.value)["url"]))
        return found - {None}

    half = len(messages) // 2
    first, later = pages(messages[:half]), pages(messages[half:])
    stories = final_stories(bootstrap, reference.stories).values()
    members = [{m["page_id"] for m in story["members"]} for story in stories]
    assert any(ids & first and ids & later for ids in members), \
        "the feed's halves share stories (else the test could not tell a restore from none)"
    return half


def stamped_now(part: list[KafkaMessage]) -> list[KafkaMessage]:
    """The messages stamped at production: decisions and state expiry follow the records' Kafka
    time, so a feed crawled days ago would be decided, and expired, at once."""
    now = int(time.time() * 1000)
    return [m._replace(timestamp_ms=now + i) for i, m in enumerate(part)]


class Reference(NamedTuple):
    """The feed, and what a bounded run that was never interrupted made of it."""

    messages: list[KafkaMessage]
    stories: dict[str, dict]
    half: int


def reference_run(bootstrap: str, folder: Path, tag: str) -> Reference:
    """The restart tests' 40-page feed and its bounded reference run, on topics of its own."""
    feed = folder / "feed.jsonl"
    write_feed(feed, seed=5, n_pages=40, seeds_dir=SEEDS)
    messages = list(messages_from_jsonl(feed))
    reference = Topics(prefix=f"{tag}{os.getpid()}r{time.monotonic_ns() % 10**6}.")
    create_topics(bootstrap, reference)
    produce(bootstrap, reference.raw, messages, progress=False)
    run(JobSettings(bootstrap=bootstrap, topics=reference, group_id=f"g-{reference.prefix}"))
    return Reference(messages, final_stories(bootstrap, reference.stories),
                     split_where_stories_span(bootstrap, reference, messages))


def wait_for(condition, timeout_s: float, what: str, log: Path):
    """condition()'s first true value; fails with the end of `log` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}\n"
                         f"{log.read_text(errors='replace')[-3000:]}")


def launch_run(log: Path, *run_args: str) -> subprocess.Popen:
    """`newsbeam run …` as a process of its own (so it can be killed as a crash would), logging at
    INFO: the runner's restore lines and the replay plan reach `log`."""
    with log.open("a") as out:
        return subprocess.Popen([sys.executable, "-m", "pipelines.cli.main", "--log-level", "INFO", "run", *run_args],
                                stdout=out, stderr=subprocess.STDOUT,
                                env=dict(os.environ, PYTHONPATH=str(PROJECT_ROOT)))


def kill_9(launcher: subprocess.Popen) -> None:
    """kill -9, as a crash would; the runner processes it started die with it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(launcher.pid, signal.SIGKILL)
    launcher.wait()


def assert_same_final_stories(bootstrap: str, topics: Topics, reference: Reference) -> None:
    """The ledger holds by key, and the final stories equal the reference run's byte for byte."""
    ledger = read_ledger(bootstrap, topics)
    assert ledger.holds, ledger.describe()
    stories = {sid: codecs.encode("Story", s, "json") for sid, s in final_stories(bootstrap, topics.stories).items()}
    assert stories == {sid: codecs.encode("Story", s, "json") for sid, s in reference.stories.items()}
