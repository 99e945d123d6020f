"""Ops tools against the real broker: exact lag, DLQ show/replay with the ledger, status."""

from __future__ import annotations

import argparse
import base64
import json
import time
from pathlib import Path

import pytest

from pipelines.cli.dlq import add_dlq_parser
from pipelines.cli.ops import add_lag_parser, add_status_parser
from pipelines.config import JobSettings, Topics
from pipelines.core import codecs
from pipelines.core.records import KafkaMessage
from pipelines.kafka.ledger import read_ledger
from pipelines.kafka.produce import page_message, produce
from pipelines.kafka.topics import count, read_all
from pipelines.ops import dlq
from pipelines.ops.lag import consumer_lag, summarize
from pipelines.ops.status import status
from pipelines.runners.launch import run

pytestmark = pytest.mark.integration
FIXES = Path(__file__).parent / "data" / "ops" / "fixes.py"
HOUR_MS = 3600 * 1000


def page(i: int, fetched_at: int) -> dict:
    body = (f"<html><head><title>Story {i} about the harbour</title></head><body><article>"
            f"<h1>Story {i} about the harbour</h1>"
            f"<p>The harbour authority said on day {i} that ferries would run on a reduced timetable.</p>"
            f"<p>Officials expect normal service to resume within {i + 2} days after the repairs.</p>"
            "</article></body></html>")
    return {"url": f"https://news.example/{i}", "source": "example", "fetched_at": fetched_at,
            "published_at": None, "content_type": "text/html", "charset": None, "body": body.encode(), "headers": {}}


def good(i: int, fetched_at: int) -> KafkaMessage:
    return page_message(page(i, fetched_at), "json")


def without_fetched_at(i: int, fetched_at: int) -> KafkaMessage:
    """A JSON envelope missing fetched_at: a decode dead letter that tests/data/ops/fixes.py repairs."""
    envelope = json.loads(codecs.raw_page_to_json(page(i, fetched_at)))
    del envelope["fetched_at"]
    return KafkaMessage(f"https://news.example/{i}".encode(), json.dumps(envelope).encode(), (), fetched_at)


def cli(add_parser, argv: list[str], capsys) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    code = args.func(args)
    return code, capsys.readouterr().out


def ledger(bootstrap: str, topics: Topics) -> tuple[int, int, int]:
    book = read_ledger(bootstrap, topics)
    assert book.holds, book.describe()
    return book.raw, book.articles, book.dead_input


def test_lag_is_the_exact_backlog_of_a_stopped_pipeline_and_zero_after_catch_up(kafka_broker, topics, capsys):
    bootstrap, group = kafka_broker.bootstrap, f"lag-{topics.prefix}"
    old = int(time.time() * 1000) - HOUR_MS
    produce(bootstrap, topics.raw, [good(i, old) for i in range(6)], progress=False)
    first = consumer_lag(bootstrap, topics.raw, group)
    assert summarize(first)["lag"] == 6 and all(x.committed is None for x in first)

    run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=group))  # bounded, commits at the end
    assert summarize(consumer_lag(bootstrap, topics.raw, group))["lag"] == 0

    n = 9  # the pipeline is stopped now; new input piles up
    produce(bootstrap, topics.raw, [good(100 + i, old + i) for i in range(n)], progress=False)
    lags = consumer_lag(bootstrap, topics.raw, group)
    assert summarize(lags)["lag"] == n
    assert sum(x.log_end - x.committed for x in lags) == n
    behind = [x for x in lags if x.lag]
    assert behind and all(x.lag_seconds is not None and x.lag_seconds >= 3500 for x in behind)
    assert all(x.lag_seconds == 0.0 for x in lags if not x.lag)

    code, out = cli(add_lag_parser, ["lag", "--bootstrap", bootstrap, "--prefix", topics.prefix,
                                     "--group-id", group, "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["lag"] == n and len(report["partitions"]) == 4
    code, out = cli(add_lag_parser, ["lag", "--bootstrap", bootstrap, "--prefix", topics.prefix,
                                     "--group-id", group], capsys)
    assert f"total lag {n} records" in out

    run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=group))
    after = consumer_lag(bootstrap, topics.raw, group)
    assert summarize(after) == {"lag": 0, "max_lag_seconds": 0.0, "partitions": 4}
    ledger(bootstrap, topics)


