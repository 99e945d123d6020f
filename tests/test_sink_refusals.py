"""A record the broker refuses for good does not fail its bundle forever: it becomes one `write`
dead letter, named by the raw record it was made of, and the run ends DONE with the ledger whole."""

from __future__ import annotations

import random
import time

import pytest
from kafka.admin import ConfigResource, ConfigResourceType

from pipelines.config import JobSettings
from pipelines.core import codecs
from pipelines.core.dead_letters import dead_letter_key, write_dead_letter
from pipelines.core.records import KafkaMessage, SourceRecord
from pipelines.kafka import client
from pipelines.kafka.ledger import read_ledger
from pipelines.kafka.produce import page_message, produce
from pipelines.kafka.topics import read_all
from pipelines.runners.launch import counters, run

ARTICLE_LIMIT_BYTES = 30_000  # the articles topic's max.message.bytes in this test


def _page(url: str, body: bytes, fetched_at: int) -> dict:
    return {"url": url, "source": "refusals", "fetched_at": fetched_at, "published_at": None,
            "content_type": "text/plain", "charset": "utf-8", "headers": {}, "body": body}


def _incompressible_text(seed: int, words: int) -> bytes:
    """Prose-like text of random letters: lz4 cannot bring it under the topic's limit."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    sentence = []
    for i in range(words):
        sentence.append("".join(rng.choice(letters) for _ in range(rng.randint(3, 9))))
        if i % 12 == 11:
            sentence[-1] += ".\n"
    return " ".join(sentence).encode()


def test_letters_of_refused_outputs_are_keyed_by_their_input() -> None:
    article = KafkaMessage(b"page-1", b"x" * 50, (), 1_700_000_000_000, SourceRecord("raw", 2, 41))
    letter = write_dead_letter(article, "news.articles.v1", "MessageSizeTooLargeError", "too large")
    assert (letter["stage"], letter["source_topic"], letter["source_partition"], letter["source_offset"]) == \
        ("write", "raw", 2, 41)
    assert dead_letter_key(letter) == b"raw/2/41", "the same key as any other dead letter of that raw record"
    assert letter["original_size"] == 50 and letter["original_value"] == b""
    story = write_dead_letter(KafkaMessage(b"story-9", b"y", (), None), "news.stories.v1", "E", "r")
    assert dead_letter_key(story) == b"news.stories.v1/key/story-9"


@pytest.mark.integration
def test_an_article_the_topic_refuses_becomes_a_write_dead_letter(kafka_broker, topics) -> None:
    bootstrap = kafka_broker.bootstrap
    with client.admin_client(bootstrap) as admin:
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topics.articles,
                                            configs={"max.message.bytes": str(ARTICLE_LIMIT_BYTES)})])
    now = int(time.time() * 1000)
    valid = [_page(f"https://news.example/ok/{i}", f"Council meets on day {i} about the harbour.\n".encode() * 20,
                   now - 60_000 + i) for i in range(6)]
    too_big = _page("https://news.example/too-big", _incompressible_text(7, 12_000), now - 30_000)
    messages = [page_message(p) for p in valid[:3] + [too_big] + valid[3:]]
    assert produce(bootstrap, topics.raw, messages, progress=False) == len(messages)

    started = time.monotonic()
    result = run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=f"g-{topics.prefix}"))
    assert str(result.state).endswith("DONE")
    assert time.monotonic() - started < 120

    ledger = read_ledger(bootstrap, topics)
    assert ledger.holds, ledger.describe()
    assert (ledger.raw, ledger.articles, ledger.dead_input) == (7, 6, 1)
    [record] = read_all(bootstrap, topics.dlq)
    letter = codecs.decode("DeadLetter", record.value)
    assert letter["stage"] == "write" and letter["error_class"] == "MessageSizeTooLargeError"
    assert topics.articles in letter["reason"]
    [raw] = [r for r in read_all(bootstrap, topics.raw) if r.key == too_big["url"].encode()]
    assert (letter["source_topic"], letter["source_partition"], letter["source_offset"]) == \
        (topics.raw, raw.partition, raw.offset)
    assert record.key == f"{topics.raw}/{raw.partition}/{raw.offset}".encode()
    assert letter["original_size"] > ARTICLE_LIMIT_BYTES
    urls = {codecs.decode("Article", r.value)["url"] for r in read_all(bootstrap, topics.articles)}
    assert urls == {p["url"] for p in valid}
    job = counters(result)
    assert job["articles_written"] == 6 and job["dead_letters_write"] == 1
