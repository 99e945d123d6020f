import base64
import io
import os

import orjson
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.core import codecs
from pipelines.kafka.produce import messages_from_paths


def test_jsonl_envelopes_and_verbatim_values(tmp_path):
    feed = tmp_path / "feed.jsonl"
    lines = [
        {"url": "https://a.example/1", "source": "a", "fetched_at": 1000, "body": "<p>x</p>", "_meta": {"k": 1}},
        {"key": "bad", "value_b64": base64.b64encode(b"\x00junk").decode()},
    ]
    feed.write_bytes(b"\n".join(orjson.dumps(x) for x in lines) + b"\n")
    avro, raw = list(messages_from_paths([str(feed)]))
    assert avro.key == b"https://a.example/1" and avro.timestamp_ms == 1000
    assert codecs.decode_raw_page(avro.value)["body"] == b"<p>x</p>"
    assert raw.key == b"bad" and raw.value == b"\x00junk"
    (json_msg, _) = list(messages_from_paths([str(feed)], encoding="json"))
    assert json_msg.value.startswith(b"{") and codecs.decode_raw_page(json_msg.value)["url"] == "https://a.example/1"


def test_html_directory(tmp_path):
    (tmp_path / "site" / "sub").mkdir(parents=True)
    (tmp_path / "site" / "b.html").write_text("<html><p>b</p></html>")
    (tmp_path / "site" / "sub" / "a.htm").write_text("<html><p>a</p></html>")
    (tmp_path / "site" / "notes.txt").write_text("ignored")
    os.utime(tmp_path / "site" / "b.html", (1_700_000_000, 1_700_000_000))
    messages = list(messages_from_paths([str(tmp_path / "site")], url_base="https://s.example"))
    urls = [codecs.decode_raw_page(m.value)["url"] for m in messages]
    assert urls == ["https://s.example/b.html", "https://s.example/sub/a.htm"]
    assert messages[0].timestamp_ms == 1_700_000_000_000
    assert codecs.decode_raw_page(messages[0].value)["source"] == "site"


def test_warc_responses_only(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "https://w.example/story", "response", payload=io.BytesIO("<p>héllo</p>".encode()), http_headers=http,
            warc_headers_dict={"WARC-Date": "2026-11-20T10:00:00Z"}))
        writer.write_record(writer.create_warc_record(
            "https://w.example/story", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
    messages = list(messages_from_paths([str(path)]))
    assert len(messages) == 1
    page = codecs.decode_raw_page(messages[0].value)
    assert page["url"] == "https://w.example/story"
    assert page["content_type"] == "text/html"
    assert page["body"] == "<p>héllo</p>".encode()
    assert page["fetched_at"] == 1_795_168_800_000


def test_keyless_messages_land_in_the_same_partitions_on_every_replay(kafka_broker):
    """Where a record lands decides what it trails in its partition (the late mark), so the same
    file produced twice must put every record, keyed or not, in the same partition."""
    import time

    from pipelines.config import Topics
    from pipelines.core.records import KafkaMessage
    from pipelines.kafka.admin import create_topics
    from pipelines.kafka.produce import produce
    from pipelines.kafka.topics import read_all

    messages = [KafkaMessage(None, f"garbage {i}".encode(), (), 1_000 + i) for i in range(24)]
    messages += [KafkaMessage(f"k{i}".encode(), b"page", (), 2_000 + i) for i in range(8)]
    placements = []
    for run in ("a", "b"):
        topics = Topics(prefix=f"keyless{int(time.time())}{run}.")
        create_topics(kafka_broker.bootstrap, topics)
        produce(kafka_broker.bootstrap, topics.raw, messages, progress=False)
        records = read_all(kafka_broker.bootstrap, topics.raw)
        placements.append({(r.key, r.value): (r.partition, r.offset) for r in records})
    assert len(placements[0]) == len(messages)
    assert placements[0] == placements[1]
    assert len({p for p, _ in placements[0].values()}) > 1, "keyless messages still spread over the partitions"
