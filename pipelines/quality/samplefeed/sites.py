"""Ten fake news sites, each with its own HTML template, URL scheme, date style and chrome.

Extraction and boilerplate learning are only tested honestly if the markup differs the way real
sites differ: semantic ``<article>`` markup next to div soup and a table layout, canonical links
that are clean, carry tracking parameters, are relative or missing, dates as ISO meta tags and as
human text in the chrome's language, and chrome (cookie banners, menus, share bars, newsletter
boxes, "read also" links inside the body, comments) that is not article text.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from pipelines.quality.samplefeed.corpus import LANGUAGES, Language

SECTION_INDEX = {"storm": 4, "strike": 2, "budget": 1, "football": 3}
"""Position, in each language's ``@nav`` list, of the section a topic is filed under."""


@dataclass
class PageView:
    """Everything a template needs to draw one page; built by the generator."""

    site: Site
    lang: str
    topic: str
    title: str
    paragraphs: list[str]
    author: str
    published: datetime
    modified: datetime | None
    uid: int
    url: str = ""
    boilerplate: list[str] = field(default_factory=list)
    related: list[tuple[str, str, str]] = field(default_factory=list)
    comments: list[tuple[str, str]] = field(default_factory=list)
    read_also: tuple[str, str] | None = None
    teaser_link: str | None = None
    slug_suffix: str = ""

    @property
    def chrome(self) -> Language:
        """The language of the site's menus and labels (not necessarily the article's)."""
        return LANGUAGES[self.site.chrome]

    @property
    def section(self) -> str:
        """The section label in the chrome's language."""
        return self.chrome.items("nav")[SECTION_INDEX[self.topic]]

    @property
    def slug(self) -> str:
        """A URL slug of the title (accents folded, at most eight words)."""
        return slugify(self.title, 8) + self.slug_suffix

    def local(self, dt: datetime | None = None) -> datetime:
        """A time in the site's own zone (pages show local times)."""
        return (dt or self.published).astimezone(timezone(timedelta(minutes=self.site.tz)))


@dataclass(frozen=True)
class Site:
    """One fake site: identity, the languages it publishes and how it draws URLs and pages."""

    key: str
    domain: str
    name: str
    chrome: str
    langs: dict[str, float]
    tz: int
    url: Callable[[PageView], str]
    render: Callable[[PageView], str]


def slugify(text: str, words: int = 99) -> str:
    """Lower-case ASCII words joined by dashes, as CMSs build URLs."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", folded.lower())[:words])


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _a(text: str) -> str:
    return html.escape(text, quote=True)


def _human(lang: Language, dt: datetime, weekday: bool = True) -> str:
    wd = lang.items("days")[dt.weekday()]
    text = lang.settings["date"].format(wd=wd, d=dt.day, month=lang.settings["month"], y=dt.year)
    return text if weekday else text.split(", ", 1)[-1] if "," in text else text.split(" ", 1)[1]


def _body(v: PageView, tag: str = "p", read_also_at: int = 2, also_cls: str = "read-also") -> str:
    """Article paragraphs with the site's in-body extras (read-also link, boilerplate, more)."""
    out = []
    for i, para in enumerate(v.paragraphs):
        out.append(f"<{tag}>{_e(para)}</{tag}>")
        if v.read_also and i + 1 == read_also_at:
            title, href = v.read_also
            label = v.chrome.ui("read_also")
            out.append(f'<p class="{also_cls}"><strong>{_e(label)}:</strong> '
                       f'<a href="{_a(href)}">{_e(title)}</a></p>')
    out += [f'<p class="copyright">{_e(b)}</p>' for b in v.boilerplate]
    if v.teaser_link:
        out.append(f'<p class="more"><a href="{_a(v.teaser_link)}">'
                   f"{_e(v.chrome.ui('read_more'))} »</a></p>")
    return "\n".join(out)


def _nav(v: PageView, ul: str = "menu") -> str:
    items = "".join(f'<li><a href="/{slugify(n)}/">{_e(n)}</a></li>' for n in v.chrome.items("nav"))
    return f'<ul class="{ul}"><li><a href="/">{_e(v.chrome.ui("home"))}</a></li>{items}</ul>'


def _cookie(v: PageView, cls: str) -> str:
    return (f'<div class="{cls}" role="dialog"><p>{_e(v.chrome.settings["cookie"])}</p>'
            f'<button type="button">{_e(v.chrome.ui("accept"))}</button></div>')


