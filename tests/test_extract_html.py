# ruff: noqa: E501
"""HTML extraction: metadata, related items, dates with zones, limits."""

from __future__ import annotations

import pytest

from pipelines.core.extract import ExtractError, extract_article
from pipelines.core.extract.dates import parse_any, parse_human

PAGE = """<!doctype html><html lang="de"><head><title>Flut in Kiel | Nordblatt</title>
<link rel="canonical" href="https://www.nordblatt.example/kiel/flut-123.html?utm_source=rss#top">
<meta property="og:site_name" content="Nordblatt"><meta property="og:description" content="Das Wasser stieg über Nacht.">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Nordblatt"},
{"@type":"NewsArticle","headline":"Flut in Kiel","datePublished":"2026-11-20T14:05:00+01:00",
"dateModified":"2026-11-21T08:00:00+01:00","author":[{"@type":"Person","name":"Anna Müller"},
{"@type":"Person","name":"Jonas Weber"}]}]}</script></head>
<body><div class="cookie-banner"><p>Wir verwenden Cookies, um Inhalte zu personalisieren und Zugriffe zu analysieren.
Sie können Ihre Auswahl jederzeit ändern.</p></div><nav><ul><li><a href="/">Start</a></li><li><a href="/p">Politik</a>
</li></ul></nav><main><article><h1>Flut in Kiel</h1><p class="teaser">Das Wasser stieg über Nacht.</p>
<div class="article-body"><p>Das Wasser der Förde stieg in der Nacht zum Donnerstag um mehr als einen Meter über den
mittleren Pegel, wie das Bundesamt mitteilte.</p><p class="read-also">Lesen Sie auch: <a href="/kiel/sturm-1.html">
Sturm legt Bahnverkehr im Norden lahm</a></p><p>Feuerwehr und Technisches Hilfswerk sicherten die Kaimauern mit
Sandsäcken, in der Altstadt liefen mehrere Keller voll.</p><h2>Wie es weitergeht</h2><p>Für Freitag erwarten die
Meteorologen eine Entspannung, der Wind soll auf West drehen und deutlich nachlassen.</p></div>
<div class="share-bar"><a href="#">Teilen</a> <a href="#">Drucken</a></div>
<section class="related-articles"><h2>Mehr zum Thema</h2><ul>
<li><a href="/kiel/deich-2.html?utm_medium=x">Deichbau an der Förde verzögert sich weiter</a><p>Die Arbeiten an der
Schutzmauer sind ein Jahr im Verzug.</p></li>
<li><a href="/kiel/pegel-3.html">Pegelstände an der Ostsee steigen seit Jahren</a><p>Eine neue Studie zeigt den Trend.</p></li>
</ul></section></article></main><footer><p>© 2026 Nordblatt. Alle Rechte vorbehalten.</p></footer></body></html>"""


def _page(body: str, url: str = "https://nordblatt.example/kiel/flut-123.html", ct: str = "text/html") -> dict:
    return {"url": url, "source": "t", "fetched_at": 5, "published_at": None, "content_type": ct, "charset": None,
            "body": body.encode("utf-8"), "headers": {}}


