"""The story rule: seed acceptance, order independence, one-hop founders and explicit merges."""

from __future__ import annotations

import random
from pathlib import Path

from pipelines.core.dedup.stories import HORIZON_MS, cluster, story_key

T0 = 1_671_400_000_000
HOUR = 3600 * 1000
SEED_BODY = (Path(__file__).parent / "data" / "dedup" / "seed_000_body.txt").read_text(encoding="utf-8")
# The "Similar News" block of tests/data/seeds/000_f4b3b7efe7834f89.txt, split by hand into title + teaser.
SEED_ITEMS = [
    ("Ukraine shoots down 30 Iranian-made drones in brutal Kyiv assault\u2014military",
     "The escalation came as Russian President Vladimir Putin paid a rare state visit to ally Belarus."),
    ("Putin heads for Belarus as Russian drones target Ukrainian capital",
     "Russian President Putin heads for Belarus, fueling Ukrainian fears he intends to pressure his ally to join a "
     "new offensive, as Russian drones attack Kyiv in the latest assault targeting key infrastructure, Ukrainian "
     "officials say."),
    ("Russian \u2018kamikaze\u2019 drones hit Kyiv as Putin arrives in Belarus",
     "Moscow launched a \u201ckamikaze\u201d drone attack on Monday, hitting key infrastructure in and around Kyiv."),
    ("Russian 'kamikaze' drones hit Kyiv as Putin heads for Belarus",
     "Russian President Vladimir Putin heads for Belarus, fueling Ukrainian fears he intends to pressure his ally to "
     "join a new offensive, as Russian drones attacked Kyiv in the latest assault targeting key infrastructure, "
     "Ukrainian officials said"),
]


def seed_docs() -> list[dict]:
    page = {"page_id": "seed", "published_at": T0, "fetched_at": T0, "url": "https://seed.example/putin-belarus",
            "source": "seed", "title": "", "lead": "", "body": SEED_BODY,
            "related": [{"title": t, "url": None, "snippet": s} for t, s in SEED_ITEMS]}
    items = [{"page_id": f"item{i + 1}", "published_at": T0, "fetched_at": T0 + i, "source": f"site{i + 1}",
              "url": f"https://site{i + 1}.example/story", "title": t, "lead": s, "body": ""}
             for i, (t, s) in enumerate(SEED_ITEMS)]
    return [page, *items]


def test_seed_acceptance() -> None:
    """Items 3 and 4 are one story; item 2 (same teaser as 4 under another headline) is a separate
    story linked `related` to it; item 1 is its own story, linked from the seed's as similar_news."""
    result = cluster(seed_docs())
    s = result.story_of
    assert s["item3"] == s["item4"]
    assert s["item2"] != s["item3"]
    assert any(lk["type"] == "related" and {lk["from_story"], lk["to_story"]} == {s["item2"], s["item3"]}
               for lk in result.links)
    assert len({s["item1"], s["item3"], s["seed"]}) == 3
    similar = {lk["to_story"] for lk in result.links if lk["type"] == "similar_news" and lk["from_story"] == s["seed"]}
    assert similar == {s["item1"], s["item2"], s["item3"]}
    story = next(st for st in result.stories if st["story_id"] == s["item3"])
    assert story["member_count"] == 2 and {m["page_id"] for m in story["members"]} == {"item3", "item4"}


def test_any_input_order_gives_identical_results() -> None:
    docs = seed_docs() + chain_docs()
    expected = cluster(docs)
    for seed in range(5):
        shuffled = docs[:]
        random.Random(seed).shuffle(shuffled)
        got = cluster(shuffled)
        assert (got.story_of, got.stories, got.links) == (expected.story_of, expected.stories, expected.links)


def chain_docs() -> list[dict]:
    """A ~ B and B ~ C are duplicates (headline Jaccard 0.82), A and C are not (0.67)."""
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo",
             "lima"]
    titles = [words[0:10], words[1:11], [w for w in words[1:12] if w != "bravo"]]
    return [{"page_id": f"chain{k}", "published_at": T0 + k * HOUR, "url": f"https://c.example/{k}",
             "title": " ".join(t), "lead": "", "body": ""} for k, t in enumerate(titles)]


def test_one_hop_founder_and_explicit_merge() -> None:
    result = cluster(chain_docs())
    a, b = story_key("chain0"), story_key("chain1")
    assert result.founder_of == {"chain0": "chain0", "chain1": "chain0", "chain2": "chain1"}
    assert result.story_of == {"chain0": a, "chain1": a, "chain2": b}
    record = {st["story_id"]: st for st in result.stories}
    assert record[b]["merged_into"] == a and record[a]["merged_into"] is None
    assert any(lk["type"] == "merged_into" and lk["from_story"] == b and lk["to_story"] == a for lk in result.links)
    assert result.root(b) == a
    dup = [lk for lk in result.links if lk["type"] == "duplicate_of"]
    assert {(lk["from_story"], lk["to_story"]) for lk in dup} == {(story_key("chain1"), a), (story_key("chain2"), b)}


def test_horizon_splits_stories() -> None:
    late = chain_docs()[:2]
    late[1] = {**late[1], "published_at": T0 + HORIZON_MS + 1}
    result = cluster(late)
    assert result.story_of["chain0"] != result.story_of["chain1"]
    assert cluster(late, horizon_ms=HORIZON_MS * 2).story_of["chain1"] == story_key("chain0")


def test_canonical_record_policy_and_repeated_page() -> None:
    body = SEED_BODY
    docs = [
        {"page_id": "late", "published_at": T0 + HOUR, "fetched_at": T0 + HOUR, "url": "https://a.example/1",
         "source": "a", "language": "en", "title": "T", "lead": "", "body": body},
        {"page_id": "short", "published_at": T0, "fetched_at": T0 + 5, "url": "https://z.example/1", "source": "z",
         "language": "en", "title": "T", "lead": "", "body": body[: int(len(body) * 0.9)]},
        {"page_id": "long", "published_at": T0, "fetched_at": T0 + 7, "url": "https://y.example/1", "source": "y",
         "language": "en-GB", "title": "T", "lead": "", "body": body + "\nExtra closing line of the article."},
    ]
    result = cluster(docs + [dict(docs[0])])             # the same page twice counts once
    (story,) = result.stories
    assert story["canonical_url"] == "https://y.example/1"   # earliest published, then most complete body
    assert story["member_count"] == story["version"] == 3
    assert story["sources"] == ["a", "y", "z"] and story["languages"] == ["en", "en-GB"]
    assert story["first_seen"] == T0 + 5 and story["last_updated"] == T0 + HOUR
    assert story["story_id"] == story_key("long")            # page_id breaks the published_at tie