def _share(v: PageView, cls: str) -> str:
    nets = "".join(f'<a class="{cls}__{n.lower()}" href="https://{n.lower()}.example/share?u='
                   f'{_a(v.url)}">{n}</a>' for n in ("Facebook", "X", "WhatsApp", "Email"))
    return f'<div class="{cls}"><span>{_e(v.chrome.ui("share"))}</span>{nets}</div>'


def _comments(v: PageView, cls: str) -> str:
    if not v.comments:
        return ""
    items = "".join(f'<li><span class="author">{_e(n)}</span><p>{_e(t)}</p></li>'
                    for n, t in v.comments)
    return (f'<section class="{cls}"><h3>{_e(v.chrome.ui("comments"))} ({len(v.comments)})'
            f"</h3><ol>{items}</ol></section>")


def _related_list(v: PageView, heading: str, cls: str, relative: bool = False) -> str:
    items = []
    for title, href, snippet in v.related:
        if relative and href.startswith(f"https://{v.site.domain}"):
            href = href[len(f"https://{v.site.domain}"):]
        items.append(f'<li><a href="{_a(href)}">{_e(title)}</a><p>{_e(snippet)}</p></li>')
    return f'<aside class="{cls}"><{heading}>{_e(v.chrome.ui("related"))}</{heading}>' \
           f'<ul>{"".join(items)}</ul></aside>'


def _og(v: PageView, url: str) -> str:
    desc = v.paragraphs[0][:200] if v.paragraphs else ""
    return "\n".join([
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{_a(v.title)}">',
        f'<meta property="og:description" content="{_a(desc)}">',
        f'<meta property="og:url" content="{_a(url)}">',
        f'<meta property="og:site_name" content="{_a(v.site.name)}">',
    ])


def _ld(v: PageView) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": v.title,
            "datePublished": v.local().isoformat(), "author": {"@type": "Person", "name": v.author},
            "publisher": {"@type": "Organization", "name": v.site.name}, "inLanguage": v.lang}
    if v.modified:
        data["dateModified"] = v.local(v.modified).isoformat()
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def _head(v: PageView, title: str, extra: list[str]) -> str:
    return "\n".join(['<meta charset="utf-8">', f"<title>{_e(title)}</title>",
                      '<meta name="viewport" content="width=device-width, initial-scale=1">',
                      *extra])


def _doc(lang: str | None, head: str, body: str, body_cls: str) -> str:
    attr = f' lang="{lang}"' if lang else ""
    return (f"<!DOCTYPE html>\n<html{attr}>\n<head>\n{head}\n</head>\n"
            f'<body class="{body_cls}">\n{body}\n</body>\n</html>\n')


def _footer(v: PageView, cls: str) -> str:
    return (f'<footer class="{cls}"><p>{_e(v.chrome.ui("newsletter"))}</p>'
            f'<p>© 2026 {_e(v.site.name)}. {_e(v.chrome.ui("rights"))}</p>'
            '<a href="/privacy">Privacy</a> · <a href="/impressum">Impressum</a></footer>')


# --- the sites -------------------------------------------------------------------------------

def _harbor(v: PageView) -> str:
    t = v.local()
    iso = t.isoformat().replace("+00:00", "Z")
    head = _head(v, f"{v.title} | {v.site.name}", [
        f'<link rel="canonical" href="{_a(v.url)}">', _og(v, v.url),
        f'<meta property="article:published_time" content="{iso}">',
        f'<meta name="author" content="{_a(v.author)}">', _ld(v)])
    body = "\n".join([
        _cookie(v, "cookie-banner"),
        f'<header class="masthead"><a class="logo" href="/">{v.site.name}</a><nav>{_nav(v)}</nav>'
        "</header>",
        '<main><article class="story">', f'<p class="kicker">{_e(v.section)}</p>',
        f'<h1 class="headline">{_e(v.title)}</h1>',
        f'<div class="byline">{_e(v.chrome.ui("by"))} <a rel="author" href="/profile/'
        f'{slugify(v.author)}">{_e(v.author)}</a> · <time datetime="{iso}">'
        f'{_e(_human(v.chrome, t))}, {t:%H:%M} GMT</time></div>',
        _share(v, "share-bar"), f'<div class="story-body">\n{_body(v)}\n</div></article>',
        _related_list(v, "h2", "related"), _comments(v, "comments"), "</main>",
        _footer(v, "site-footer")])
    return _doc("en-GB", head, body, "article-page")


