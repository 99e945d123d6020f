"""The sample feed: deterministic, big and varied enough, and honest about what it contains.

The feed is ground truth for the demo and the evals, so these tests check the annotations as much
as the shape: every envelope would decode, every malformed message would not, syndicated copies
really are near-duplicates of their story and different stories really are not.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections import Counter
from datetime import datetime
from itertools import combinations, pairwise
from pathlib import Path
from random import Random
from typing import Any

import fastavro
import pytest

from pipelines.quality.samplefeed import generate as gen

CONTENT_KINDS = ("original", "followup", "syndicated")


@pytest.fixture(scope="module")
def seeds_dir() -> Path:
    """The user's seed pages, kept in the repository (tests/data/seeds)."""
    assert any(gen.DEFAULT_SEEDS_DIR.glob("*.txt")), gen.DEFAULT_SEEDS_DIR
    return gen.DEFAULT_SEEDS_DIR


@pytest.fixture(scope="module")
def feed(seeds_dir: Path) -> list[dict[str, Any]]:
    return gen.generate_feed(seeds_dir=seeds_dir)


def _pages(feed: list[dict[str, Any]], content_type: str = "text/html") -> list[dict[str, Any]]:
    return [r for r in feed if r["_meta"]["kind"] in CONTENT_KINDS
            and r["content_type"] == content_type]


def _value(record: dict[str, Any]) -> bytes:
    """The Kafka value the producer sends for a line (envelope minus ``_meta``, or raw bytes)."""
    if "value_b64" in record:
        return base64.b64decode(record["value_b64"], validate=True)
    return json.dumps({k: v for k, v in record.items() if k != "_meta"}).encode()


def _decode(value: bytes) -> dict[str, Any] | None:
    """A strict reference decoder of DESIGN §1 (Avro single-object or JSON envelope)."""
    if value[:2] == b"\xc3\x01":
        if len(value) < 10 or value[2:10] != gen.rawpage_fingerprint():
            return None
        schema = fastavro.parse_schema(json.loads(gen.RAWPAGE_SCHEMA.read_text()))
        try:
            return fastavro.schemaless_reader(io.BytesIO(value[10:]), schema)
        except Exception:
            return None
    try:
        obj = json.loads(value.decode("utf-8"))
    except ValueError:  # includes UnicodeDecodeError
        return None
    if not isinstance(obj, dict):
        return None
    if not all(isinstance(obj.get(k), str) for k in ("url", "source", "body")):
        return None
    stamp = obj.get("fetched_at")
    return obj if isinstance(stamp, int) and not isinstance(stamp, bool) else None


def _shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i: i + k]) for i in range(len(words) - k + 1)}


def _jaccard(a: str, b: str) -> float:
    x, y = _shingles(a), _shingles(b)
    return len(x & y) / max(1, len(x | y))


def test_same_seed_gives_identical_bytes(tmp_path: Path, seeds_dir: Path) -> None:
    gen.write_feed(tmp_path / "a.jsonl", seeds_dir=seeds_dir)
    gen.write_feed(tmp_path / "b.jsonl", seeds_dir=seeds_dir)
    gen.write_feed(tmp_path / "c.jsonl", seed=8, seeds_dir=seeds_dir)
    a = (tmp_path / "a.jsonl").read_bytes()
    assert a == (tmp_path / "b.jsonl").read_bytes()
    assert a != (tmp_path / "c.jsonl").read_bytes()
    assert [json.loads(line) for line in a.decode().splitlines()] == gen.generate_feed(
        seeds_dir=seeds_dir)


def test_counts(feed: list[dict[str, Any]]) -> None:
    pages = _pages(feed)
    assert len(pages) >= 300
    assert len({p["_meta"]["language"] for p in pages}) >= 6
    assert len({p["_meta"]["site"] for p in pages}) >= 6
    assert all(n >= 10 for n in Counter(p["_meta"]["language"] for p in pages).values())
    bad = [r for r in feed if r["_meta"]["kind"] == "malformed"]
    assert len({r["_meta"]["malformed_kind"] for r in bad}) == len(bad) >= 12
    assert all(r["_meta"]["expected_stage"] == "decode" and r["_meta"]["why"] for r in bad)
    share = sum(p["_meta"]["kind"] == "syndicated" for p in pages) / len(pages)
    assert 0.2 <= share <= 0.3
    assert len(_pages(feed, "text/plain")) >= 3
    assert sum(r["_meta"]["kind"] == "empty" for r in feed) == 1


