"""Property tests: random and hostile bytes/HTML never crash the extractor or hang it.

Allowed outcomes for any input: an Article with exactly the schema's fields, or ExtractError
(a dead letter with a reason). Anything else, or a page over the time budget, is a bug."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.core.extract import ExtractError, extract_article

BUDGET_S = 2.0
FIELDS = {"page_id", "url", "canonical_url", "source", "site", "title", "lead", "body", "blocks", "related",
          "published_at", "modified_at", "authors", "language", "language_confidence", "fetched_at",
          "content_hash", "empty", "extractor"}
TAGS = ["div", "p", "a", "span", "b", "table", "tr", "td", "ul", "li", "h1", "h2", "article", "nav", "footer",
        "script", "style", "br", "time", "aside", "section", "main", "font", "i", "iframe", "svg", "template"]
ATTRS = ['class="related"', 'class="comment"', 'id="content"', 'href="javascript:void(0)"', 'href="//x"',
         'datetime="2026-13-45T99:99"', 'datetime="2026-11-20T14:05:00+07:00"', "hidden", 'style="display:none"',
         'itemprop="articleBody"', 'rel="canonical" href="::::"', 'class="byline"', 'lang="xx"']
WORDS = ["Read more »", "Baca juga:", "Similar News:", "©", "20.11.2026, 14:05 Uhr", "By Ann Lee and Bo Ek",
         "The council voted on Monday to approve the plan.", "\x00", "\ufffd", "&nbsp;", "&#0;", "&#x110000;",
         "<!--", "-->", "<![CDATA[", "]]>", "🙂", "\u202e", "Ünïcödé", "http://", "<", ">", "\"", "'"]


@st.composite
def html_soup(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 60))):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            tag = draw(st.sampled_from(TAGS))
            attr = draw(st.sampled_from([""] + ATTRS))
            parts.append(f"<{tag} {attr}>")
        elif choice == 1:
            parts.append(f"</{draw(st.sampled_from(TAGS))}>")
        elif choice == 2:
            parts.append(draw(st.sampled_from(WORDS)))
        else:
            parts.append(draw(st.text(max_size=40)))
    return "".join(parts)


def _check(page: dict) -> None:
    start = time.perf_counter()
    try:
        article = extract_article(page)
    except ExtractError as exc:
        assert exc.reason and exc.error_class
    else:
        assert set(article) == FIELDS
        assert isinstance(article["body"], str) and isinstance(article["blocks"], list)
        assert all(b["kind"] in {"article", "boilerplate", "related"} for b in article["blocks"])
        assert article["empty"] == (article["body"] == "")
        assert extract_article(page) == article  # deterministic
    assert time.perf_counter() - start < BUDGET_S


def _page(body: bytes, content_type: str, charset: str | None = None) -> dict:
    return {"url": "https://h.example/a?utm_source=x", "source": "p", "fetched_at": 1, "published_at": None,
            "content_type": content_type, "charset": charset, "body": body, "headers": {}}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000), st.sampled_from(["text/html", "text/plain", "", "application/octet-stream"]),
       st.sampled_from([None, "utf-8", "latin-1", "utf-16", "bogus-charset", "shift_jis"]))
def test_random_bytes(body, content_type, charset):
    _check(_page(body, content_type, charset))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_soup(), st.sampled_from(["text/html", "text/plain"]))
def test_hostile_html_soup(soup, content_type):
    _check(_page(soup.encode("utf-8", "surrogatepass"), content_type))


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["div", "b", "span", "table", "li", "a", "font", "section"]), st.integers(1000, 60000))
def test_deep_nesting_is_refused_or_extracted_within_budget(tag, depth):
    _check(_page((f"<{tag}>" * depth + "deep text here." + f"</{tag}>" * depth).encode(), "text/html"))


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=3000))
def test_any_unicode_text_page(text):
    _check(_page(text.encode("utf-8", "surrogatepass"), "text/plain"))