def _nusa(v: PageView) -> str:
    t = v.local()
    head = _head(v, f"{v.title} - {v.site.name}", [
        f'<link rel="canonical" href="{_a(v.url)}">', _og(v, v.url),
        f'<meta property="article:published_time" content="{t.isoformat()}">',
        f'<meta name="content_PublishedDate" content="{t:%Y-%m-%d %H:%M:%S}">'])
    rel = "".join(f'<div class="terkait__item"><a href="{_a(h)}"><h4>{_e(ti)}</h4></a>'
                  f"<span>{_e(s)}</span></div>" for ti, h, s in v.related)
    body = "\n".join([
        f'<div class="nav-top"><div class="logo"><a href="/">{v.site.name}</a></div>'
        f'{_nav(v, "nav")}</div>', '<div class="container"><div class="col-left">',
        f'<div class="breadcrumb"><a href="/">{_e(v.chrome.ui("home"))}</a> › '
        f"{_e(v.section)}</div>",
        f'<h1 class="read__title">{_e(v.title)}</h1>',
        f'<div class="read__info"><div class="read__author">{_e(v.chrome.ui("by"))}: '
        f'{_e(v.author)}</div><div class="read__time">{_e(_human(v.chrome, t))} | '
        f"{t:%H:%M} WIB</div></div>",
        f'<div class="read__content">\n{_body(v, also_cls="baca-juga")}\n</div>',
        _share(v, "social-share"),
        f'<div class="terkait"><div class="terkait__title">{_e(v.chrome.ui("related"))}</div>'
        f"{rel}</div>", _comments(v, "komentar"), "</div></div>",
        _cookie(v, "cookie-notice"), _footer(v, "footer")])
    return _doc("id", head, body, "read")


def _rhein(v: PageView) -> str:
    t = v.local()
    paras = _body(v).split("\n")
    box = (f'<div class="newsletter-box"><p>{_e(v.chrome.ui("newsletter"))}</p>'
           '<input type="email" placeholder="E-Mail"></div>\n<div class="ad" data-slot="mid">'
           "Anzeige</div>")
    paras.insert(min(3, len(paras)), box)
    head = _head(v, f"{v.title} | {v.site.name}", [
        f'<link rel="canonical" href="{_a(v.url)}">', _og(v, v.url),
        f'<meta name="date" content="{t.isoformat()}">',
        f'<meta name="author" content="{_a(v.author)}">'])
    body = "\n".join([
        f'<header id="kopf"><div class="marke">{v.site.name}</div><nav>{_nav(v, "ressorts")}</nav>'
        "</header>",
        '<div id="inhalt"><article class="artikel">',
        f'<span class="dachzeile">{_e(v.section)}</span><h1>{_e(v.title)}</h1>',
        f'<p class="autor">{_e(v.chrome.ui("by"))} {_e(v.author)}</p>',
        f'<p class="datum"><time datetime="{t.isoformat()}">{t:%d.%m.%Y, %H:%M} Uhr</time></p>',
        '<div class="artikel-text">', *paras, "</div></article>",
        _related_list(v, "h3", "mehr-zum-thema"), _comments(v, "kommentare"), "</div>",
        _footer(v, "fuss"), _cookie(v, "cmp-overlay")])
    return _doc("de", head, body, "artikelseite")


def _sud(v: PageView) -> str:
    t, canon = v.local(), v.url + "?utm_source=rss&utm_medium=feed&utm_campaign=une"
    upd = (f' · {_e(v.chrome.ui("updated"))} {v.local(v.modified):%d/%m/%Y à %Hh%M}'
           if v.modified else "")
    cards = "".join(f'<div class="card"><a class="card__link" href="{_a(h)}">'
                    f'<span class="card__title">{_e(ti)}</span></a><p class="card__chapo">'
                    f"{_e(s)}</p></div>" for ti, h, s in v.related)
    head = _head(v, f"{v.title} – {v.site.name}", [
        f'<link rel="canonical" href="{_a(canon)}">', _og(v, v.url),
        f'<meta property="article:published_time" content="{t.isoformat()}">'])
    body = "\n".join([
        _cookie(v, "bandeau-cookies"),
        f'<header><a href="/" class="logo">{v.site.name}</a>{_nav(v, "rubriques")}</header>',
        '<main class="article">', _share(v, "partage"), f'<h1 class="titre">{_e(v.title)}</h1>',
        f'<div class="signature">{_e(v.chrome.ui("by"))} {_e(v.author)}</div>',
        f'<div class="dates">{_e(v.chrome.ui("published"))} {t:%d/%m/%Y à %Hh%M}{upd}</div>',
        f'<div class="corps">\n{_body(v)}\n</div>', _share(v, "partage"),
        f'<section class="a-lire"><h2>{_e(v.chrome.ui("related"))}</h2>{cards}</section>',
        _comments(v, "reactions"), "</main>", _footer(v, "pied")])
    return _doc("fr", head, body, "page-article")