def test_dlq_show_and_replay_keep_the_ledger_and_article_keys_unique(kafka_broker, topics, capsys):
    bootstrap, group = kafka_broker.bootstrap, f"dlq-{topics.prefix}"
    base = int(time.time() * 1000) - HOUR_MS
    good_pages = [good(i, base + i) for i in range(5)]
    fixable = [without_fetched_at(50 + i, base + 50 + i) for i in range(3)]
    garbage = [KafkaMessage(b"bin", b"\x1b[2J\x1b]0;owned\x07\x00\xff\xfe binary", (), base)]
    produce(bootstrap, topics.raw, good_pages + fixable + garbage, progress=False)
    run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=group))
    raw, articles, dead = ledger(bootstrap, topics)
    assert (raw, articles, dead) == (9, 5, 4)

    target = ["--bootstrap", bootstrap, "--prefix", topics.prefix]
    code, out = cli(add_dlq_parser, ["dlq", "show", *target], capsys)
    assert code == 0 and out.count("decode/") == 4
    assert "\x1b" not in out and "\x00" not in out and "\x07" not in out  # safe for a terminal
    assert ".[2J.]0;owned." in out
    code, out = cli(add_dlq_parser, ["dlq", "show", *target, "--reason", "fetched_at", "--json"], capsys)
    shown = [json.loads(line) for line in out.splitlines()]
    assert len(shown) == 3 and all(v["error_class"] == "JsonFieldError" for v in shown)
    assert {json.loads(base64.b64decode(v["value_b64"]))["url"] for v in shown} == \
        {f"https://news.example/{50 + i}" for i in range(3)}
    code, out = cli(add_dlq_parser, ["dlq", "show", *target, "--summary", "--json"], capsys)
    assert {(r["error_class"], r["count"]) for r in json.loads(out)} == {("JsonFieldError", 3), ("UnknownEncoding", 1)}

    # a dry run sends nothing
    code, out = cli(add_dlq_parser, ["dlq", "replay", *target, "--fix", f"{FIXES}:add_fetched_at",
                                         "--dry-run", "--json"], capsys)
    assert json.loads(out)["replayed"] == 0 and count(bootstrap, topics.raw) == raw

    code, out = cli(add_dlq_parser, ["dlq", "replay", *target, "--stage", "decode",
                                         "--fix", f"{FIXES}:add_fetched_at", "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["selected"] == 4 and report["replayed"] == 3 and report["skipped_by_fix"] == 1
    replays = [r for r in read_all(bootstrap, topics.raw) if any(k == dlq.REPLAY_OF for k, _ in r.headers)]
    assert len(replays) == 3
    assert all(dict(r.headers)[dlq.REPLAY_FIX].endswith(b":add_fetched_at") for r in replays)
    assert {r.timestamp for r in replays} == {base + 50 + i for i in range(3)}  # original event time kept

    # replaying the same selection again finds the replays on the raw topic and sends nothing
    code, out = cli(add_dlq_parser, ["dlq", "replay", *target, "--fix", f"{FIXES}:add_fetched_at", "--json"],
                    capsys)
    again = json.loads(out)
    assert again["replayed"] == 0 and again["skipped_already_replayed"] == 3

    run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=group))
    raw2, articles2, dead2 = ledger(bootstrap, topics)
    assert (raw2, articles2, dead2) == (12, 8, 4)  # every input accounted for once: 3 more articles
    keys = [r.key for r in read_all(bootstrap, topics.articles)]
    assert len(keys) == len(set(keys)) == 8
    fixed_urls = {codecs.decode("Article", r.value)["url"] for r in read_all(bootstrap, topics.articles)}
    assert {f"https://news.example/{50 + i}" for i in range(3)} <= fixed_urls

    # even a forced duplicate replay cannot create a second article key: ids are deterministic
    report = dlq.replay(bootstrap, topics.dlq, topics.raw, dlq.Filter(reason="fetched_at"),
                        fix=dlq.load_fix(f"{FIXES}:add_fetched_at"), check_replayed=False, show_progress=False)
    assert report.replayed == 3
    run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=group))
    ledger(bootstrap, topics)
    keys = [r.key for r in read_all(bootstrap, topics.articles)]
    assert len(keys) == 11 and len(set(keys)) == 8