def test_seed_page_comes_first_verbatim(feed: list[dict[str, Any]], seeds_dir: Path) -> None:
    first = sorted(seeds_dir.glob("*.txt"))[0]
    seed = feed[0]
    assert seed["_meta"]["kind"] == "seed" and seed["content_type"] == "text/plain"
    assert seed["body"] == first.read_text(encoding="utf-8")
    assert seed["source"] == "aggregator-id" and seed["url"].startswith("https://id.")
    assert seed["body"].startswith(seed["_meta"]["expected_body"])
    assert "Berita Terbaru" not in seed["_meta"]["expected_body"]


def test_missing_seeds_dir_warns_and_skips(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="seeds dir"):
        records = gen.generate_feed(seeds_dir=tmp_path / "absent")
    assert all(r["_meta"]["kind"] != "seed" for r in records)


def test_envelope_fields_have_the_right_types(feed: list[dict[str, Any]]) -> None:
    for rec in feed:
        if "value_b64" in rec:
            assert set(rec) == {"key", "value_b64", "timestamp_ms", "_meta"}
            assert rec["key"] is None or isinstance(rec["key"], str)
            continue
        assert isinstance(rec["url"], str) and rec["url"].startswith("https://")
        assert isinstance(rec["source"], str) and rec["source"]
        assert isinstance(rec["fetched_at"], int) and not isinstance(rec["fetched_at"], bool)
        assert rec["published_at"] is None or isinstance(rec["published_at"], int)
        assert rec["content_type"] in ("text/html", "text/plain")
        assert rec["charset"] is None or isinstance(rec["charset"], str)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in rec["headers"].items())
        assert isinstance(rec["body"], str)
        assert _decode(_value(rec)) is not None, rec["url"]


def test_malformed_messages_are_undecodable(feed: list[dict[str, Any]]) -> None:
    bad = [r for r in feed if r["_meta"]["kind"] == "malformed"]
    for rec in bad:
        assert _decode(_value(rec)) is None, rec["_meta"]["malformed_kind"]
    kinds = {r["_meta"]["malformed_kind"] for r in bad}
    assert {"binary_garbage", "empty_value", "avro_header_truncated", "avro_unknown_fingerprint",
            "json_missing_url", "json_invalid_utf8", "json_truncated"} <= kinds
    assert all(_value(r) != _value(s) for r, s in combinations(bad, 2))


def test_fingerprint_matches_fastavro() -> None:
    from fastavro.schema import fingerprint, to_parsing_canonical_form

    schema = fastavro.parse_schema(json.loads(gen.RAWPAGE_SCHEMA.read_text()))
    pcf = to_parsing_canonical_form(schema)
    assert gen.canonical_form(json.loads(gen.RAWPAGE_SCHEMA.read_text())) == pcf
    assert gen.rawpage_fingerprint() == bytes.fromhex(fingerprint(pcf, "CRC-64-AVRO"))


def test_syndicated_copies_share_the_story_but_not_the_text(feed: list[dict[str, Any]]) -> None:
    pages = _pages(feed) + _pages(feed, "text/plain")
    firsts = {p["_meta"]["story"]: p for p in pages if p["_meta"]["kind"] != "syndicated"}
    copies = [p for p in pages if p["_meta"]["kind"] == "syndicated"]
    assert copies
    for copy in copies:
        meta = copy["_meta"]
        orig = firsts[meta["story"]]
        assert meta["original_url"] == orig["_meta"]["canonical_url"]
        assert meta["event"] == orig["_meta"]["event"]
        assert meta["language"] == orig["_meta"]["language"]
        assert meta["expected_body"] != orig["_meta"]["expected_body"]
        assert meta["site"] != orig["_meta"]["site"]
        assert abs(copy["fetched_at"] - orig["fetched_at"]) < 8 * gen.HOUR
    early = sum(c["fetched_at"] < firsts[c["_meta"]["story"]]["fetched_at"] for c in copies)
    assert 0 < early < 0.2 * len(copies)  # a few copies are crawled before their original
    edits = Counter(e for c in copies for e in c["_meta"]["edits"])
    assert {"dateline", "quotes", "teaser", "copyright", "wording"} <= set(edits)