def _costa(v: PageView) -> str:
    t = v.local()
    head = _head(v, v.title, [_og(v, v.url), _ld(v),
                              f'<meta name="publish-date" content="{t:%Y-%m-%d %H:%M:%S}">'])
    body = "\n".join([
        f'<div id="top"><a href="/" class="brand">{v.site.name}</a>{_nav(v, "secciones")}</div>',
        '<div class="noticia">', f'<h1 itemprop="headline">{_e(v.title)}</h1>',
        f'<div class="firma">{_e(v.chrome.ui("by"))} <b>{_e(v.author)}</b> | '
        f"{_e(_human(v.chrome, t, weekday=False))} - {t:%H:%M} CET</div>",
        f'<div class="cuerpo" itemprop="articleBody">\n{_body(v, read_also_at=3)}\n</div>',
        _related_list(v, "h4", "relacionadas"), _share(v, "compartir"), "</div>",
        _comments(v, "comentarios"), _footer(v, "pie"), _cookie(v, "aviso-cookies")])
    return _doc("es", head, body, "detalle")


def _vale(v: PageView) -> str:
    t = v.local()
    hours = 1 + v.uid % 5
    feed = "".join(f'<div class="feed-post"><a class="feed-post-link" href="{_a(h)}">{_e(ti)}</a>'
                   f'<div class="feed-post-body-resumo">{_e(s)}</div></div>'
                   for ti, h, s in v.related)
    head = _head(v, f"{v.title} | {v.site.name}", [
        f'<link rel="canonical" href="{_a(v.url)}">', _og(v, v.url), _ld(v),
        f'<meta itemprop="datePublished" content="{t.isoformat()}">'])
    body = "\n".join([
        _cookie(v, "lgpd-banner"),
        f'<header class="header"><a href="/">{v.site.name}</a>{_nav(v, "menu-editorias")}</header>',
        f'<div class="content-head"><h1 class="content-head__title">{_e(v.title)}</h1></div>',
        f'<p class="content-publication-data__from">{_e(v.chrome.ui("by"))} {_e(v.author)}</p>',
        f'<p class="content-publication-data__updated">{t:%d/%m/%Y %Hh%M} · '
        f"Atualizado há {hours} hora{'s' if hours > 1 else ''}</p>",
        _share(v, "share-bar"), f'<div class="mc-article-body">\n{_body(v)}\n</div>',
        f'<div class="veja-tambem"><h3>{_e(v.chrome.ui("related"))}</h3>{feed}</div>',
        _comments(v, "comentarios"), _footer(v, "footer")])
    return _doc("pt-BR", head, body, "materia")


