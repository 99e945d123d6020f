"""Reading whole topics back: for the demo summary, the tests' ledger and on-call inspection."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from pipelines.core import codecs
from pipelines.kafka.client import TopicNotFound, consumer_client, partition_offsets, read_to_end


def read_all(bootstrap: str, topic: str, timeout_s: float = 30.0,
             client_config: Mapping[str, Any] | None = None) -> list[Any]:
    """Every record of `topic` from the earliest offset to the end offsets seen at the start, in
    partition and offset order ([] for a topic that does not exist)."""
    try:
        records = list(read_to_end(bootstrap, topic, client_config, stall_timeout_s=timeout_s))
    except TopicNotFound:
        return []
    return sorted(records, key=lambda r: (r.partition, r.offset))


def count(bootstrap: str, topic: str, client_config: Mapping[str, Any] | None = None) -> int:
    """Records in a topic: sum over partitions of end minus beginning offsets (0 if it does not exist)."""
    with consumer_client(bootstrap, client_config) as kconsumer:
        try:
            return sum(o.end - o.start for o in partition_offsets(kconsumer, topic))
        except TopicNotFound:
            return 0


def dead_letter_reasons(records: list[Any]) -> Counter:
    """(stage, error_class) → count over dead-letter records."""
    tally: Counter = Counter()
    for record in records:
        letter = codecs.decode("DeadLetter", record.value)
        tally[(letter["stage"], letter["error_class"])] += 1
    return tally
