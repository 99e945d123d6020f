"""The ledger read back from the topics: every raw record became one article or one dead letter of
an input stage (decode, extract, language); every article founds or joins one story, or (too late
to be decided the same way on every replay) leaves as one dead letter of stage `dedup`."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.config import Topics
from pipelines.kafka.topics import count, read_all

DEDUP_STAGE = "dedup"


@dataclass(frozen=True)
class Ledger:
    raw: int
    articles: int
    dead_input: int  # dead letters instead of an article
    dead_dedup: int  # articles that joined no story

    @property
    def holds(self) -> bool:
        return self.raw == self.articles + self.dead_input

    def describe(self) -> str:
        verdict = "holds" if self.holds else "BROKEN"
        return (f"raw {self.raw} = articles {self.articles} + dead letters {self.dead_input}: {verdict}"
                f" ({self.dead_dedup} articles too late for dedup)")


def dead_letter_stage(record) -> str:
    return dict(record.headers or ()).get("__connect.errors.stage", b"").decode() or "unknown"


def read_ledger(bootstrap: str, topics: Topics) -> Ledger:
    stages = [dead_letter_stage(r) for r in read_all(bootstrap, topics.dlq)]
    dedup = sum(1 for s in stages if s == DEDUP_STAGE)
    return Ledger(count(bootstrap, topics.raw), count(bootstrap, topics.articles), len(stages) - dedup, dedup)