def _lago(v: PageView) -> str:
    t = v.local()
    rows = "".join(f'<TR><TD><A HREF="{_a(h)}">{_e(ti)}</A><BR><FONT SIZE="1">{_e(s)}</FONT>'
                   "</TD></TR>" for ti, h, s in v.related)
    paras = "\n".join(f"<P>{_e(p)}</P>" for p in v.paragraphs + v.boilerplate)
    if v.teaser_link:
        paras += f'\n<P><A HREF="{_a(v.teaser_link)}">{_e(v.chrome.ui("read_more"))}</A></P>'
    nav = " | ".join(f'<A HREF="/{slugify(n)}/">{_e(n)}</A>' for n in v.chrome.items("nav"))
    page = "\n".join([
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">", "<HTML><HEAD>",
        '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=utf-8">',
        f"<TITLE>{v.site.name} - {_e(v.title)}</TITLE></HEAD>",
        '<BODY BGCOLOR="#FFFFFF"><TABLE WIDTH="100%" BORDER="0">',
        f'<TR><TD COLSPAN="2"><FONT SIZE="5"><B>{v.site.name}</B></FONT><BR>{nav}</TD></TR>',
        '<TR><TD WIDTH="70%" VALIGN="top">',
        f'<FONT FACE="Georgia" SIZE="4"><B>{_e(v.title)}</B></FONT><BR>',
        f'<I>{_e(v.chrome.ui("published"))} {_e(_human(v.chrome, t))}, ore {t:%H:%M} - '
        f"{_e(v.chrome.ui('by'))} {_e(v.author)}</I>", paras,
        f'</TD><TD WIDTH="30%" VALIGN="top"><TABLE BORDER="1"><TR><TH>'
        f"{_e(v.chrome.ui('related'))}</TH></TR>{rows}</TABLE></TD></TR>",
        f'<TR><TD COLSPAN="2"><FONT SIZE="1">© 2026 {v.site.name} - '
        f"{_e(v.chrome.ui('rights'))} P.IVA 01234567890</FONT></TD></TR>",
        "</TABLE></BODY></HTML>", ""])
    return page.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _delta(v: PageView) -> str:
    t = v.local()
    short = f"{v.chrome.items('days')[t.weekday()][:2]} {t.day} {v.chrome.settings['month'][:3]}"
    path = v.url.split(v.site.domain, 1)[1]
    head = _head(v, f"{v.title} | {v.site.name}", [
        f'<link rel="canonical" href="{_a(path)}">', _og(v, v.url)])
    body = "\n".join([
        f'<nav class="hoofdmenu">{_nav(v, "menu")}</nav>',
        '<article class="artikel">', f'<header><h1>{_e(v.title)}</h1>',
        f'<p class="meta"><time datetime="{t.isoformat()}">{short} {t.year}, {t:%H:%M}</time>'
        f" · {_e(v.author)}</p></header>", f'<section class="tekst">\n{_body(v)}\n</section>',
        _share(v, "deel"), "</article>", _related_list(v, "h2", "meer-nieuws", relative=True),
        _comments(v, "reacties"), _cookie(v, "cookiewall"), _footer(v, "voet")])
    return _doc("nl", head, body, "nieuws")


def _pulse(v: PageView) -> str:
    t = v.local()
    canon = v.url + "?utm_source=globalpulse&utm_medium=referral"
    lang_attr = f' lang="{v.lang}"' if v.uid % 2 else ""
    head = _head(v, f"{v.title} — {v.site.name}", [
        f'<link rel="canonical" href="{_a(canon)}">', _og(v, v.url),
        f'<meta name="pubdate" content="{t:%Y%m%dT%H%M%SZ}">'])
    hour = t.hour % 12 or 12
    body = "\n".join([
        f'<div class="gp-top">{_nav(v, "gp-nav")}</div>', _cookie(v, "gp-consent"),
        f'<div class="gp-story"{lang_attr}>', f'<h1 class="gp-title">{_e(v.title)}</h1>',
        f'<div class="gp-meta">{_e(v.author)} · {t:%b} {t.day}, {t.year} at {hour}:{t:%M} '
        f"{'AM' if t.hour < 12 else 'PM'} UTC</div>", _share(v, "gp-share"),
        f'<div class="gp-text">\n{_body(v)}\n</div></div>',
        _related_list(v, "h3", "gp-similar"), _footer(v, "gp-footer")])
    return _doc("en", head, body, "gp")


def _wire(v: PageView) -> str:
    t = v.local()
    head = _head(v, f"{v.title} | {v.site.name}", [f'<link rel="canonical" href="{_a(v.url)}">',
                                                  f'<meta name="DC.date" content="{t:%Y-%m-%d}">'])
    body = "\n".join([
        f'<div id="hdr">{v.site.name} — {_e(v.chrome.ui("home"))}</div>',
        f'<div id="story"><h2 class="headline">{_e(v.title)}</h2>',
        f'<div class="dateline-meta">{t:%Y-%m-%d %H:%M} UTC · {_e(v.lang.upper())} · '
        f"{_e(v.author)}</div>", f'<div class="text">\n{_body(v)}\n</div></div>',
        _related_list(v, "h4", "wire-related"),
        f'<div id="ftr">{_e(v.chrome.ui("rights"))} Redistribution prohibited.</div>'])
    return _doc("en", head, body, "wire")


def _u(fmt: str) -> Callable[[PageView], str]:
    """A URL builder from a format string over a few page fields."""
    return lambda v: fmt.format(v=v, t=v.local(), s=slugify(v.section), slug=v.slug, uid=v.uid)


