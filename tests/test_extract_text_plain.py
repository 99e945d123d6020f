# ruff: noqa: E501
"""text/plain aggregator pages: the user's seed is the acceptance test."""

from __future__ import annotations

from pathlib import Path

from pipelines.core.extract import extract_article
from pipelines.core.extract.text_plain import extract_text, split_glued

SEED = Path(__file__).parent / "data" / "seeds" / "000_f4b3b7efe7834f89.txt"
HEADLINES = [
    "Ukraine shoots down 30 Iranian-made drones in brutal Kyiv assault—military",
    "Putin heads for Belarus as Russian drones target Ukrainian capital",
    "Russian ‘kamikaze’ drones hit Kyiv as Putin arrives in Belarus",
    "Russian 'kamikaze' drones hit Kyiv as Putin heads for Belarus",
]
TEASERS = [
    "The escalation came as Russian President Vladimir Putin paid a rare state visit to ally Belarus.",
    "Russian President Putin heads for Belarus, fueling Ukrainian fears he intends to pressure his ally to join a new "
    "offensive, as Russian drones attack Kyiv in the latest assault targeting key infrastructure, Ukrainian officials say.",
    "Moscow launched a “kamikaze” drone attack on Monday, hitting key infrastructure in and around Kyiv.",
    "Russian President Vladimir Putin heads for Belarus, fueling Ukrainian fears he intends to pressure his ally to join "
    "a new offensive, as Russian drones attacked Kyiv in the latest assault targeting key infrastructure, Ukrainian "
    "officials said",
]


def _seed_article() -> dict:
    return extract_article({"url": "https://agg.example/a", "source": "seed", "fetched_at": 1, "published_at": None,
                            "content_type": "text/plain", "charset": None, "body": SEED.read_bytes(), "headers": {}})


def test_seed_body_is_exactly_the_five_article_paragraphs():
    article = _seed_article()
    lines = [" ".join(line.split()) for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert article["body"].split("\n") == lines[:5]
    for chrome in ("Indonesia Berita", "Similar News", "Anda juga", "Baca lebih"):
        assert chrome not in article["body"]
    assert article["lead"] == lines[0]
    assert not article["empty"]


def test_seed_related_items_are_the_four_headlines_and_teasers():
    article = _seed_article()
    assert [r["title"] for r in article["related"]] == HEADLINES
    assert [r["snippet"] for r in article["related"]] == TEASERS
    assert all(r["url"] is None and r["language"] == "und" for r in article["related"])


def test_seed_blocks_cover_every_line_in_order_with_kinds():
    article = _seed_article()
    kinds = [b["kind"] for b in article["blocks"]]
    assert kinds == ["article"] * 5 + ["boilerplate", "boilerplate"] + ["related", "boilerplate"] * 4
    assert all(b["language"] == "und" for b in article["blocks"])


def test_glued_headline_splitting_spares_brand_names():
    assert split_glued("Police warn of WhatsApp scam targeting pensioners") == (
        "Police warn of WhatsApp scam targeting pensioners", "")
    assert split_glued("McDonald's opens in the old town squareThe new restaurant employs forty people.") == (
        "McDonald's opens in the old town square", "The new restaurant employs forty people.")
    assert split_glued("Stadtrat beschließt Plan für UlmNach Angaben der Verwaltung beginnt der Bau bald.")[0] == \
        "Stadtrat beschließt Plan für Ulm"


def test_related_items_without_a_heading_are_found_by_their_read_more_lines():
    text = ("Mayor opens the new bridge\n"
            "The mayor opened the new bridge on Friday after three years of work, the city said.\n"
            "Second paragraph of the story, with enough words to count as the article text.\n"
            "Trains cancelled after storm damageSeveral lines stay closed until Monday, the operator said.\n"
            "Read more »\n")
    found = extract_text(text)
    assert found.title == "Mayor opens the new bridge"
    assert [k for _, k in found.blocks] == ["article", "article", "article", "related", "boilerplate"]
    assert found.related[0]["title"] == "Trains cancelled after storm damage"
