"""The feed of the restart tests, in two halves: the first is read before the crash, the second
after the restart. What makes such a test able to fail is checked here once: some story of the
reference run has pages in both halves, so a restart that lost the dedup state would show."""

from __future__ import annotations

import contextlib
import time

from pipelines.config import Topics
from pipelines.core import codecs
from pipelines.core.records import KafkaMessage
from pipelines.kafka.ledger import final_stories
from pipelines.kafka.topics import read_all


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