_ALL = {"en": 1.0, "de": 1.0, "fr": 1.0, "es": 1.0, "pt": 1.0, "it": 1.0, "nl": 1.0}
SITES: list[Site] = [
    Site("dailyharbor", "www.dailyharbor.example", "The Daily Harbor", "en", {"en": 1.0}, 0,
         _u("https://www.dailyharbor.example/{s}/{t:%Y/%m/%d}/{slug}"), _harbor),
    Site("kabarnusa", "kabarnusa.example", "KabarNusa", "id", {"id": 1.0, "en": 0.4}, 420,
         _u("https://kabarnusa.example/read/{t:%Y/%m/%d}/{uid}/{slug}"), _nusa),
    Site("rheinpost", "www.rheinpost.example", "Rheinische Abendpost", "de", {"de": 1.0}, 60,
         _u("https://www.rheinpost.example/{s}/{slug}-id{uid}.html"), _rhein),
    Site("quotidiensud", "www.quotidiensud.example", "Le Quotidien du Sud", "fr", {"fr": 1.0}, 60,
         _u("https://www.quotidiensud.example/{s}/{slug}_{uid}"), _sud),
    Site("eldiariocosta", "eldiariocosta.example", "El Diario de la Costa", "es", {"es": 1.0}, 60,
         _u("https://eldiariocosta.example/{s}/{t:%Y-%m-%d}/{slug}.html"), _costa),
    Site("folhadovale", "www.folhadovale.example", "Folha do Vale", "pt", {"pt": 1.0}, -180,
         _u("https://www.folhadovale.example/{s}/noticia/{t:%Y/%m/%d}/{slug}.ghtml"), _vale),
    Site("gazzettalago", "www.gazzettalago.example", "Gazzetta del Lago", "it", {"it": 1.0}, 60,
         _u("https://www.gazzettalago.example/{s}/{slug}-a{uid}"), _lago),
    Site("nieuwsdelta", "www.nieuwsdelta.example", "Nieuwsblad Delta", "nl", {"nl": 1.0}, 60,
         _u("https://www.nieuwsdelta.example/{s}/{uid}/{slug}"), _delta),
    Site("globalpulse", "globalpulse.example", "GlobalPulse", "en",
         {**{k: 0.15 for k in _ALL}, "id": 0.3}, 0,
         _u("https://globalpulse.example/{v.lang}/story/{uid}-{slug}"), _pulse),
    Site("meridianwire", "wire.meridianpress.example", "Meridian Press Wire", "en",
         {k: 0.12 for k in _ALL}, 0, _u("https://wire.meridianpress.example/article/MP{uid}"),
         _wire),
]
SITE_BY_KEY = {s.key: s for s in SITES}

AGGREGATORS: dict[str, tuple[str, str, str, str]] = {
    "id": ("Indonesia Berita Terbaru, Indonesia Berita utama",
           "Similar News:Anda juga dapat membaca berita serupa dengan ini yang kami kumpulkan dari "
           "sumber berita lain.", "Baca lebih lajut »", "berita"),
    "de": ("Deutschland Neueste Nachrichten, Deutschland Schlagzeilen",
           "Ähnliche Nachrichten:Sie können auch ähnliche Nachrichten lesen, die wir aus anderen "
           "Nachrichtenquellen gesammelt haben.", "Weiterlesen »", "nachrichten"),
    "es": ("España Últimas noticias, España Titulares",
           "Noticias similares:También puede leer noticias similares a esta que hemos recopilado "
           "de otras fuentes.", "Leer más »", "noticias"),
}
"""Text/plain aggregators shaped like the seed page: (chrome line, similar-news header, "more"
line, URL path word), keyed by chrome language."""


def aggregator_text(chrome: str, paragraphs: list[str], similar: list[tuple[str, str]]) -> str:
    """A text/plain aggregator page: article lines, a chrome line, then glued similar items."""
    line, header, more, _ = AGGREGATORS[chrome]
    items = [f"{title}{teaser}\n{more}" for title, teaser in similar]
    return "\n".join([*paragraphs, line, header, *items])


def render_empty(v: PageView) -> str:
    """A page with chrome only (a video page whose player failed to load): no article text."""
    body = "\n".join([_cookie(v, "cookie-banner"), f"<header>{_nav(v)}</header>",
                      f'<main><div class="video-player" data-id="v{v.uid}"></div></main>',
                      _footer(v, "site-footer")])
    return _doc(v.site.chrome, _head(v, v.site.name, []), body, "video-page")
