# ruff: noqa: E501
"""Deterministic generator of the labeled extraction set (DESIGN §8 eval format).

    python -m tests.data.extraction.generate [OUT.jsonl] [--seed 11] [--per-site 15]

Ten HTML site templates modelled on the markup families real news sites use (WordPress, an
Indonesian portal with <br>-separated text, a table layout, a React app with JSON-LD and ad slots,
a German regional paper, a French daily, a short brief under a long unhinted reader discussion, an
itemprop magazine with a newsletter box inside the body, a Dutch site whose chrome sits inside
the body as plain paragraphs, a US-style page split into parts by promos) plus two text/plain
aggregator styles shaped like the user's seed. Eight article languages; chrome is often in another
language. Pages carry realistic bulk (menus, inline scripts, footers) so speed figures mean
something. Each line: {"id", "site", "lang", "url", "html"|"text", "content_type", "expected":
{"body", "title", "published_at" (ISO, with offset) | null, "related": [titles], "authors": [...]}}.

Labels follow one rule: the body is the article's own text (standfirst, paragraphs, subheadings),
never the headline, captions, bylines, "read also" lines, chrome, related lists or comments."""

from __future__ import annotations

import argparse
import html
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.data.extraction.corpus import LANGS  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "labeled.jsonl"
E = html.escape


@dataclass
class Spec:
    """One page's content before a template draws it."""

    site: str
    host: str
    lang: str
    chrome: str
    uid: int
    title: str
    paragraphs: list[tuple[str, str]]  # ("p" | "h2", text)
    standfirst: str
    authors: list[str]
    published: datetime
    modified: datetime | None
    related: list[tuple[str, str, str]]  # (title, url, snippet)
    read_also: tuple[str, str]
    comments: list[tuple[str, str]]
    rng: Random
    extra_body: list[str] = field(default_factory=list)

    @property
    def L(self) -> dict:  # noqa: N802 - the article language's material
        return LANGS[self.lang]

    @property
    def C(self) -> dict:  # noqa: N802 - the chrome language's material
        return LANGS[self.chrome]

    @property
    def slug(self) -> str:
        keep = "".join(ch if ch.isalnum() else "-" for ch in self.title.lower())
        return "-".join(part for part in keep.split("-") if part)[:70]

    @property
    def url(self) -> str:
        return f"https://www.{self.host}/{self.published:%Y/%m/%d}/{self.slug}-{self.uid}"


