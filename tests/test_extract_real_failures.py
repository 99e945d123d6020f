"""One small page per failure class found on real pages (issue 13). The pages and their text are
written for these tests; none comes from the development set."""

from __future__ import annotations

import pytest

from pipelines.core.extract import extract_article
from pipelines.core.extract.decoding import decode_body

STORY = [
    "The harbour board voted on Tuesday to rebuild the old north pier, which storms damaged twice last winter.",
    "Engineers said the new deck will sit a metre higher and rest on steel piles driven deeper into the clay.",
    "Fishing crews, who have tied up at the south quay since March, welcomed the plan but asked for a firm date.",
    "The board expects the work to take eighteen months and to cost less than the repairs of the past decade.",
    "A temporary floating landing will serve the ferry to the islands while the piles are driven next spring.",
    "Residents may comment on the design at the library until the end of the month, the board's secretary said.",
]
OTHER = "A short promotional line about subscriptions."


def _paragraphs(lines: list[str] = STORY) -> str:
    return "".join(f"<p>{line}</p>" for line in lines)


def _extract(html: str, url: str = "https://harbour.example/news/pier.html") -> dict:
    page = {"url": url, "source": "t", "fetched_at": 1, "published_at": None, "content_type": "text/html",
            "charset": None, "body": html.encode("utf-8"), "headers": {}}
    return extract_article(page)


def _chrome() -> str:
    return ('<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>'
            '<ul class="menu"><li><a href="/a">Weather</a></li><li><a href="/b">Tides</a></li></ul>')


def _has_story(article: dict) -> bool:
    return all(line in article["body"] for line in STORY) and not article["empty"]


@pytest.mark.parametrize(
    "wrapper_open, wrapper_close",
    [
        ('<div class="content-sidebar-wrap">', "</div>"),  # "sidebar" inside a wrapper name
        ('<article class="post type-post tag-sidebar tag-social author-jane-roe category-news">', "</article>"),
        ('<form id="aspnetForm" method="post" action="./page.aspx">', "</form>"),  # ASP.NET page form
        ('<div class="elementor-widget-container">', "</div>"),
        ('<div class="widget Blog" id="Blog1">', "</div>"),
        ('<div class="relative overflow-hidden">', "</div>"),
        ('<div class="x1n2onr6 modal-root">', "</div>"),  # atomic CSS with a "modal" token
        ('<main class="social-layout">', "</main>"),
        ('<div class="subscriber-premium articleBody">', "</div>"),
    ],
)
def test_chrome_hint_on_an_ancestor_of_the_article_does_not_empty_it(wrapper_open: str, wrapper_close: str) -> None:
    html = (f"<html><body>{_chrome()}{wrapper_open}<h1>Harbour board backs new pier</h1>"
            f"<div class='entry'>{_paragraphs()}</div>{wrapper_close}"
            "<footer>Copyright Harbour Times</footer></body></html>")
    article = _extract(html)
    assert _has_story(article), article["body"]
    assert "Weather" not in article["body"] and "Copyright" not in article["body"]


def test_class_hints_are_whole_tokens() -> None:
    from pipelines.core.extract.html import _hint_flags

    assert _hint_flags("comments-area")[0] and _hint_flags("commentList")[2]
    assert _hint_flags("share-buttons")[1] and _hint_flags("site-footer")[0]
    assert not any(_hint_flags("overflow-hidden"))  # no "hidden" role, no substring match
    assert not any(_hint_flags("subscriber-premium"))  # "subscri" was a substring rule
    assert not any(_hint_flags("tag-football author-jane-roe category-sport"))  # CMS slugs
    assert _hint_flags("author-bio")[0]  # the author box is still chrome


def test_further_reading_line_inside_the_article_is_not_a_related_list() -> None:
    html = ("<html><body><div class='story'><h1>Harbour board backs new pier</h1>"
            f"{_paragraphs(STORY[:2])}<p><strong>Further reading</strong></p>"
            "<p><a href='/p/1'>How the storms of last winter hit the coast</a></p>"
            "<p><a href='/p/2'>Why the south quay is crowded this summer</a></p>"
            f"{_paragraphs(STORY[2:])}</div></body></html>")
    article = _extract(html)
    assert _has_story(article), article["body"]