def test_status_reports_topics_configs_and_group(kafka_broker, topics, capsys):
    bootstrap = kafka_broker.bootstrap
    report = status(bootstrap, topics, "never-ran")
    assert report["broker"]["status"] == "ok" and report["broker"]["brokers"] == 1
    assert all(row["status"] == "ok" for row in report["topics"])
    assert report["group"]["state"] == "Dead" and report["group"]["lag"] == 0
    assert report["status"] == "ok"

    # a deployment whose stories topic lost compaction, and a missing DLQ topic
    broken = Topics(topics.prefix + "broken.")
    from pipelines.kafka.admin import admin_client, topic_specs

    with admin_client(bootstrap) as admin:
        request = {name: {"num_partitions": spec.partitions, "replication_factor": -1,
                          "configs": {**spec.configs, "cleanup.policy": "delete"} if name == broken.stories
                          else dict(spec.configs)}
                   for name, spec in topic_specs(broken).items() if name != broken.dlq}
        admin.create_topics(request)
        admin.wait_for_topics(list(request), timeout_ms=30000)
    report = status(bootstrap, broken, "g")
    assert report["status"] == "degraded"
    problems = {row["topic"]: row["problem"] for row in report["topics"]}
    assert problems[broken.dlq] == "missing"
    assert "cleanup.policy=delete (want compact)" in problems[broken.stories]
    assert problems[broken.raw] is None
    code, out = cli(add_status_parser, ["status", "--bootstrap", bootstrap, "--prefix", broken.prefix], capsys)
    assert code == 2 and "overall degraded" in out

    code, _ = cli(add_status_parser, ["status", "--bootstrap", "127.0.0.1:1", "--json"], capsys)
    assert code == 1


def test_status_is_degraded_while_records_wait_for_a_group_that_never_committed(kafka_broker, topics, capsys):
    from pipelines.kafka import client

    bootstrap, group = kafka_broker.bootstrap, f"idle-{topics.prefix}"
    produce(bootstrap, topics.raw, [good(i, int(time.time() * 1000)) for i in range(7)], progress=False)
    report = status(bootstrap, topics, group)
    assert report["status"] == "degraded" and report["group"]["status"] == "degraded", report["group"]
    assert report["group"]["lag"] == 7 and "7 records wait" in report["group"]["problem"]
    code, out = cli(add_status_parser, ["status", "--bootstrap", bootstrap, "--prefix", topics.prefix,
                                        "--group-id", group], capsys)
    assert code == 2 and "never committed" in out

    # once the group has committed what it read, the same backlog is progress, not a problem
    with client.consumer_client(bootstrap, group_id=group) as committer:
        ends = {o.partition: o.end for o in client.partition_offsets(committer, topics.raw)}
        client.commit(committer, topics.raw, ends)
    report = status(bootstrap, topics, group)
    assert report["status"] == "ok" and report["group"]["lag"] == 0, report["group"]


def test_dlq_since_and_until_select_by_the_time_of_failure_not_the_records_own_time(kafka_broker, topics, capsys):
    from pipelines.core.dead_letters import dead_letter, to_message
    from pipelines.core.records import KafkaRecord

    bootstrap = kafka_broker.bootstrap
    three_days_ago = int(time.time() * 1000) - 72 * HOUR_MS
    before = int(time.time() * 1000) - 1000
    letters = [dead_letter(KafkaRecord(topics.raw, 0, i, b"k", b"\x00garbage", three_days_ago + i, ()),
                           "decode", "UnknownEncoding", "not Avro, not JSON") for i in range(4)]
    produce(bootstrap, topics.dlq, [to_message(letter, codecs.encode("DeadLetter", letter)) for letter in letters],
            progress=False)
    target = ["--bootstrap", bootstrap, "--prefix", topics.prefix, "--json"]

    # an old page that failed a moment ago is in the last hour's failures
    code, out = cli(add_dlq_parser, ["dlq", "show", *target, "--since", "1h"], capsys)
    shown = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(shown) == 4
    assert all(v["failed_at"].startswith(time.strftime("%Y-%m-%d", time.gmtime(three_days_ago / 1000)))
               for v in shown)
    assert all(parse_iso(v["written_at"]) >= before // 1000 * 1000 for v in shown)
    # and not among the failures of three days ago, when only the page itself was fetched
    code, out = cli(add_dlq_parser, ["dlq", "show", *target, "--until", str(three_days_ago + HOUR_MS)], capsys)
    assert code == 0 and out.strip() == ""

    # --since starts the scan at Kafka's time index: letters written before it are not even read
    time.sleep(1.1)
    later = int(time.time() * 1000)
    produce(bootstrap, topics.dlq, [to_message(letter, codecs.encode("DeadLetter", letter)) for letter in letters[:2]],
            progress=False)
    scanned = list(dlq.iter_dead_letters(bootstrap, topics.dlq, dlq.Filter(since_ms=later), show_progress=False))
    assert len(scanned) == 2 and all(item is not None for item in scanned), scanned


def parse_iso(text: str) -> int:
    return dlq.parse_time(text)