def _fill(rng: Random, text: str, lang: dict) -> str:
    cities = rng.sample(lang["cities"], 2)
    return text.format(
        city=cities[0], city2=cities[1], name=f"{rng.choice(lang['first'])} {rng.choice(lang['last'])}",
        org=rng.choice(lang["orgs"]), n=rng.randint(12, 480), n2=rng.randint(2, 11), pct=rng.randint(3, 29),
        day=rng.choice(lang["days"]),
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _bloat(rng: Random, kilobytes: int) -> str:
    """Inline script of the size real pages carry (analytics config, state blobs)."""
    lines = []
    size = 0
    while size < kilobytes * 1024:
        line = (f'window.dataLayer.push({{"event":"impression","slot":"div-gpt-{rng.randint(1, 99999)}",'
                f'"targeting":{{"pos":"{rng.choice(["top", "mid", "btm"])}","kw":"{rng.getrandbits(64):x}"}}}});')
        lines.append(line)
        size += len(line)
    return "<script>" + "\n".join(lines) + "</script>"


def _style(rng: Random) -> str:
    rules = [f".c{rng.getrandbits(24):x}{{margin:{rng.randint(0, 40)}px;color:#{rng.getrandbits(24):06x}}}" for _ in range(250)]
    return "<style>" + "".join(rules) + "</style>"


def _svg() -> str:
    return '<svg viewBox="0 0 24 24" width="16" height="16"><path d="M12 2L2 7l10 5 10-5-10-5z"/></svg>'


def _nav_links(s: Spec, host: str, n_sub: int = 4) -> str:
    """A mega menu: real sites ship every section's sub-menu in every page (hidden until hover)."""
    out = []
    for item in s.C["ui"]["nav"]:
        sub = "".join(f'<li class="sub-item"><a class="sub-link" href="/{E(item.lower())}/{k}"><span>{E(item)} {k + 1}</span></a></li>'
                      for k in range(n_sub + 8))
        out.append(f'<li class="menu-item"><a href="/{E(item.lower())}">{E(item)}</a>{_svg()}<div class="dropdown"><ul class="sub-menu">{sub}</ul>'
                   f'<div class="dropdown-teaser"><a href="/{E(item.lower())}/top"><img src="/t.jpg" alt=""><span>{E(item)}</span></a></div></div></li>')
    return "".join(out)


def _teaser_rail(s: Spec, n: int = 12) -> str:
    """A sidebar / bottom rail of teaser cards (image, kicker, headline, time): the bulk of real pages."""
    cards = []
    for k in range(n):
        headline = _capital(_fill(s.rng, s.C["headlines"][k % len(s.C["headlines"])], s.C))
        cards.append(f'<div class="card card--small"><a class="card__link" href="/rail/{s.uid}/{k}"><div class="card__media"><picture><source srcset="/r{k}.webp"><img src="/r{k}.jpg" alt=""></picture></div>'
                     f'<div class="card__body"><span class="card__kicker">{E(s.C["ui"]["nav"][k % 10])}</span><h3 class="card__title">{E(headline)}</h3></div></a>'
                     f'<div class="card__meta"><span class="card__time">{k + 1}h</span>{_svg()}</div></div>')
    return f'<div class="rail rail--promo"><div class="rail__inner">{"".join(cards)}</div></div>'


def _footer_links(s: Spec) -> str:
    cols = []
    for k, item in enumerate(s.C["ui"]["nav"][:8]):
        cols.append(f'<div class="col"><h4>{E(item)}</h4><ul>' + "".join(
            f'<li><a href="/{k}/{j}">{E(item)} · {j}</a></li>' for j in range(10)) + "</ul></div>")
    social = "".join(f'<li><a href="https://social.example/{n}" aria-label="{n}">{_svg()}</a></li>' for n in ("fb", "x", "ig", "yt", "tt"))
    return "".join(cols) + f'<ul class="social">{social}</ul>' + _teaser_rail(s, 24)


def _fmt_human(s: Spec, when: datetime, style: str) -> str:
    months = s.C["months"]
    if style == "en":
        return f"{months[when.month - 1]} {when.day}, {when.year}"
    if style == "id":
        return f"{s.C['days'][when.weekday() % 5]}, {when.day:02d} {months[when.month - 1][:3]} {when.year} {when:%H:%M} WIB"
    if style == "num_gmt":
        off = int(when.utcoffset().total_seconds() // 3600)
        return f"{when:%d/%m/%Y %H:%M} (GMT{off:+d})"
    if style == "de":
        return f"{when:%d.%m.%Y}, {when:%H:%M} Uhr"
    if style == "fr":
        return f"{when.day} {months[when.month - 1]} {when.year} à {when:%H}h{when:%M}"
    if style == "pt":
        return f"{when.day} de {months[when.month - 1]} de {when.year} às {when:%H:%M}"
    if style == "it":
        return f"{when.day} {months[when.month - 1]} {when.year} | {when:%H:%M}"
    if style == "nl":
        return f"{when:%d-%m-%Y %H:%M}"
    if style == "us":
        hour = when.hour % 12 or 12
        return f"{months[when.month - 1][:3]}. {when.day}, {when.year} {hour}:{when:%M} {'a.m.' if when.hour < 12 else 'p.m.'} ET"
    raise ValueError(style)


def _body_ps(s: Spec, p_attr: str = "") -> str:
    out = []
    for kind, text in s.paragraphs:
        out.append(f"<h2>{E(text)}</h2>" if kind == "h2" else f"<p{p_attr}>{E(text)}</p>")
    return "".join(out)


def _expected_body(s: Spec, with_standfirst: bool = True) -> str:
    parts = ([s.standfirst] if with_standfirst and s.standfirst else []) + [t for _, t in s.paragraphs]
    return "\n".join(parts)


def _byline(s: Spec) -> str:
    ui = s.C["ui"] if s.chrome == s.lang else s.L["ui"]
    names = f" {ui['and']} ".join(s.authors)
    return f"{ui['by']} {names}"


# ------------------------------------------------------------------ templates


def t_wordpress(s: Spec) -> tuple[str, dict]:
    ui = s.C["ui"]
    ra_title, ra_url = s.read_also
    ps = [f"<p>{E(t)}</p>" if k == "p" else f"<h2 class=\"wp-block-heading\">{E(t)}</h2>" for k, t in s.paragraphs]
    ps.insert(2, f'<p><strong>{E(ui["read_also"])}</strong> <a href="{ra_url}">{E(ra_title)}</a></p>')
    ps.insert(4, f'<figure class="wp-block-image size-large"><img src="/wp-content/uploads/{s.uid}.jpg" alt=""><figcaption class="wp-element-caption">{E(_fill(s.rng, "{city} harbour at dawn. Photo: {name}", s.L))}</figcaption></figure>')
    related = "".join(
        f'<div class="jp-relatedposts-post"><h4 class="jp-relatedposts-post-title"><a href="{u}">{E(t)}</a></h4>'
        f'<p class="jp-relatedposts-post-excerpt">{E(sn)}</p><p class="jp-relatedposts-post-date">{_fmt_human(s, s.published - timedelta(days=2), "en") if s.chrome == "en" else ""}</p></div>'
        for t, u, sn in s.related)
    comments = "".join(
        f'<li class="comment"><article class="comment-body"><footer class="comment-meta"><div class="comment-author vcard"><b class="fn">{E(n)}</b> <span class="says">says:</span></div>'
        f'<div class="comment-metadata"><a href="#c{j}"><time datetime="{s.published.isoformat()}">{_fmt_human(s, s.published, "en")}</time></a></div></footer>'
        f'<div class="comment-content"><p>{E(c)}</p></div><div class="reply"><a class="comment-reply-link" href="#">Reply</a></div></article></li>'
        for j, (n, c) in enumerate(s.comments))
    recent = "".join(f'<li><a href="{u}">{E(t)}</a></li>' for t, u, _ in s.related)
    iso = s.published.isoformat()
    page = f"""<!DOCTYPE html><html lang="{s.lang}"><head><meta charset="UTF-8"><title>{E(s.title)} &#8211; {E(s.site)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">{_style(s.rng)}<link rel="canonical" href="{s.url}">
<meta property="og:type" content="article"><meta property="og:title" content="{E(s.title)}"><meta property="og:site_name" content="{E(s.site)}">
<meta property="article:published_time" content="{iso}">{_bloat(s.rng, 25)}</head>
<body class="post-template-default single single-post postid-{s.uid}"><div id="page" class="site"><a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header"><div class="site-branding"><p class="site-title"><a href="/">{E(s.site)}</a></p><p class="site-description">{E(ui['nav'][0])} · {E(ui['nav'][1])}</p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">{_nav_links(s, s.host)}</ul></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-{s.uid}" class="post-{s.uid} post type-post status-publish format-standard hentry category-news">
<header class="entry-header"><h1 class="entry-title">{E(s.title)}</h1><div class="entry-meta"><span class="posted-on">{E(ui['published'])} <a href="{s.url}" rel="bookmark"><time class="entry-date published" datetime="{iso}">{_fmt_human(s, s.published, "en") if s.chrome == "en" else iso[:10]}</time></a></span>
<span class="byline"> {E(ui['by'])} <span class="author vcard"><a class="url fn n" href="/author/{s.uid}">{E(s.authors[0])}</a></span></span></div></header>
<div class="entry-content">{''.join(ps)}
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social"><h3 class="sd-title">{E(ui['share'])}:</h3><ul><li><a href="#">Facebook</a></li><li><a href="#">X</a></li><li><a href="#">WhatsApp</a></li><li><a href="#">Email</a></li></ul></div></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>{E(ui['related'])}</em></h3><div class="jp-relatedposts-items">{related}</div></div>
</div><footer class="entry-footer"><span class="cat-links">{E(ui['nav'][0])}</span></footer></article>
<div id="comments" class="comments-area"><h2 class="comments-title">{len(s.comments)} {E(ui['comments'])}</h2><ol class="comment-list">{comments}</ol></div>
</main></div><aside id="secondary" class="widget-area"><section class="widget widget_recent_entries"><h2 class="widget-title">{E(ui['most_read'])}</h2><ul>{recent}</ul></section>
<section class="widget widget_text"><div class="textwidget"><p>{E(ui['newsletter'])}</p></div></section></aside></div>
<footer id="colophon" class="site-footer"><div class="footer-widgets">{_footer_links(s)}</div><div class="site-info">© 2026 {E(s.site)}. {E(ui['rights'])}</div></footer></div>{_bloat(s.rng, 15)}</body></html>"""
    return page, {"body": _expected_body(s, False), "published_at": iso}


def t_portal_id(s: Spec) -> tuple[str, dict]:
    ui = s.C["ui"]
    ra_title, ra_url = s.read_also
    chunks = []
    for j, (kind, text) in enumerate(s.paragraphs):
        if j == 0:
            chunks.append(f"<strong>{E(s.L['cities'][s.uid % 8])}</strong> - {E(text)}")
        elif kind == "h2":
            chunks.append(f"<strong>{E(text)}</strong>")
        else:
            chunks.append(E(text))
        if j == 1:
            chunks.append(f'<table class="linksisip"><tr><td><div class="lihatjg"><strong>{E(ui["read_also"])}</strong> <a href="{ra_url}">{E(ra_title)}</a></div></td></tr></table>')
    # The dateline city is part of the first paragraph as printed.
    body_lines = [f"{s.L['cities'][s.uid % 8]} - {s.paragraphs[0][1]}"] + [t for _, t in s.paragraphs[1:]]
    related = "".join(
        f'<article class="list-content__item"><div class="media"><a href="{u}" class="media__link"><div class="media__image"><img src="/i/{k}.jpg"></div>'
        f'<h3 class="media__title">{E(t)}</h3></a><div class="media__date"><span>{k + 2} jam yang lalu</span></div></div></article>'
        for k, (t, u, _) in enumerate(s.related))
    when = _fmt_human(s, s.published, "id")
    page = f"""<!DOCTYPE html><html lang="id-ID"><head><meta charset="utf-8"><title>{E(s.title)}</title><meta name="description" content="{E(s.paragraphs[0][1][:150])}">
<meta name="publishdate" content="{s.published:%Y/%m/%d %H:%M:%S}"><meta name="author" content="{E(s.authors[0])}"><meta property="og:title" content="{E(s.title)}">
<meta property="og:url" content="{s.url}?utm_source=twitter&amp;utm_medium=social"><meta property="og:site_name" content="{E(s.site)}">{_style(s.rng)}{_bloat(s.rng, 35)}</head>
<body><div class="header"><div class="container"><div class="logo"><a href="/">{E(s.site)}</a></div><div class="menu-top"><ul>{_nav_links(s, s.host, 6)}</ul></div><div class="search"><form><input type="text" placeholder="Cari berita"></form></div></div></div>
<div class="container"><div class="grid-row"><div class="column-8"><div class="detail" id="detail">
<div class="detail__header"><div class="page__breadcrumb"><a href="/">{E(ui['home'])}</a> <a href="/{E(ui['nav'][0])}">{E(ui['nav'][0])}</a></div>
<h1 class="detail__title">{E(s.title)}</h1><div class="detail__author">{E(s.authors[0])} - {E(s.site)}</div><div class="detail__date">{when}</div></div>
<div class="detail__media"><figure class="detail__media-image"><img src="/p/{s.uid}.jpg"><figcaption class="detail__media-caption">{E(_fill(s.rng, "Suasana di {city}. (Foto: {name})", s.L))}</figcaption></figure></div>
<div class="detail__body itp_bodycontent_wrapper"><div class="detail__body-text itp_bodycontent">{"<br><br>".join(chunks)}<br><br><strong>({E(s.authors[0].split()[0].lower())}/{E(s.host[:3])})</strong></div>
<div class="detail__body-tag"><div class="nav"><span>Tag</span> <a href="/tag/a">{E(s.L['cities'][0])}</a> <a href="/tag/b">{E(ui['nav'][1])}</a></div></div></div>
<div class="list-content"><div class="list-content__title"><h2 class="title">{E(ui['related'])}</h2></div>{related}</div>
<div class="detail__komentar"><div class="komentar-box"><h3>{E(ui['comments'])}</h3><p>Silakan login untuk berkomentar.</p></div></div></div></div>
<div class="column-4"><div class="box cb-mostpop"><h2 class="title">{E(ui['most_read'])}</h2><ol>{''.join(f'<li><a href="{u}">{E(t)}</a></li>' for t, u, _ in s.related)}</ol></div></div></div></div>
<div class="footer"><div class="container">{_footer_links(s)}<p class="copyright">Copyright © 2026 {E(s.site)}. {E(ui['rights'])}</p></div></div>{_bloat(s.rng, 20)}</body></html>"""
    return page, {"body": "\n".join(body_lines), "published_at": s.published.isoformat()}


def t_table(s: Spec) -> tuple[str, dict]:
    ui = s.C["ui"]
    paras = "<br><br>\n".join(E(t) if k == "p" else f"<b>{E(t)}</b>" for k, t in s.paragraphs)
    related = "<br>".join(f'· <a href="{u}" class="rel">{E(t)}</a>' for t, u, _ in s.related)
    nav = " | ".join(f'<a href="/s/{k}"><font color="#ffffff">{E(x)}</font></a>' for k, x in enumerate(ui["nav"]))
    page = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>{E(s.title)} - {E(s.site)}</title>
<script language="JavaScript">function popup(u){{window.open(u,'p','width=400');}}</script>{_bloat(s.rng, 12)}</head>
<body bgcolor="#ffffff" topmargin="0"><table width="980" border="0" cellpadding="0" cellspacing="0" align="center">
<tr><td colspan="3" bgcolor="#003366"><font face="Arial" size="5" color="#ffffff"><b>{E(s.site)}</b></font><br>{nav}</td></tr>
<tr><td width="180" valign="top" bgcolor="#eeeeee"><font face="Arial" size="2"><b>{E(ui['nav'][0])}</b><br>{'<br>'.join(f'<a href="/m/{k}">{E(x)}</a>' for k, x in enumerate(ui['nav']))}<br><br><b>{E(ui['most_read'])}</b><br>{'<br>'.join(f'<a href="{u}">{E(t)}</a>' for t, u, _ in s.related[:3])}</font></td>
<td width="600" valign="top" class="texto"><font face="Arial" size="2" color="#666666">{E(ui['nav'][0])} &gt; {E(ui['nav'][3])}</font><br>
<font face="Georgia" size="5"><b>{E(s.title)}</b></font><br><font face="Arial" size="2" color="#666666">{E(_byline(s))}<br>{E(ui['published'])}: {_fmt_human(s, s.published, 'num_gmt')}</font><br><br>
<font face="Georgia" size="3">{paras}</font><br><br>
<table width="100%" bgcolor="#f4f4f4"><tr><td><font face="Arial" size="2"><b>{E(ui['related'])}</b><br>{related}</font></td></tr></table>
<br><font face="Arial" size="1"><a href="javascript:popup('/print/{s.uid}')">{E(ui['share'])}</a> | <a href="/email/{s.uid}">Email</a></font></td>
<td width="200" valign="top"><font face="Arial" size="1">PUBLICIDAD<br><img src="/ads/banner.gif"></font></td></tr>
<tr><td colspan="3" align="center"><font face="Arial" size="1">© 2026 {E(s.site)} - {E(ui['rights'])}</font></td></tr></table></body></html>"""
    return page, {"body": _expected_body(s, False), "published_at": s.published.isoformat()}


def t_react(s: Spec) -> tuple[str, dict]:
    ui = s.C["ui"]
    parts = []
    for j, (kind, text) in enumerate(s.paragraphs):
        if kind == "h2":
            parts.append(f'<div data-component="subheadline-block" class="ssrcss-1x2y3"><h2 class="ssrcss-h2">{E(text)}</h2></div>')
        else:
            parts.append(f'<div data-component="text-block" class="ssrcss-7uxr49-RichTextContainer"><p class="ssrcss-1q0x1qg-Paragraph">{E(text)}</p></div>')
        if j in (2, 5):
            parts.append('<div data-component="ad-slot" class="ssrcss-ad"><div class="dotcom-ad-label">Advertisement</div><div id="dotcom-mpu"></div></div>')
    related = "".join(
        f'<li class="ssrcss-li"><div class="promo"><a href="{u}" class="promo-link"><span>{E(t)}</span></a><p class="promo-paragraph">{E(sn)}</p></div></li>'
        for t, u, sn in s.related)
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": s.title, "datePublished": s.published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
          "dateModified": (s.modified or s.published).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
          "author": [{"@type": "Person", "name": a} for a in s.authors], "publisher": {"@type": "NewsMediaOrganization", "name": s.site},
          "mainEntityOfPage": s.url}
    state = json.dumps({"props": {"page": {"id": s.uid, "blocks": [{"type": "text", "model": t} for _, t in s.paragraphs]}}}, ensure_ascii=False)
    byline = f' {E(ui["and"])} '.join(f'<a href="/authors/{k}" class="author-link">{E(a)}</a>' for k, a in enumerate(s.authors))
    page = f"""<!DOCTYPE html><html lang="{s.lang}"><head><meta charset="utf-8"><title>{E(s.title)} - {E(s.site)}</title><meta name="description" content="{E(s.standfirst)}">
<meta property="og:title" content="{E(s.title)}"><meta property="og:description" content="{E(s.standfirst)}"><meta property="og:site_name" content="{E(s.site)}">
<link rel="canonical" href="/{s.published:%Y/%m/%d}/{s.slug}-{s.uid}"><script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>{_style(s.rng)}{_style(s.rng)}</head>
<body><div id="__next"><div id="onetrust-consent-sdk"><div id="onetrust-banner-sdk" class="otFloatingRoundedCorner" role="dialog"><div class="ot-sdk-container"><p id="onetrust-policy-text">{E(ui['cookie'])}</p><button id="onetrust-accept-btn-handler">{E(ui['accept'])}</button></div></div></div>
<header class="ssrcss-header" role="banner"><a href="/" class="brand">{_svg()}<span>{E(s.site)}</span></a><nav class="ssrcss-nav" aria-label="{E(s.site)}"><ul>{_nav_links(s, s.host, 5)}</ul></nav></header>
<main id="main-content" class="ssrcss-main"><article class="ssrcss-article"><header class="ssrcss-article-header"><div class="ssrcss-kicker">{E(ui['nav'][0])}</div><h1 id="main-heading" class="ssrcss-headline" tabindex="-1">{E(s.title)}</h1></header>
<div data-component="byline-block" class="ssrcss-byline"><div class="ssrcss-contributor"><span>{E(ui['by'])} </span>{byline}</div><time data-testid="timestamp" datetime="{s.published.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.000Z')}">{s.published.day} {E(s.C['months'][s.published.month - 1])} {s.published.year}</time></div>
<div data-component="text-block" class="ssrcss-intro"><p class="ssrcss-standfirst"><b>{E(s.standfirst)}</b></p></div>
{''.join(parts)}
<div data-component="links-block" class="ssrcss-share"><ul><li><a href="#">{E(ui['share'])}</a></li><li>{_svg()}</li></ul></div>
<section data-component="related-links" class="ssrcss-related"><h2 class="ssrcss-section-heading">{E(ui['more'])}</h2><ul>{related}</ul></section></article>
<section class="ssrcss-most-read" aria-labelledby="most-read"><h2 id="most-read">{E(ui['most_read'])}</h2><ol>{''.join(f'<li><a href="{u}"><span>{k + 1}</span>{E(t)}</a></li>' for k, (t, u, _) in enumerate(s.related))}</ol></section></main>
<footer class="ssrcss-footer" role="contentinfo">{_footer_links(s)}<p>© 2026 {E(s.site)}</p></footer></div>
<script id="__NEXT_DATA__" type="application/json">{state}</script>{_bloat(s.rng, 60)}</body></html>"""
    return page, {"body": _expected_body(s, True), "published_at": s.published.isoformat()}


def t_regional_de(s: Spec) -> tuple[str, dict]:
    ui = s.C["ui"]
    ra_title, ra_url = s.read_also
    paras = []
    for j, (kind, text) in enumerate(s.paragraphs):
        paras.append(f"<h2>{E(text)}</h2>" if kind == "h2" else f"<p>{E(text)}</p>")
        if j == 2:
            paras.append(f'<p class="read-also"><span>{E(ui["read_also"])}</span> <a href="{ra_url}">{E(ra_title)}</a></p>')
    comments = "".join(f'<div class="comment"><div class="comment__head"><strong>{E(n)}</strong> <span>{_fmt_human(s, s.published + timedelta(hours=k + 1), "de")}</span></div><p>{E(c)}</p></div>'
                       for k, (n, c) in enumerate(s.comments))
    related = "".join(f'<li><a href="{u}">{E(t)}</a></li>' for t, u, _ in s.related)
    page = f"""<!DOCTYPE html><html lang="{s.lang}"><head><meta charset="utf-8"><title>{E(s.title)} | {E(s.site)}</title><meta name="robots" content="index,follow">
<meta property="og:title" content="{E(s.title)}"><meta property="og:site_name" content="{E(s.site)}">{_style(s.rng)}{_bloat(s.rng, 30)}</head>
<body class="page-article"><div class="cookie-layer" id="cmp"><div class="cmp-inner"><p>{E(ui['cookie'])}</p><a class="btn" href="#">{E(ui['accept'])}</a></div></div>
<div class="page"><header class="page-header"><div class="brand"><a href="/">{E(s.site)}</a></div><nav class="main-nav"><ul>{_nav_links(s, s.host)}</ul></nav></header>
<div class="page-body"><div class="article" id="article-{s.uid}"><header class="article__header"><p class="article__kicker">{E(ui['nav'][4])}</p><h1 class="article__title">{E(s.title)}</h1>
<p class="article__meta"><span class="article__author">{E(_byline(s))}</span> · <time>{_fmt_human(s, s.published, 'de')}</time></p></header>
<div class="article__body"><p class="article__intro"><strong>{E(s.standfirst)}</strong></p>{''.join(paras)}</div>
<div class="article__tags"><span>Themen:</span> <a href="/t/1">{E(ui['nav'][0])}</a> <a href="/t/2">{E(ui['nav'][1])}</a></div>
<aside class="article__more"><h3>{E(ui['related'])}</h3><ul>{related}</ul></aside>
<section class="comments" id="kommentare"><h3>{E(ui['comments'])} ({len(s.comments)})</h3>{comments}</section></div>
<div class="sidebar"><div class="teaser-box"><h3>{E(ui['most_read'])}</h3>{''.join(f'<div class="teaser"><a href="{u}">{E(t)}</a></div>' for t, u, _ in s.related)}</div></div></div>
<footer class="page-footer">{_footer_links(s)}<p>© {E(s.site)} 2026 – {E(ui['rights'])}</p></footer></div>{_bloat(s.rng, 10)}</body></html>"""
    return page, {"body": _expected_body(s, True), "published_at": s.published.isoformat()}


def t_french(s: Spec) -> tuple[str, dict]:
    ui = s.C["ui"]
    ra_title, ra_url = s.read_also
    paras = []
    for j, (kind, text) in enumerate(s.paragraphs):
        paras.append(f'<h2 class="article__sub-title">{E(text)}</h2>' if kind == "h2" else f'<p class="article__paragraph">{E(text)}</p>')
        if j == 1:
            paras.append(f'<section class="catcher catcher--inline"><span class="catcher__title">{E(ui["read_also"].rstrip(" :"))}</span> <a class="catcher__link" href="{ra_url}">{E(ra_title)}</a></section>')
    mod = s.modified or s.published
    related = "".join(f'<div class="teaser"><a class="teaser__link" href="{u}"><span class="teaser__title">{E(t)}</span></a><p class="teaser__desc">{E(sn)}</p></div>' for t, u, sn in s.related)
    page = f"""<!DOCTYPE html><html lang="{s.lang}"><head><meta charset="utf-8"><title>{E(s.title)}</title><link rel="canonical" href="{s.url}?xtor=RSS-3208">
<meta property="og:title" content="{E(s.title)}"><meta property="og:site_name" content="{E(s.site)}"><meta property="article:published_time" content="{s.published.isoformat()}">
<meta property="article:modified_time" content="{mod.isoformat()}"><meta name="author" content="{E(', '.join(s.authors))}">{_style(s.rng)}{_bloat(s.rng, 40)}</head>
<body><header class="Header"><nav class="Nav"><ul>{_nav_links(s, s.host)}</ul></nav></header><main id="habillagepub" class="zone--article">
<article class="article article--content"><section class="article__header"><h1 class="article__title">{E(s.title)}</h1><p class="article__desc">{E(s.standfirst)}</p>
<div class="meta meta__publisher"><span class="meta__author">{E(ui['by'])} {', '.join(f'<a class="article__author-link" href="/signataires/{k}">{E(a)}</a>' for k, a in enumerate(s.authors))}</span>
<span class="meta__date meta__date--header">{E(ui['published'])} {_fmt_human(s, s.published, 'fr')}, {E(ui['updated'])} {_fmt_human(s, mod, 'fr')}</span></div></section>
<section class="article__wrapper"><section class="article__content">{''.join(paras)}</section>
<section class="article__reactions"><div class="article__social">{E(ui['share'])}</div></section></section>
<section class="article__siblings"><h2 class="article__siblings-title">{E(ui['related'])}</h2>{related}</section></article></main>
<footer class="Footer">{_footer_links(s)}<p>{E(s.site)} – {E(ui['rights'])}</p></footer>{_bloat(s.rng, 20)}</body></html>"""
    return page, {"body": _expected_body(s, True), "published_at": s.published.isoformat()}


def t_brief(s: Spec) -> tuple[str, dict]:
    ui = s.C["ui"]
    short = [p for p in s.paragraphs if p[0] == "p"][:3]
    s2 = Spec(**{**s.__dict__, "paragraphs": short})
    msgs = "".join(f'<div class="msg"><div class="msg-head"><b>{E(n)}</b> <i>{_fmt_human(s, s.published + timedelta(hours=k + 1), "pt") if s.chrome == "pt" else k}</i></div><div class="msg-text">{E(c)} {E(s.rng.choice(s.C["comments"]))}</div></div>'
                   for k, (n, c) in enumerate(s.comments * 2))
    page = f"""<!DOCTYPE html><html lang="{'pt-BR' if s.lang == 'pt' else s.lang}"><head><meta charset="utf-8"><title>{E(s.title)} | {E(s.site)}</title>{_bloat(s.rng, 20)}</head>
<body><div class="topo"><a href="/">{E(s.site)}</a><ul class="menu">{_nav_links(s, s.host, 3)}</ul></div>
<div class="wrap"><div class="content"><h1>{E(s.title)}</h1><div class="info">{E(_byline(s))} — {_fmt_human(s, s.published, 'pt') if s.lang == 'pt' else _fmt_human(s, s.published, 'fr').replace(' à ', ' ')}</div>
{''.join(f'<p>{E(t)}</p>' for _, t in short)}</div>
<div class="discussion"><h3>{E(ui['comments'])} ({len(s.comments) * 2})</h3>{msgs}</div>
<div class="more"><h3>{E(ui['more'])}</h3>{''.join(f'<div class="item"><a href="{u}">{E(t)}</a><div>{E(sn)}</div></div>' for t, u, sn in s.related)}</div></div>
<div class="rodape">{_footer_links(s)}</div></body></html>"""
    return page, {"body": _expected_body(s2, False), "published_at": s.published.isoformat()}


def t_itemprop(s: Spec) -> tuple[str, dict]:
    ui = s.C["ui"]
    paras = []
    for j, (kind, text) in enumerate(s.paragraphs):
        paras.append(f"<h3>{E(text)}</h3>" if kind == "h2" else f"<p>{E(text)}</p>")
        if j == 3:
            paras.append(f'<div class="box-newsletter"><p class="box-newsletter__text">{E(ui["newsletter"])}</p><form><input type="email"><button>OK</button></form></div>')
    cards = "".join(f'<div class="card"><a href="{u}" class="card__link"><h4 class="card__title">{E(t)}</h4></a><p class="card__abstract">{E(sn)}</p></div>' for t, u, sn in s.related)
    page = f"""<!DOCTYPE html><html lang="{s.lang}"><head><meta charset="utf-8"><title>{E(s.title)} - {E(s.site)}</title><meta property="og:title" content="{E(s.title)}">
<meta property="og:url" content="{s.url}?ref=home&amp;fbclid=IwAR1">{_style(s.rng)}{_bloat(s.rng, 30)}</head>
<body><div class="header"><ul class="nav-sections">{_nav_links(s, s.host)}</ul></div>
<div class="main" itemscope itemtype="https://schema.org/NewsArticle"><meta itemprop="datePublished" content="{s.published.isoformat()}">
<h1 itemprop="headline">{E(s.title)}</h1><h2 class="sommario" itemprop="description">{E(s.standfirst)}</h2>
<div class="autore"><span itemprop="author" itemscope itemtype="https://schema.org/Person">{E(ui['by'])} <span itemprop="name">{E(s.authors[0])}</span></span> <span class="data">{_fmt_human(s, s.published, 'it') if s.chrome == 'it' else _fmt_human(s, s.published, 'pt')}</span></div>
<div class="testo" itemprop="articleBody">{''.join(paras)}</div>
<div class="correlati"><h3 class="correlati__title">{E(ui['related'])}</h3>{cards}</div></div>
<div class="footer">{_footer_links(s)}<p>{E(ui['rights'])}</p></div>{_bloat(s.rng, 15)}</body></html>"""
    return page, {"body": _expected_body(s, False), "published_at": s.published.isoformat()}


def t_chrome_in_body(s: Spec) -> tuple[str, dict]:
    ui = s.C["ui"]
    related = "".join(f'<li class="list__item"><a href="{u}"><span class="list__title">{E(t)}</span></a></li>' for t, u, _ in s.related)
    paras = "".join(f"<p>{E(t)}</p>" if k == "p" else f"<h2>{E(t)}</h2>" for k, t in s.paragraphs)
    page = f"""<!DOCTYPE html><html lang="{'en-GB' if s.lang == 'en' else s.lang}"><head><meta charset="utf-8"><title>{E(s.title)}</title>{_bloat(s.rng, 25)}</head>
<body><div class="top"><a class="logo" href="/">{E(s.site)}</a><ul class="nav">{_nav_links(s, s.host)}</ul></div>
<div class="container"><div class="artikel"><h1>{E(s.title)}</h1><span class="date">{_fmt_human(s, s.published, 'nl')}</span>
<div class="artikel-tekst">{paras}<p>{E(s.C['ui']['follow'])}</p><p><em>{E(s.C['ui']['tip'])}</em></p></div></div>
<div class="blok"><h2>{E(ui['more'])}</h2><ul class="list list--headlines">{related}</ul></div></div>
<div class="bottom">{_footer_links(s)}</div></body></html>"""
    return page, {"body": _expected_body(s, False), "published_at": s.published.isoformat()}


def t_multipart(s: Spec) -> tuple[str, dict]:
    ui = s.C["ui"]
    paras = s.paragraphs
    cut = [0, max(1, len(paras) // 3), max(2, 2 * len(paras) // 3), len(paras)]
    parts = []
    for k in range(3):
        chunk = "".join(f"<p>{E(t)}</p>" if kind == "p" else f"<h2>{E(t)}</h2>" for kind, t in paras[cut[k]:cut[k + 1]])
        parts.append(f'<div class="article-body__content-part">{chunk}</div>')
    recommended = "".join(f'<li><a href="{u}">{E(t)}</a></li>' for t, u, _ in s.related[:3])
    promo = f'<div class="inline-promo"><p>{E(ui["newsletter"])}</p><a href="/newsletters">{E(ui["accept"])}</a></div>'
    rec = f'<aside class="recommended-inline"><h4>{E(ui["related"])}</h4><ul>{recommended}</ul></aside>'
    when = s.published
    page = f"""<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>{E(s.title)} - {E(s.site)}</title>
<meta property="og:url" content="{s.url}?utm_campaign=share"><link rel="canonical" href="/{when:%Y/%m/%d}/{s.slug}-{s.uid}/"><meta name="author" content="{E(' and '.join(s.authors))}">{_bloat(s.rng, 50)}</head>
<body><div class="site-header"><nav aria-label="Sections"><ul>{_nav_links(s, s.host, 8)}</ul></nav></div>
<div class="page-content"><div class="article-header"><h1 class="headline">{E(s.title)}</h1><p class="byline">{E(_byline(s))}</p>
<time datetime="{when.isoformat()}">{_fmt_human(s, when, 'us') if s.chrome == 'en' else when.isoformat()}</time></div>
<div class="article-body">{parts[0]}{promo}{parts[1]}{rec}{parts[2]}</div>
<div class="article-footer"><p class="copyright">© 2026 {E(s.site)}. {E(ui['rights'])}</p></div></div>
<div class="site-footer">{_footer_links(s)}</div>{_bloat(s.rng, 20)}</body></html>"""
    return page, {"body": _expected_body(s, False), "published_at": when.isoformat()}


def t_text_seed(s: Spec) -> tuple[str, dict]:
    ui = s.C["ui"]
    lines = [t for k, t in s.paragraphs if k == "p"]
    chrome = {"id": ("Indonesia Berita Terbaru, Indonesia Berita utama", "Similar News:Anda juga dapat membaca berita serupa dengan ini yang kami kumpulkan dari sumber berita lain.", "Baca lebih lajut »"),
              "es": ("España Noticias de última hora, España Titulares", "Noticias similares:También puede leer noticias similares que hemos recopilado de otras fuentes.", "Leer más »"),
              "pt": ("Brasil Últimas notícias, Brasil Manchetes", "Notícias semelhantes:Você também pode ler notícias semelhantes que coletamos de outras fontes.", "Leia mais »")}[s.chrome]
    out = list(lines) + [chrome[0], chrome[1]]
    for title, _, snippet in s.related:
        out.append(f"{title}{snippet}")
        out.append(chrome[2])
    del ui
    return "\n".join(out), {"body": "\n".join(lines), "published_at": None}


def t_text_digest(s: Spec) -> tuple[str, dict]:
    ui = s.C["ui"]
    lines = [t for k, t in s.paragraphs if k == "p"]
    out = [s.title, ""] + [x for t in lines for x in (t, "")] + [f"{ui['share']} · {ui['comments']}", ""]
    for title, _, snippet in s.related:
        out.append(f"{title}{snippet}")
        out.append(ui["read_more"])
    out.append(f"© 2026 {s.site}")
    return "\n".join(out), {"body": "\n".join(lines), "published_at": None}


SITES = [
    # (template, site name, host, article languages, chrome language (None = same), zone)
    (t_wordpress, "Harbour Ledger", "harbourledger.example", ["en", "es"], None, "UTC"),
    (t_portal_id, "Nusantara Kini", "nusantarakini.example", ["id"], None, "Asia/Jakarta"),
    (t_table, "Diario del Sur", "diariodelsur.example", ["es", "pt"], "es", "America/Argentina/Buenos_Aires"),
    (t_react, "Continental Wire", "continentalwire.example", ["de", "fr", "es", "it"], "en", "Europe/Berlin"),
    (t_regional_de, "Weser Kurier Land", "weserland.example", ["de", "nl"], None, "Europe/Berlin"),
    (t_french, "Le Quotidien de l'Ouest", "quotidienouest.example", ["fr", "it"], None, "Europe/Paris"),
    (t_brief, "Folha do Litoral", "folhalitoral.example", ["pt", "es"], "pt", "America/Sao_Paulo"),
    (t_itemprop, "Gazzetta del Borgo", "gazzettaborgo.example", ["it", "pt"], "it", "Europe/Rome"),
    (t_chrome_in_body, "Polder Post", "polderpost.example", ["nl", "en"], "nl", "Europe/Amsterdam"),
    (t_multipart, "Midland Courier", "midlandcourier.example", ["en", "id"], "en", "America/New_York"),
    (t_text_seed, "Berita Agregat", "beritaagregat.example", ["en", "de", "fr"], "id", "UTC"),
    (t_text_digest, "Digest Daily", "digestdaily.example", ["es", "nl", "it"], None, "UTC"),
]
TEXT_TEMPLATES = {t_text_seed, t_text_digest}
ZONE_FOR_TEXT_DATES = {"t_regional_de": {"de": "Europe/Berlin", "nl": "Europe/Amsterdam"},
                       "t_chrome_in_body": {"nl": "Europe/Amsterdam", "en": "Europe/London"},
                       "t_brief": {"pt": "America/Sao_Paulo", "es": "Europe/Madrid"}}
"""Templates that print a zone-less local time: the zone a reader of that page would assume."""


def _spec(rng: Random, site: tuple, uid: int) -> Spec:
    template, name, host, langs, chrome, zone = site
    lang = langs[uid % len(langs)]
    L = LANGS[lang]
    zone_name = ZONE_FOR_TEXT_DATES.get(template.__name__, {}).get(lang, zone)
    local = ZoneInfo(zone_name)
    published = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 40 * 24 * 60))
    published = published.astimezone(local).replace(second=0)
    if template is t_table:
        published = published.astimezone(ZoneInfo("America/Argentina/Buenos_Aires"))
    modified = published + timedelta(minutes=rng.randint(30, 2000)) if rng.random() < 0.6 else None
    sentences = rng.sample(L["sentences"], len(L["sentences"]))
    n_paras = rng.randint(4, 8)
    paragraphs: list[tuple[str, str]] = []
    k = 0
    for j in range(n_paras):
        if j in (3, 6) and rng.random() < 0.5:
            paragraphs.append(("h2", rng.choice(L["subheads"])))
        take = rng.randint(1, 3)
        text = " ".join(_fill(rng, sentences[(k + x) % len(sentences)], L) for x in range(take))
        k += take
        paragraphs.append(("p", _capital(text)))
    title = _capital(_fill(rng, rng.choice(L["headlines"]), L))
    standfirst = _capital(_fill(rng, rng.choice(L["sentences"]), L))
    n_auth = 2 if rng.random() < 0.3 else 1
    authors = [f"{rng.choice(L['first'])} {rng.choice(L['last'])}" for _ in range(n_auth)]
    if n_auth == 2 and authors[0] == authors[1]:
        authors = authors[:1]
    related = []
    for r in range(4):
        rt = _capital(_fill(rng, L["headlines"][(uid + r + 1) % len(L["headlines"])], L))
        snippet = _capital(_fill(rng, rng.choice(L["sentences"]), L))
        related.append((rt, f"https://www.{host}/2026/11/{10 + r:02d}/story-{uid * 10 + r}?utm_source=related", snippet))
    read_also = (_capital(_fill(rng, L["headlines"][(uid + 5) % len(L["headlines"])], L)), f"/2026/11/09/story-{uid}-ra")
    chrome_lang = chrome or lang
    comments = [(f"{rng.choice(LANGS[chrome_lang]['first'])}{rng.randint(1, 99)}", c) for c in rng.sample(LANGS[chrome_lang]["comments"], 3)]
    return Spec(name, host, lang, chrome_lang, uid, title, paragraphs, standfirst, authors, published, modified,
                related, read_also, comments, rng)


def generate(seed: int = 11, per_site: int = 15, text_per_site: int = 12) -> list[dict]:
    """The labeled pages, in a fixed order (same seed → byte-identical output)."""
    rng = Random(seed)
    rows = []
    for s_index, site in enumerate(SITES):
        template = site[0]
        count = text_per_site if template in TEXT_TEMPLATES else per_site
        for n in range(count):
            uid = 1000 * (s_index + 1) + n
            spec = _spec(Random(rng.getrandbits(64)), site, uid)
            content, expected = template(spec)
            is_text = template in TEXT_TEMPLATES
            shown = {"t_wordpress": 1, "t_portal_id": 1, "t_itemprop": 1, "t_chrome_in_body": 0}.get(template.__name__)
            authors = [] if is_text else spec.authors[:shown] if shown is not None else spec.authors
            related = [t for t, _, _ in spec.related][:3 if template is t_multipart else 4]
            if template in {t_wordpress, t_portal_id, t_regional_de, t_french}:  # inline "Read also" line
                related.append(spec.read_also[0])
            expected.update({"title": spec.title if not (is_text and template is t_text_seed) else "",
                             "related": related, "authors": authors})
            row = {"id": f"{host_key(site)}-{n:03d}", "site": template.__name__[2:], "lang": spec.lang,
                   "url": spec.url, "content_type": "text/plain" if is_text else "text/html",
                   ("text" if is_text else "html"): content, "expected": expected}
            rows.append(row)
    return rows


def host_key(site: tuple) -> str:
    return site[2].split(".")[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(DEFAULT_OUT))
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--per-site", type=int, default=15)
    args = parser.parse_args(argv)
    rows = generate(args.seed, args.per_site)
    with open(args.out, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    langs = sorted({r["lang"] for r in rows})
    print(json.dumps({"pages": len(rows), "sites": len(SITES), "languages": langs, "out": args.out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