def test_full_article_record():
    a = extract_article(_page(PAGE))
    assert a["title"] == "Flut in Kiel"
    assert a["canonical_url"] == "https://nordblatt.example/kiel/flut-123.html"
    assert a["site"] == "Nordblatt"
    assert a["authors"] == ["Anna Müller", "Jonas Weber"]
    assert a["published_at"] == parse_any("2026-11-20T13:05:00Z")
    assert a["modified_at"] == parse_any("2026-11-21T07:00:00Z")
    assert a["body"].split("\n") == [
        "Das Wasser stieg über Nacht.",
        "Das Wasser der Förde stieg in der Nacht zum Donnerstag um mehr als einen Meter über den mittleren Pegel, "
        "wie das Bundesamt mitteilte.",
        "Feuerwehr und Technisches Hilfswerk sicherten die Kaimauern mit Sandsäcken, in der Altstadt liefen mehrere "
        "Keller voll.",
        "Wie es weitergeht",
        "Für Freitag erwarten die Meteorologen eine Entspannung, der Wind soll auf West drehen und deutlich nachlassen.",
    ]
    assert a["lead"].startswith("Das Wasser der Förde")
    assert [(r["title"], r["url"], r["snippet"]) for r in a["related"]] == [
        ("Deichbau an der Förde verzögert sich weiter", "https://nordblatt.example/kiel/deich-2.html",
         "Die Arbeiten an der Schutzmauer sind ein Jahr im Verzug."),
        ("Pegelstände an der Ostsee steigen seit Jahren", "https://nordblatt.example/kiel/pegel-3.html",
         "Eine neue Studie zeigt den Trend."),
        ("Sturm legt Bahnverkehr im Norden lahm", "https://nordblatt.example/kiel/sturm-1.html", ""),
    ]
    kinds = {b["text"]: b["kind"] for b in a["blocks"]}
    assert kinds["Mehr zum Thema"] == "boilerplate"
    assert kinds["Deichbau an der Förde verzögert sich weiter"] == "related"
    assert "Cookies" not in a["body"] and "Alle Rechte" not in a["body"]
    assert set(a) == {"page_id", "url", "canonical_url", "source", "site", "title", "lead", "body", "blocks", "related",
                      "published_at", "modified_at", "authors", "language", "language_confidence", "fetched_at",
                      "content_hash", "empty", "extractor"}
    assert a["extractor"].startswith("newsbeam/")


@pytest.mark.parametrize("text, iso", [
    ("Rabu, 20 Nov 2026 14:05 WIB", "2026-11-20T14:05:00+07:00"),
    ("Publié le 20 novembre 2026 à 14h05", "2026-11-20T14:05:00"),
    ("20.11.2026, 14:05 Uhr", "2026-11-20T14:05:00"),
    ("Publicado: 20/11/2026 14:05 (GMT-3)", "2026-11-20T14:05:00-03:00"),
    ("Nov. 20, 2026 9:05 p.m. ET", "2026-11-20T21:05:00-05:00"),
    ("20 de novembro de 2026 às 14:05", "2026-11-20T14:05:00"),
    ("November 20, 2026", "2026-11-20T00:00:00"),
])
def test_human_dates_keep_time_and_zone(text, iso):
    found = parse_human(text)
    assert found is not None
    assert parse_any(found[0].isoformat()) == parse_any(iso)


def test_zone_less_printed_time_uses_the_page_language_zone():
    html = ('<html lang="nl"><body><div class="artikel"><h1>Brug open</h1><span class="date">20-11-2026 14:05</span>'
            "<p>" + "De nieuwe brug over de rivier is vrijdag geopend na drie jaar werk aan de fundering. " * 3 + "</p>"
            "</div></body></html>")
    a = extract_article(_page(html))
    assert a["published_at"] == parse_any("2026-11-20T13:05:00Z")  # Europe/Amsterdam in November: UTC+1


def test_pathological_nesting_is_a_dead_letter_with_reason():
    with pytest.raises(ExtractError) as info:
        extract_article(_page("<div>" * 20000 + "x" + "</div>" * 20000))
    assert info.value.error_class == "PathologicalNesting" and "levels" in info.value.reason


def test_page_without_text_is_flagged_empty():
    a = extract_article(_page("<html><body><nav><a href='/'>Home</a></nav><img src=x></body></html>"))
    assert a["empty"] and a["body"] == "" and a["lead"] == ""


def test_html_served_as_text_plain_is_parsed_as_html():
    a = extract_article(_page(PAGE, ct="text/plain"))
    assert a["title"] == "Flut in Kiel"


def test_deterministic_and_stateless():
    first = extract_article(_page(PAGE))
    for _ in range(3):
        assert extract_article(_page(PAGE)) == first
