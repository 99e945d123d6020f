"""The first extractor's contract: what every later stage relies on (issue 3 raises the bar)."""

from pathlib import Path

import pytest

from pipelines.core.extract import ExtractError, extract_article
from pipelines.core.extract.decoding import decode_body
from pipelines.core.urls import normalize_url

SEED = Path(__file__).parent / "data" / "seeds" / "000_f4b3b7efe7834f89.txt"


def _page(body: bytes, content_type="text/html", url="https://news.example/a?utm_source=x#top", **extra):
    return {"url": url, "source": "t", "fetched_at": 1, "published_at": None, "content_type": content_type,
            "charset": None, "body": body, "headers": {}, **extra}


def test_seed_text_page_keeps_the_article_text():
    article = extract_article(_page(SEED.read_bytes(), "text/plain"))
    assert article["body"].startswith("A rare visit to the Belarusian capital")
    assert not article["empty"]
    assert article["canonical_url"] == "https://news.example/a"


def test_html_article_metadata_and_ids_are_deterministic():
    html = (
        b'<html lang="en"><head><title>Flood - Daily</title><link rel="canonical" '
        b'href="https://www.daily.example/flood?utm_medium=x&id=3"><meta name="author" content="Ana Li">'
        b'<meta property="og:site_name" content="Daily"></head><body><nav>Home World Sport</nav><article>'
        b"<h1>River floods the old town</h1><p>" + b"Water rose overnight in the old town. " * 12 + b"</p><p>"
        + b"Residents were moved to schools on higher ground. " * 10 + b"</p></article><footer>(c) Daily</footer>"
        b"</body></html>"
    )
    first, second = extract_article(_page(html)), extract_article(_page(html))
    assert first == second
    assert first["canonical_url"] == "https://daily.example/flood?id=3"
    assert first["title"] == "River floods the old town"
    assert first["authors"] == ["Ana Li"]
    assert "Home World Sport" not in first["body"]
    assert "Residents were moved" in first["body"]


def test_empty_page_is_flagged_not_dropped():
    article = extract_article(_page(b"<html><body></body></html>"))
    assert article["empty"] and article["body"] == ""


def test_oversized_page_is_refused_with_reason():
    with pytest.raises(ExtractError) as info:
        extract_article(_page(b"x" * 101), max_bytes=100)
    assert info.value.error_class == "PageTooLarge" and "101 bytes" in info.value.reason


@pytest.mark.parametrize(
    "body, charset, headers, expected",
    [
        ("café".encode("latin-1"), "iso-8859-1", {}, "café"),
        ("café".encode("cp1252"), None, {"Content-Type": "text/html; charset=windows-1252"}, "café"),
        (b'<meta charset="koi8-r">' + "мир".encode("koi8-r"), None, {}, "мир"),
        ("\ufeffhi".encode("utf-8"), None, {}, "hi"),
        (b"ok \xff\xfe bytes", "utf-8", {}, "ok \ufffd\ufffd bytes"),
    ],
)
def test_charset_sources(body, charset, headers, expected):
    text, _ = decode_body(body, charset, headers)
    assert text.endswith(expected)


def test_url_normalisation():
    assert normalize_url("HTTPS://WWW.Site.Example:443/a/?b=2&utm_campaign=z&a=1#frag") == \
        "https://site.example/a/?a=1&b=2"
    assert normalize_url("/x?fbclid=1", base="http://h.example:8080/y") == "http://h.example:8080/x"