def test_story_in_font_tags_beats_a_table_cell_with_one_promo_line() -> None:
    story = "".join(f"<p>{line}</p>" for line in STORY)
    html = ("<html><body><table><tr><td class='ArticleText'><font size=2><font face=arial><font color=black>"
            f"<font>{story}</font></font></font></font></td></tr></table>"
            "<table><tr><td>For the full story in print, pick up a copy of the Harbour Times at any newsagent "
            "on the coast road.</td></tr></table></body></html>")
    article = _extract(html)
    assert _has_story(article), article["body"]
    assert "newsagent" not in article["body"]


def test_a_long_comment_thread_does_not_become_the_article() -> None:
    comments = "".join(
        f"<li class='comment'><div class='comment-text'><p>Reader {k} thinks the pier should have been rebuilt "
        f"years ago, and that the board only moved because the fishing crews complained loudly enough.</p>"
        f"<p>They also think the cost estimate is far too optimistic for a job of this size.</p></div></li>"
        for k in range(6))
    html = (f"<html><body><div class='entry'><h1>Harbour board backs new pier</h1>{_paragraphs(STORY[:2])}</div>"
            f"<div id='comments'><ol class='commentlist'>{comments}</ol></div></body></html>")
    article = _extract(html)
    assert STORY[0] in article["body"] and "Reader 3" not in article["body"]


def test_one_long_legal_notice_does_not_outweigh_a_story_in_short_paragraphs() -> None:
    notice = ("Harbour Times is published by the Harbour Media Group. All material on this site is protected by "
              "copyright and may not be reproduced, distributed, transmitted, cached or otherwise used, except "
              "with the prior written permission of the publisher. ") * 6
    html = (f"<html><body><div class='page'><div class='story'><h1>Pier</h1>{_paragraphs()}</div></div>"
            f"<div class='legal'><div class='notice'>{notice}</div></div></body></html>")
    article = _extract(html)
    assert _has_story(article) and "reproduced" not in article["body"]


def test_a_post_split_into_page_builder_sections_is_kept_whole() -> None:
    sections = "".join(
        f"<section class='block'><div class='row'><div class='col'><h2>Part {k}</h2><p>{line}</p></div></div>"
        f"</section>" for k, line in enumerate(STORY))
    html = (f"<html><body>{_chrome()}<div class='page-content'>{sections}</div>"
            "<div class='sidebar'><a href='/x'>Tides</a> <a href='/y'>Weather</a></div></body></html>")
    article = _extract(html)
    assert _has_story(article), article["body"]


@pytest.mark.parametrize(
    "body, expected_text, expected_charset",
    [
        # Declares latin-1, is UTF-8 (an old CMS template's <meta>): strict UTF-8 decodes cleanly first.
        ('<meta charset="iso-8859-1"><p>Café crème à Kiel – “quoted”</p>'.encode(), "Café crème à Kiel – “quoted”",
         "utf-8"),
        # Declares latin-1, is windows-1252: curly quotes (0x93/0x94) are read as browsers read them.
        (b'<meta charset="iso-8859-1"><p>\x93caf\xe9\x94</p>', "\u201ccaf\u00e9\u201d", "cp1252"),
        # Declares UTF-8 and is UTF-8 with one broken byte: still UTF-8, the byte replaced.
        (b'<meta charset="utf-8"><p>caf\xc3\xa9 \xff ok</p>', "caf\u00e9 \ufffd ok", "utf-8"),
    ],
)
def test_lying_charset_declarations(body: bytes, expected_text: str, expected_charset: str) -> None:
    text, charset = decode_body(body)
    assert expected_text in text and charset == expected_charset


def test_undeclared_single_byte_page_goes_to_detection() -> None:
    body = ('<p>Die Straße über den Fluss wurde für den Verkehr gesperrt, '
            'und die Fußgänger müssen einen Umweg über die Brücke nehmen.</p>').encode("cp1252")
    text, charset = decode_body(body)
    assert "Straße über den Fluss" in text and charset != "utf-8"


