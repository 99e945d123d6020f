"""10,000 raw messages of every malformed class from issue 12 among valid pages, through one bounded
run: every record is accounted for by key (one article or one dead letter), and the run's peak
memory is printed (run with -s to see it)."""

from __future__ import annotations

import base64
import gzip
import resource
import time
from collections import Counter
from random import Random

import pytest

from pipelines.config import JobSettings
from pipelines.core import codecs
from pipelines.core.records import KafkaMessage
from pipelines.kafka.ledger import read_ledger
from pipelines.kafka.produce import page_message, produce
from pipelines.kafka.topics import dead_letter_reasons, read_all
from pipelines.quality.samplefeed.generate import _malformed
from pipelines.runners.launch import run

pytestmark = pytest.mark.integration
TOTAL = 10_000
VALID = 600  # pages that become articles (extraction, language and dedup are the costly part)
DAY_MS = 86_400_000
WORDS = ("harbour", "council", "ferry", "strike", "bridge", "river", "election", "budget", "school", "hospital",
         "storm", "rail", "minister", "court", "museum", "festival", "market", "farmers", "police", "weather")


def _page(url: str, body: bytes, content_type: str, fetched_at: int) -> dict:
    return {"url": url, "source": "mix", "fetched_at": fetched_at, "published_at": None,
            "content_type": content_type, "charset": None, "headers": {}, "body": body}


def _story_text(rng: Random, i: int) -> bytes:
    sentences = [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(6)]
    return (f"<html><head><title>Report {i}: {sentences[0][:60]}</title></head><body><article>"
            + "".join(f"<p>{s}</p>" for s in sentences) + "</article></body></html>").encode()


def _mix(now: int) -> tuple[list[KafkaMessage], Counter]:
    """The messages in a fixed order, and how many of each class (the expected outcome)."""
    rng = Random(12)
    sample = {"url": "https://news.example/sample", "source": "mix", "fetched_at": now - DAY_MS,
              "published_at": None, "content_type": "text/html", "charset": "utf-8", "headers": {},
              "body": "", "_meta": {"expected_body": "The harbour bridge reopened on Monday after repairs."}}
    decode_kinds = _malformed(rng, sample)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    messages: list[KafkaMessage] = []
    classes: Counter = Counter()
    huge_line = (b"Storm warning for the coast as the river rises past its banks again " * 112_000)[:7_500_000]
    messages.append(page_message(_page("https://news.example/mix/huge", huge_line, "text/plain", now - DAY_MS)))
    classes["article"] += 1
    for i in range(TOTAL - 1):
        kind = i % 10
        stamp = now - DAY_MS + i
        if kind == 0 and classes["article"] < VALID:
            messages.append(page_message(_page(f"https://news.example/mix/{i}", _story_text(rng, i), "text/html",
                                               stamp)))
            classes["article"] += 1
        elif kind == 1 and classes["future"] < 50:  # envelope a day ahead; its Kafka timestamp is now
            future = _page(f"https://news.example/mix/future/{i}", _story_text(rng, i), "text/html", now + DAY_MS)
            messages.append(page_message(future)._replace(timestamp_ms=now))
            classes["article"] += 1
            classes["future"] += 1
        elif kind == 2:
            body, ctype = (png, "image/png") if i % 20 == 2 else (gzip.compress(_story_text(rng, i)), "text/html")
            messages.append(page_message(_page(f"https://news.example/mix/bin/{i}", body, ctype, stamp)))
            classes[("extract", "BinaryBody")] += 1
        else:
            bad = decode_kinds[i % len(decode_kinds)]
            key = bad["key"].encode() if bad["key"] else None
            messages.append(KafkaMessage(key, base64.b64decode(bad["value_b64"]), (), stamp))
            classes["decode"] += 1
    return messages, classes


def test_ten_thousand_malformed_and_valid_messages_are_all_accounted_for(kafka_broker, topics) -> None:
    bootstrap = kafka_broker.bootstrap
    messages, classes = _mix(int(time.time() * 1000))
    assert len(messages) == TOTAL
    assert produce(bootstrap, topics.raw, messages, progress=False) == TOTAL

    started = time.monotonic()
    result = run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=f"g-{topics.prefix}"))
    seconds = time.monotonic() - started
    assert str(result.state).endswith("DONE")
    peak_mb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024

    ledger = read_ledger(bootstrap, topics)
    print(f"\n10,000-message mix: {seconds:.0f} s, peak RSS {peak_mb:.0f} MB; {ledger.describe()}; "
          f"classes {dict(classes)}")
    assert ledger.holds, ledger.describe()
    assert ledger.raw == TOTAL and ledger.redelivered == 0
    assert ledger.articles == classes["article"]
    reasons = dead_letter_reasons(read_all(bootstrap, topics.dlq))
    assert sum(n for (stage, _), n in reasons.items() if stage == "decode") == classes["decode"]
    assert reasons[("extract", "BinaryBody")] == classes[("extract", "BinaryBody")]
    assert ledger.dead_input == classes["decode"] + classes[("extract", "BinaryBody")]
    stamps = [r.timestamp for r in read_all(bootstrap, topics.articles)]
    assert max(stamps) <= int(time.time() * 1000) + 3_600_000, "no article stamped beyond what Kafka accepts"
    assert {codecs.decode("DeadLetter", r.value)["source_topic"] for r in read_all(bootstrap, topics.dlq)} == \
        {topics.raw}