def test_near_duplicates_are_separable_from_other_stories(feed: list[dict[str, Any]]) -> None:
    """Copies stay closer to their story than any two different events of one language are."""
    pages = _pages(feed)
    firsts = {p["_meta"]["story"]: p for p in pages if p["_meta"]["kind"] != "syndicated"}
    dup = min(_jaccard(p["_meta"]["expected_body"],
                       firsts[p["_meta"]["story"]]["_meta"]["expected_body"])
              for p in pages if p["_meta"]["kind"] == "syndicated"
              and "teaser" not in p["_meta"]["edits"])
    other = max(_jaccard(a["_meta"]["expected_body"], b["_meta"]["expected_body"])
                for a, b in combinations(firsts.values(), 2)
                if a["_meta"]["language"] == b["_meta"]["language"]
                and a["_meta"]["event"] != b["_meta"]["event"])
    assert other < dup, (other, dup)


def test_followups_share_the_event_not_the_story(feed: list[dict[str, Any]]) -> None:
    pages = _pages(feed)
    follow = [p for p in pages if p["_meta"]["kind"] == "followup"]
    assert len(follow) >= 10
    originals = {p["_meta"]["event"]: p for p in pages if p["_meta"]["kind"] == "original"}
    for p in follow:
        base = originals[p["_meta"]["event"]]
        assert base["_meta"]["story"] != p["_meta"]["story"]
        if base["_meta"]["language"] == p["_meta"]["language"]:
            assert _jaccard(base["_meta"]["expected_body"], p["_meta"]["expected_body"]) < 0.3


def test_pages_hold_their_expected_text_and_related_block(feed: list[dict[str, Any]]) -> None:
    pages = _pages(feed)
    by_url = {p["_meta"]["canonical_url"]: p for p in pages}
    for p in pages:
        meta, text = p["_meta"], html.unescape(p["body"])
        assert meta["expected_title"] in text
        assert all(para in text for para in meta["expected_body"].split("\n"))
        assert 3 <= len(meta["related"]) <= 5
        for item in meta["related"]:
            target = by_url[item["url"]]
            assert target["_meta"]["story"] == item["story"] != meta["story"]
            assert item["url"].split(meta["site"])[-1] in text


def test_chrome_varies_like_real_sites(feed: list[dict[str, Any]]) -> None:
    pages = _pages(feed)
    langs = {(p["_meta"]["language"], re.search(r'<html(?: lang="([^"]+)")?', p["body"],
                                                 re.I).group(1)) for p in pages}
    assert ("en", "id") in langs and ("de", "en") in langs and ("it", None) in langs
    canon = Counter("utm_" in c if c else c for p in pages
                    for c in [next(iter(re.findall(r'rel="canonical" href="([^"]*)"', p["body"])),
                                   "")])
    assert canon[True] and canon[False] and canon[""]
    assert any('href="/' in p["body"] and 'rel="canonical" href="/' in p["body"] for p in pages)
    assert any("?utm_" in p["url"] or "?at_medium" in p["url"] for p in pages)
    assert sum("article:published_time" in p["body"] for p in pages) > 50
    assert any(p["published_at"] is None for p in pages)


def test_aggregator_text_pages_look_like_the_seed(feed: list[dict[str, Any]]) -> None:
    agg = [p for p in _pages(feed, "text/plain") if p["_meta"]["kind"] == "syndicated"]
    assert {p["_meta"]["chrome_language"] for p in agg} >= {"id", "de"}
    for p in agg:
        lines = p["body"].split("\n")
        more = gen.AGGREGATORS[p["_meta"]["chrome_language"]][2]
        assert lines.count(more) == 4 and lines[-1] == more
        assert p["body"].startswith(p["_meta"]["expected_body"] + "\n")
        assert len(p["_meta"]["similar"]) == 4


def test_fetch_times_span_three_days_mostly_in_order(feed: list[dict[str, Any]]) -> None:
    times = [r["fetched_at"] for r in feed if "fetched_at" in r]
    assert min(times) == gen.default_start_ms()
    assert 2.5 * 24 * gen.HOUR < max(times) - min(times) < 4 * 24 * gen.HOUR
    back = sum(b < a for a, b in pairwise(times))
    assert 0.01 < back / len(times) < 0.2