def test_streamed_page_in_a_hidden_div_is_read_when_nothing_else_is_prose() -> None:
    html = (f"<html><body><div hidden></div><div hidden id='S:0'><nav><a href='/'>Home</a></nav>"
            f"<main><h1>Harbour board backs new pier</h1>{_paragraphs()}</main></div>"
            "<script>swap('S:0')</script></body></html>")
    assert _has_story(_extract(html))


def test_post_kept_only_in_noscript_is_read() -> None:
    html = (f"<html><body><h1>Blog</h1><div class='post-body'><noscript>{_paragraphs()}</noscript></div>"
            "</body></html>")
    assert _has_story(_extract(html))


def test_site_heading_contained_in_the_title_is_not_the_headline() -> None:
    html = ("<html><head><title>Harbour Blog: Harbour board backs new pier</title>"
            "<meta property='og:title' content='Harbour board backs new pier'></head><body><h1>Blog</h1>"
            f"<div class='post'><h2>Harbour board backs new pier</h2>{_paragraphs()}</div></body></html>")
    assert _extract(html)["title"] == "Harbour board backs new pier"


def test_short_post_above_a_long_related_list_is_kept() -> None:
    links = "".join(f"<li><a href='/p/{k}'>Another story about the harbour and its piers, part {k}</a></li>"
                    for k in range(8))
    html = (f"<html><body><div class='post'><h1>Pier</h1><div class='entry'><p>{STORY[0]} {STORY[1]}</p>"
            f"<p>Related posts:</p><ul>{links}</ul></div></div></body></html>")
    article = _extract(html)
    assert STORY[0] in article["body"] and "part 3" not in article["body"]
    assert len(article["related"]) == 8


def test_cjk_paragraphs_are_prose() -> None:
    lines = ["今天市政府宣布重建北边的旧码头，去年冬天的暴风雨两次损坏了它。",
             "工程师说新的桥面会高出一米，并且建在打得更深的钢桩上。",
             "渔民们从三月起一直停靠在南边的码头，他们欢迎这个计划。",
             "市政府预计工程需要十八个月，费用比过去十年的维修还要少。"]
    html = ("<html lang='zh'><body><div class='nav'><a href='/'>首页</a><a href='/n'>新闻</a></div>"
            f"<div class='post'>{''.join(f'<p>{line}</p>' for line in lines)}</div>"
            "<div class='side'><p>关于我们</p></div></body></html>")
    article = _extract(html)
    assert all(line in article["body"] for line in lines)


def test_chrome_hinted_wrapper_cut_into_short_text_nodes_is_not_folded() -> None:
    # Inline markup cuts each paragraph into text nodes under 100 characters; the sentences show it is prose.
    paragraphs = "".join(
        f"<p>{line[:40]}<a href='/x{k}'>{line[40:70]}</a><em>{line[70:]}</em> Second sentence here. Third one.</p>"
        for k, line in enumerate(STORY))
    html = (f"<html><body>{_chrome()}<div class='share-tools-wrapper-x'><h1>Pier</h1>{paragraphs}</div>"
            "</body></html>")
    article = _extract(html)
    assert all(line[:40] in article["body"] for line in STORY), article["body"]


def test_inline_caption_and_credit_are_not_body() -> None:
    html = (f"<html><body><div class='story'><h1>Pier</h1>{_paragraphs(STORY[:3])}"
            "<div class='image'><img src='p.jpg'><span class='caption'>The old north pier after the January storm, "
            "seen from the harbour wall.</span><span class='caption-source'>Harbour Times/Photo Desk</span></div>"
            f"{_paragraphs(STORY[3:])}</div></body></html>")
    article = _extract(html)
    assert _has_story(article) and "Photo Desk" not in article["body"] and "January storm" not in article["body"]


def test_page_whose_text_sits_directly_in_body_is_not_empty() -> None:
    # No wrapper at all: headings, a paragraph and loose text after the last element of <body>.
    html = ("<html><body><h1>Samples</h1><h2>First sample</h2><span>x = 1</span><h2>Second sample</h2>"
            f"<span>y = 2</span><p>{STORY[0]}</p>{STORY[1]} {STORY[2]}</body></html>")
    article = _extract(html)
    assert STORY[0] in article["body"] and STORY[1] in article["body"]
