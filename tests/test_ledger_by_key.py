"""The ledger by key: redelivered messages are not a broken ledger, a raw record with no outcome is,
and so is an on-time article that is in no final story."""

from __future__ import annotations

import time

import pytest

from pipelines.config import JobSettings
from pipelines.core import codecs
from pipelines.core.records import KafkaMessage
from pipelines.kafka.ledger import final_stories, read_ledger
from pipelines.kafka.produce import page_message, produce
from pipelines.kafka.topics import read_all
from pipelines.runners.launch import run

pytestmark = pytest.mark.integration


def _again(record) -> KafkaMessage:
    """A consumed record as the same message once more: what a retried bundle writes."""
    return KafkaMessage(record.key, record.value, tuple(record.headers or ()), record.timestamp)


def test_ledger_counts_keys_reports_redeliveries_and_checks_final_stories(kafka_broker, topics) -> None:
    bootstrap = kafka_broker.bootstrap
    now = int(time.time() * 1000)
    pages = [{"url": f"https://news.example/ledger/{i}", "source": "ledger", "fetched_at": now - 600_000 + i,
              "published_at": None, "content_type": "text/plain", "charset": "utf-8", "headers": {},
              "body": f"Item {i}: the bridge on route {i % 2} reopens after repairs.\n".encode() * 6}
             for i in range(5)]
    messages = [page_message(p) for p in pages]
    messages.append(messages[0])  # the same page fetched twice: one article key, both records accounted
    messages.append(KafkaMessage(b"garbage", b"\x00not a page", (), now - 600_000))
    produce(bootstrap, topics.raw, messages, progress=False)
    run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=f"g-{topics.prefix}"))

    ledger = read_ledger(bootstrap, topics)
    assert ledger.holds, ledger.describe()
    assert (ledger.raw, ledger.articles, ledger.dead_input, ledger.redelivered) == (7, 5, 1, 1)

    # A retried bundle writes an article and a dead letter again, under the same keys.
    produce(bootstrap, topics.articles, [_again(read_all(bootstrap, topics.articles)[0])], progress=False)
    produce(bootstrap, topics.dlq, [_again(read_all(bootstrap, topics.dlq)[0])], progress=False)
    ledger = read_ledger(bootstrap, topics)
    assert ledger.holds, f"redelivery is not a broken ledger: {ledger.describe()}"
    assert ledger.redelivered == 3 and (ledger.articles, ledger.dead_input) == (5, 1)

    # A story version that drops a member leaves that on-time article in no final story.
    story = next(s for s in final_stories(bootstrap, topics.stories).values() if s["members"])
    dropped = story["members"][0]["page_id"]
    shrunk = dict(story, version=story["version"] + 1, members=story["members"][1:],
                  member_count=story["member_count"] - 1)
    produce(bootstrap, topics.stories, [KafkaMessage(story["story_id"].encode(), codecs.encode("Story", shrunk), (),
                                                     now)], progress=False)
    ledger = read_ledger(bootstrap, topics)
    assert not ledger.holds and ledger.inputs_hold and ledger.storyless == (dropped,), ledger.describe()
    assert read_ledger(bootstrap, topics, check_stories=False).holds

    # A raw record that nothing came of.
    produce(bootstrap, topics.raw, [page_message(dict(pages[1], url="https://news.example/ledger/unread"))],
            progress=False)
    ledger = read_ledger(bootstrap, topics, check_stories=False)
    assert not ledger.holds and len(ledger.unaccounted) == 1, ledger.describe()
    assert "1 unaccounted raw records" in ledger.describe()
