"""No record halts the pipeline: pages that the broker would refuse as articles (stamped in the
future, too large once extracted) are made writable, and binary bodies are dead letters."""

from __future__ import annotations

import gzip

import pytest

from pipelines.config import MAX_FUTURE_TIMESTAMP_MS, MAX_MESSAGE_BYTES, JobSettings
from pipelines.core import codecs
from pipelines.core.content import binary_body_reason
from pipelines.core.limits import fit_record, writable_timestamp
from pipelines.core.records import KafkaMessage
from pipelines.kafka.ledger import read_ledger
from pipelines.kafka.produce import page_message, produce
from pipelines.kafka.topics import read_all
from pipelines.runners.launch import counters, run

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
HTML = b"<html><head><title>A page</title></head><body><p>Words of a page.</p></body></html>"
HOUR_MS, DAY_MS = 3_600_000, 86_400_000


@pytest.mark.parametrize(
    ("body", "content_type", "word"),
    [
        (PNG, "image/png", "image/png"),
        (PNG, "text/html", "png"),
        (gzip.compress(HTML), "text/html; charset=utf-8", "gzip"),
        (b"\x00\x01\x02 not text at all", "text/plain", "NUL"),
        (b"%PDF-1.7 ...", None, "pdf"),
        (HTML, "application/octet-stream", "octet-stream"),
    ],
)
def test_binary_bodies_are_named(body: bytes, content_type: str | None, word: str) -> None:
    reason = binary_body_reason(body, content_type)
    assert reason is not None and word in reason


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (HTML, "text/html"),
        (HTML, None),
        ("<html><body>ünïcödé</body></html>".encode("utf-16"), "text/html"),  # BOM, then NUL bytes
        (b"Plain text pasted by an aggregator.", "text/plain; charset=utf-8"),
        (b"", "text/html"),
    ],
)
def test_text_bodies_pass(body: bytes, content_type: str | None) -> None:
    assert binary_body_reason(body, content_type) is None


def _size(record: dict) -> int:
    return len(codecs.to_json(record))


def test_a_record_that_fits_is_left_alone() -> None:
    record = {"body": "a\nb", "blocks": [{"text": "a", "kind": "article"}]}
    assert fit_record(record, 10_000, _size) is record


def test_an_oversize_article_first_loses_the_block_texts_that_repeat_its_body() -> None:
    body = "\n".join(f"Paragraph {i} " + "word " * 200 for i in range(40))
    blocks = [{"text": p, "kind": "article", "language": "en"} for p in body.split("\n")]
    blocks.append({"text": "Menu Home Sports", "kind": "boilerplate", "language": "en"})
    article = {"body": body, "blocks": blocks}
    limit = _size({"body": body, "blocks": [{**b, "text": ""} for b in blocks[:-1]] + blocks[-1:]})
    fitted = fit_record(article, limit, _size)
    assert fitted["body"] == body, "the body is kept whole when dropping the repeats is enough"
    assert [b["text"] for b in fitted["blocks"]] == [""] * 40 + ["Menu Home Sports"]
    assert [b["kind"] for b in fitted["blocks"]] == [b["kind"] for b in blocks]
    assert article["blocks"][0]["text"], "the input record is not modified"
    assert fit_record(article, limit, _size) == fitted, "deterministic"


def test_a_body_too_large_on_its_own_is_cut_at_a_paragraph_break() -> None:
    body = "\n".join(f"Paragraph {i} " + "word " * 200 for i in range(400))
    fitted = fit_record({"body": body, "blocks": []}, 200_000, _size)
    assert _size(fitted) <= 200_000
    assert body.startswith(fitted["body"]) and body[len(fitted["body"])] == "\n"


def test_timestamps_ahead_of_the_broker_are_clamped_and_others_kept() -> None:
    now = 1_800_000_000_000
    assert writable_timestamp(now + DAY_MS, now, MAX_FUTURE_TIMESTAMP_MS) == now + MAX_FUTURE_TIMESTAMP_MS
    assert writable_timestamp(now - 30 * DAY_MS, now, MAX_FUTURE_TIMESTAMP_MS) == now - 30 * DAY_MS
    assert writable_timestamp(now + 60_000, now, MAX_FUTURE_TIMESTAMP_MS) == now + 60_000
    assert writable_timestamp(None, now, MAX_FUTURE_TIMESTAMP_MS) is None
    assert MAX_FUTURE_TIMESTAMP_MS < HOUR_MS, "Kafka refuses more than an hour ahead"


def _page(url: str, body: bytes, content_type: str, fetched_at: int) -> dict:
    return {"url": url, "source": "pills", "fetched_at": fetched_at, "published_at": None,
            "content_type": content_type, "charset": None, "headers": {}, "body": body}


@pytest.mark.integration
def test_poison_pills_among_valid_pages_end_in_articles_or_dead_letters(kafka_broker, topics) -> None:
    """A page stamped a day ahead, a 7.5 MB one-line page and two binary bodies among valid pages:
    the bounded run ends DONE, every record is one article or one dead letter."""
    bootstrap = kafka_broker.bootstrap
    import time

    now = int(time.time() * 1000)
    story = (b"<html><head><title>Harbour bridge reopens after repairs</title></head><body><article>"
             + b"<p>The harbour bridge reopened on Monday after six weeks of repairs to its deck.</p>" * 5
             + b"</article></body></html>")
    huge_line = (b"Storm warning for the coast as the river rises past its banks again " * 112_000)[:7_500_000]
    pages = [
        _page(f"https://news.example/valid/{i}", story.replace(b"Monday", f"day {i}".encode()), "text/html",
              now - HOUR_MS + i)
        for i in range(4)
    ]
    future = _page("https://news.example/future", story, "text/html", now + DAY_MS)
    huge = _page("https://news.example/huge", huge_line, "text/plain", now - HOUR_MS)
    png = _page("https://news.example/logo.png", PNG, "image/png", now - HOUR_MS)
    gz = _page("https://news.example/gz", gzip.compress(story), "text/html", now - HOUR_MS)
    messages = [page_message(p) for p in [*pages, huge, png, gz]]
    # The future page's Kafka timestamp is "now" (the broker accepted it); its envelope says tomorrow.
    messages.append(page_message(future)._replace(timestamp_ms=now))
    messages.append(KafkaMessage(b"not-avro", b"\x00garbage", (), now - HOUR_MS))
    assert produce(bootstrap, topics.raw, messages, progress=False) == len(messages)

    result = run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=f"g-{topics.prefix}"))
    assert str(result.state).endswith("DONE")
    ledger = read_ledger(bootstrap, topics)
    assert ledger.holds, ledger.describe()
    assert (ledger.raw, ledger.articles, ledger.dead_input) == (len(messages), 6, 3)
    letters = [codecs.decode("DeadLetter", r.value) for r in read_all(bootstrap, topics.dlq)]
    assert sorted(letter["error_class"] for letter in letters if letter["stage"] == "extract") == \
        ["BinaryBody", "BinaryBody"]
    articles = {r.key: r for r in read_all(bootstrap, topics.articles)}
    by_url = {codecs.decode("Article", r.value)["url"]: r for r in articles.values()}
    assert by_url["https://news.example/future"].timestamp <= now + HOUR_MS
    huge_value = by_url["https://news.example/huge"].value
    assert len(huge_value) <= MAX_MESSAGE_BYTES
    assert len(codecs.decode("Article", huge_value)["body"]) > 1_000_000, "the text is kept once, not dropped"
    assert counters(result)["articles_written"] == 6