def test_empty_page_is_valid_but_textless(feed: list[dict[str, Any]]) -> None:
    empty = next(r for r in feed if r["_meta"]["kind"] == "empty")
    assert empty["_meta"]["expected_body"] == "" and _decode(_value(empty)) is not None
    assert "<p>" not in empty["body"].split("<main>")[1].split("</main>")[0]


def test_huge_flag_adds_an_oversize_page(seeds_dir: Path) -> None:
    records = gen.generate_feed(seeds_dir=seeds_dir, huge=True)
    big = [r for r in records if r["_meta"]["kind"] == "oversize"]
    assert len(big) == 1 and len(big[0]["body"].encode()) > 10 * 2**20
    assert big[0]["_meta"]["expected_stage"] == "decode"


def test_cli_prints_counts(tmp_path: Path, seeds_dir: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "feed.jsonl"
    assert gen.main([str(out), "--pages", "300", "--seed", "3", "--seeds-dir", str(seeds_dir)]) == 0
    printed = capsys.readouterr().out
    assert "malformed (" in printed and "languages:" in printed and "sites:" in printed
    assert len(out.read_text(encoding="utf-8").splitlines()) == gen.summarize(
        gen.generate_feed(3, 300, seeds_dir))["lines"]


def _events_near(stories: list[gen.Story], window_ms: int) -> float:
    """Mean number of other events of the same language and topic published within `window_ms`."""
    times: dict[tuple[str, str], list[int]] = {}
    for s in stories:
        if s.kind == "original":
            times.setdefault((s.lang, s.topic), []).append(s.published)
    near = [sum(abs(t - u) <= window_ms for u in ts) - 1 for ts in times.values() for t in ts]
    return sum(near) / len(near)


def _place_repeats(stories: list[gen.Story]) -> float:
    """Share of events set in a city that had an event of the same language and topic less than
    `PLACE_GAP_MS` before."""
    times: dict[tuple[str, str, str], list[int]] = {}
    originals = [s for s in stories if s.kind == "original"]
    for s in originals:
        times.setdefault((s.lang, s.topic, s.facts["city"]), []).append(s.published)
    repeats = sum(b - a < gen.PLACE_GAP_MS for ts in times.values() for a, b in pairwise(sorted(ts)))
    return repeats / len(originals)


def test_spread_feed_holds_events_per_horizon_whatever_its_size() -> None:
    """At a fixed `pages_per_day` a feed four times bigger is four times longer, so a story horizon
    holds as many events of one language and topic (what dedup compares a page with); at the default
    span it holds four times more, and events repeat their city and templates."""
    horizon = 48 * gen.HOUR
    spread = {n: gen._plan(Random(3), n, 0, gen.crawl_span_ms(n, 100.0))[0] for n in (1000, 4000)}
    dense = {n: gen._plan(Random(3), n, 0, gen.CRAWL_SPAN_MS)[0] for n in (1000, 4000)}
    assert gen.crawl_span_ms(4000, 100.0) == 40 * gen.DAY
    small, big = _events_near(spread[1000], horizon), _events_near(spread[4000], horizon)
    assert 0.85 < big / small < 1.15, (small, big)
    assert _events_near(dense[4000], horizon) > 3 * _events_near(dense[1000], horizon)
    assert _place_repeats(spread[4000]) < 0.1 < _place_repeats(dense[4000])


def test_spread_feed_lies_in_the_past_and_lists_recent_related_news(seeds_dir: Path) -> None:
    now = gen.default_start_ms() + 5 * gen.DAY
    records = gen.generate_feed(seed=4, n_pages=600, seeds_dir=seeds_dir, pages_per_day=50.0)
    times = [r["fetched_at"] for r in records if "fetched_at" in r]
    assert min(times) == gen.default_start_ms(span_ms=12 * gen.DAY) < gen.default_start_ms()
    assert max(times) < now and max(times) - min(times) > 11 * gen.DAY
    published = {r["_meta"]["canonical_url"]: r["_meta"]["published_at"] for r in _pages(records)}
    gaps = [abs(_ms(published[item["url"]]) - _ms(r["_meta"]["published_at"]))
            for r in _pages(records) for item in r["_meta"]["related"]]
    assert gaps and max(gaps) <= gen.SPREAD_RELATED_WINDOW_MS


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)
