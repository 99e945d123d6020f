"""HTML → blocks → article, related items and metadata, on lexbor (selectolax).

Why this shape: a bare lexbor parse costs ~0.1 ms, so the budget goes to one Python pass over the
DOM that turns it into *blocks* (the text of each block-level element, with its link share, tag,
ancestor path and class/id hints). Every later decision works on that flat list:

1. the main content container is the element whose blocks score best (text of prose-like blocks
   minus a penalty for link lists, short chrome, hinted chrome and related lists), so an article
   split by ad slots into sibling parts still wins as one container;
2. blocks inside it are article unless they are link lists, hinted chrome, short labelled chrome
   or bylines; a standfirst just above it is kept;
3. related/similar/more-news regions (by class/id, or a heading in the lexicon) become items
   (title, URL, snippet) and inline "Read also: …" lines become items too.

The walk is iterative (no recursion limit) and refuses pages nested deeper than MAX_DEPTH."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import tzinfo

import orjson
from selectolax.lexbor import LexborHTMLParser, LexborNode

from pipelines.core.extract import dates
from pipelines.core.extract.errors import ExtractError
from pipelines.core.extract.lexicon import (
    AUTHOR_SEPARATORS,
    BYLINE_PREFIX,
    CHROME_LINE,
    NAME_PARTICLES,
    READ_ALSO,
    READ_MORE_LINE,
    RELATED_HEADING,
    ROLE_WORDS,
    TIME_AGO,
    UPDATED_LABEL,
)

MAX_DEPTH = 1500
"""Deeper DOMs are pathological (real pages stay under ~60 levels); they go to the dead letters."""
MAX_BLOCKS = 20000
"""More text blocks than this is not a page but a dump; refused rather than scored."""
PRESCAN_TAGS = 8000
"""lexbor's tree building is quadratic in nesting depth (100k nested <div>s take ~15 s), so pages
with more tags than this get a linear depth scan before parsing; below it the worst case parses
in ~0.1 s and the walk's own depth check is enough."""
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,15})")
_NO_NESTING = frozenset(
    [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
        "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot", "colgroup",
        "rb", "rt", "rp", "a",
    ]
)

BLOCK_TAGS = frozenset(
    [
        "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "dir", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hgroup", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "thead", "tfoot", "tr", "td", "th", "caption", "ul", "legend",
    ]
)
SKIP_TAGS = frozenset(
    [
        "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas", "video",
        "audio", "select", "option", "button", "textarea", "input", "head", "title", "meta", "link", "img",
        "picture", "source", "map", "area", "frameset", "frame", "applet",
    ]
)
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
NEGATIVE_TAGS = frozenset({"nav", "footer", "aside", "form", "dialog", "menu", "figcaption", "caption", "label"})
NEGATIVE_ROLES = frozenset({"navigation", "complementary", "contentinfo", "banner", "menu", "dialog", "search"})

def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NEG_TOKENS = _word_set(
    """comment comments commentlist commentary share shares sharing sharebar social socials sidebar footer cookie
    cookies consent newsletter newsletters subscribe subscription signup promo promos advert adverts advertisement
    advertising sponsor sponsored breadcrumb breadcrumbs popup modal outbrain taboola byline caption credit credits
    paywall masthead toolbar pagination pager disqus discussion reaction reactions replies komentar kommentar
    kommentare commenti comentario comentarios reacties mostpopular mostread popular nav navbar navigation menu ad ads
    adslot tag tags meta author authors bio print login aside banner header topbar skip trending follow rating
    utility dateline timestamp date time cloud"""
)
"""Class/id words that name chrome, matched as whole tokens of a class name (split on `-`, `_`,
camelCase): as substrings they hit ordinary wrappers (`content-sidebar-wrap`, `overflow-hidden`,
atomic-CSS names, `subscriber-premium`). "widget" and "hidden" are not here: frameworks put them on
every element (Elementor `elementor-widget-container`, Blogger `widget Blog`, Tailwind `hidden
lg:block`), so on real pages they say nothing about the role."""
_COLLAPSE_TAGS = frozenset({"nav", "footer", "form", "menu", "dialog"})
_COLLAPSE_TOKENS = _word_set(
    """menu footer cookie cookies consent share shares sharing sharebar social socials newsletter newsletters
    subscribe subscription advert adverts advertisement breadcrumb breadcrumbs comment comments commentlist
    discussion sidebar dropdown popup modal outbrain taboola mostpopular mostread popular trending nav navbar
    navigation ad ads adslot"""
)
"""Chrome subtrees that become one boilerplate block without a Python walk over their nodes (menus,
footers, rails and comment lists are most of a real page's DOM) — unless they hold a related list
or prose (see COLLAPSE_PROSE)."""
_TAXONOMY = frozenset({"tag", "category", "cat", "author", "format", "status", "type", "postid", "term", "taxonomy"})
"""CMS label prefixes (WordPress `tag-<slug>`, `category-<slug>`, `author-<slug>` on <article> and
<body>): the words after them are a slug, and the prefix itself names no role."""
_LAYOUT = frozenset({"wrap", "wrapper", "container", "holder", "inner", "outer", "layout", "grid", "row", "area"})
_CONTENT = frozenset({"content", "main", "article", "post", "entry", "body", "page", "story", "primary"})
_CLASS_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])")
_TOKEN_CACHE: dict[str, tuple[bool, bool, bool, bool, bool]] = {}
COLLAPSE_PROSE = 500
"""A chrome-hinted subtree with this many characters in long lines (≥ 100) is walked, not folded:
a rule must not fold away the page's prose (a <form> or a `sidebar` wrapper around the article)."""
_COMMENT_TOKENS = _word_set(
    """comment comments commentlist disqus discussion replies reactions komentar kommentar kommentare commenti
    comentario comentarios reacties"""
)
"""Readers' comments are prose under a chrome hint; the one hint kept as text evidence (a thread
that outweighs a short post is still not the post)."""


def _hint_flags(hint: str) -> tuple[bool, bool, bool, bool, bool]:
    """(chrome, collapsible, comments, related, lead) from the class/id of an element, cached per
    hint string (a page repeats the same few hundred class strings on thousands of elements)."""
    found = _TOKEN_CACHE.get(hint)
    if found is not None:
        return found
    tokens: set[str] = set()
    for name in hint.split():
        parts = [t.lower() for t in _CLASS_SPLIT.split(name) if t]
        if len(parts) > 1 and parts[0] in _TAXONOMY:
            parts = [t for t in parts[1:] if t in {"bio", "box", "info", "cloud", "list", "links"}]
        elif len(parts) > 2 and parts[-1] in _LAYOUT and not _CONTENT.isdisjoint(parts):
            continue  # `content-sidebar-wrap`: a layout wrapper of the content and its rail
        tokens.update(parts)
    found = (not tokens.isdisjoint(_NEG_TOKENS), not tokens.isdisjoint(_COLLAPSE_TOKENS),
             not tokens.isdisjoint(_COMMENT_TOKENS), bool(_REL_HINT.search(hint)), bool(_LEAD_HINT.search(hint)))
    if len(_TOKEN_CACHE) > 50_000:
        _TOKEN_CACHE.clear()
    _TOKEN_CACHE[hint] = found
    return found


_REL_HINT = re.compile(
    r"related|similar|recommend|more-?news|more-?stories|read-?also|readalso|see-?also|also-?read|baca-?juga"
    r"|terkait|mehr-?zum|lesen-?sie|a-?lire|correlat|relacionad|relacionat|gerelateerd|lees-?ook|further"
    r"|next-?articles?|next-?stor(?:y|ies)|up-?next",
    re.IGNORECASE,
)
_POS_HINT = re.compile(
    r"article|content|story|entry|post|text|main|prose|body|artikel|berita|isi|detail|inhalt|contenu|contenido"
    r"|conteudo|testo|corpo|tekst",
    re.IGNORECASE,
)
_LEAD_HINT = re.compile(
    r"standfirst|lead|summary|intro|dek|teaser|excerpt|desc|subtitle|subhead|sapo|chapo|chapeau|kicker"
    r"|abstract|deck|bajada|sottotitolo|occhiello|entradilla|vorspann",
    re.IGNORECASE,
)
_NOSCRIPT = re.compile(r"<(/?)noscript\b", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…:;。」\"”’»)]$")
_WORD = re.compile(r"\w+")
_SITE_SUFFIX = re.compile(r"\s+[|\-–—:·•»]\s+[^|\-–—:·•»]{2,60}$")
_ARTICLE_TYPES = frozenset(
    {"newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle", "opinionnewsarticle",
     "webpage", "liveblogposting", "backgroundnewsarticle", "socialmediaposting", "report"}
)


@dataclass(slots=True)
class Block:
    """The text of one block-level element (or of a run of inline text between two of them)."""

    text: str
    tag: str
    path: tuple[int, ...]
    link_chars: int
    links: list[tuple[str, str]]
    neg_pos: int  # index in `path` of the innermost chrome-hinted ancestor, -1 if none
    rel_pos: int  # index in `path` of the outermost related-hinted ancestor, -1 if none
    lead_hint: bool
    negs: tuple[int, ...] = ()  # `path` indexes of every chrome-hinted ancestor
    rels: tuple[int, ...] = ()  # `path` indexes of every related-hinted ancestor
    folded: bool = False  # a chrome subtree folded into one block without a walk
    comment: bool = False  # inside a comments-hinted element
    size: int = -1  # text length in Latin-equivalent characters (see _size), computed once
    kind: str = "boilerplate"
    score: float = 0.0

    @property
    def link_density(self) -> float:
        return self.link_chars / max(1, len(self.text))


@dataclass
class HtmlResult:
    """What the HTML extractor finds; page.py turns it into the Article record."""

    blocks: list[Block] = field(default_factory=list)
    title: str = ""
    title_index: int = -1
    related: list[dict] = field(default_factory=list)
    canonical: str = ""
    site_name: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: int | None = None
    modified_at: int | None = None
    lang: str = ""


@dataclass
class _Walk:
    """Mutable state of the DOM walk."""

    blocks: list[Block] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    links: list[tuple[str, str]] = field(default_factory=list)
    br_run: int = 0


def _hint(attrs: dict) -> str:
    return " ".join(v for k in ("class", "id", "itemprop", "data-component", "data-testid") if (v := attrs.get(k)))


_NO_HINT = (False, False, False, False, False)


_SENTENCE_MARK = re.compile(r"[.!?](?=\s+[\"“„«(]?[A-ZÀ-ÖØ-ÞĀ-Ž])|[。！？]")
FOLD_SENTENCES = 8
"""A chrome candidate with this many sentence ends holds prose and is walked: menus, share bars
and footers are words without sentences, while inline markup can cut a paragraph into text
nodes shorter than the long-line test sees."""


def _fold_evidence(text: str) -> tuple[bool, bool]:
    """(a short line opens a related list, the text holds prose) of a chrome candidate's text,
    with lines as node.text(separator="\\n") gives them."""
    related = False
    long_chars = 0
    match = RELATED_HEADING.match
    for line in text.split("\n"):
        n = len(line)
        if n >= 100:
            long_chars += n
        elif not related and n < 80 and match(line.strip()):
            related = True
    prose = long_chars >= COLLAPSE_PROSE or (
        len(text) >= 600 and len(_SENTENCE_MARK.findall(text)) >= FOLD_SENTENCES)
    return related, prose


def _walk(root: LexborNode, keep_hidden: bool = False) -> tuple[list[Block], list[int], list[str]]:
    """One pass over the DOM: blocks in document order, plus each element's parent and tag."""
    state = _Walk()
    parents: list[int] = [-1]
    tags: list[str] = [root.tag or "body"]
    path: list[int] = [0]
    owner_tags: list[str] = [root.tag or "body"]
    neg_stack: list[int] = []  # path indexes of chrome-hinted ancestors
    rel_stack: list[int] = []
    lead_stack: list[int] = []
    link_stack: list[tuple[str, list[str], int]] = []
    open_marks = [0]  # comments-hinted ancestors open
    frames: list[tuple] = [(root.iter(include_text=True), 0, False, False, False, False, False, False)]

    def flush() -> None:
        if state.parts:
            text = " ".join("".join(state.parts).split())
            if text:
                if len(state.blocks) >= MAX_BLOCKS:
                    raise ExtractError(f"more than {MAX_BLOCKS} text blocks", "PathologicalPage")
                state.blocks.append(Block(
                    # text after the root's last child is flushed once the root's frame has closed
                    text, owner_tags[-1], tuple(path) or (0,), min(state.link_chars, len(text)), state.links,
                    neg_stack[-1] if neg_stack else -1, rel_stack[0] if rel_stack else -1, bool(lead_stack),
                    tuple(neg_stack), tuple(rel_stack), False, open_marks[0] > 0,
                ))
                state.links = []
            state.parts = []
        state.link_chars = 0
        state.br_run = 0

    while frames:
        iterator = frames[-1][0]
        node = next(iterator, None)
        if node is None:
            _, eid, is_block, is_neg, is_rel, is_lead, is_link, marks = frames.pop()
            if marks:
                open_marks[0] -= 1
            if is_link:
                href, texts, first_block = link_stack.pop()
                text = " ".join("".join(texts).split())
                if text:
                    if first_block < len(state.blocks):  # <a><h3>…</h3></a>: the link belongs to that block
                        state.blocks[first_block].links.append((href, text))
                    else:
                        state.links.append((href, text))
            if is_block:
                flush()
                owner_tags.pop()
            if is_neg:
                neg_stack.pop()
            if is_rel:
                rel_stack.pop()
            if is_lead:
                lead_stack.pop()
            path.pop()
            continue
        tag = node.tag
        if tag == "-text":
            text = node.text_content
            if text:
                state.parts.append(text)
                if not text.isspace():
                    state.br_run = 0
                    if link_stack:
                        state.link_chars += len(text.strip())
                        for _, texts, _ in link_stack:
                            texts.append(text)
            continue
        if not tag or tag[0] == "-" or tag in SKIP_TAGS:
            continue
        if tag == "br":
            # "<br><br>" ends a paragraph; one <br> ends a short line (table layouts put the
            # breadcrumb, headline, byline and date on consecutive <br> lines).
            state.br_run += 1
            if state.br_run >= 2 or sum(map(len, state.parts)) < 120:
                flush()
            else:
                state.parts.append(" ")
            continue
        attrs = node.attributes
        if not keep_hidden:
            if "hidden" in attrs or attrs.get("aria-hidden") == "true":
                continue
            style = attrs.get("style")
            if style and _HIDDEN_STYLE.search(style):
                continue
        if len(path) >= MAX_DEPTH:
            raise ExtractError(f"DOM nested deeper than {MAX_DEPTH} levels", "PathologicalNesting")
        eid = len(tags)
        parents.append(path[-1])
        tags.append(tag)
        hint = _hint(attrs)
        hint_neg, hint_collapse, hint_comment, is_rel, is_lead = _hint_flags(hint) if hint else _NO_HINT
        if (tag in _COLLAPSE_TAGS or hint_collapse) and not rel_stack and not is_rel:
            text = node.text(deep=True, separator="\n") or ""
            related, prose = _fold_evidence(text)
            if not related and not prose:
                flush()
                text = " ".join(text.split())
                if text:
                    state.blocks.append(Block(text, tag, (*path, eid), 0, [], len(path), -1, False,
                                              (*neg_stack, len(path)), tuple(rel_stack), True,
                                              hint_comment or open_marks[0] > 0))
                continue
        # An inline element that names itself chrome (<span class="caption">, a credit line) is a
        # block of its own: merged into its parent's text it would carry no hint at all.
        is_block = tag in BLOCK_TAGS or (hint_neg and tag != "a")
        if is_block:
            flush()
            owner_tags.append(tag)
        path.append(eid)
        is_neg = tag in NEGATIVE_TAGS or attrs.get("role") in NEGATIVE_ROLES or hint_neg or hint_collapse
        if is_neg:
            neg_stack.append(len(path) - 1)
        if is_rel:
            rel_stack.append(len(path) - 1)
        if is_lead:
            lead_stack.append(len(path) - 1)
        is_link = tag == "a"
        if is_link:
            link_stack.append((attrs.get("href") or "", [], len(state.blocks)))
        if hint_comment:
            open_marks[0] += 1
        frames.append((node.iter(include_text=True), eid, is_block, is_neg, is_rel, is_lead, is_link, hint_comment))
    flush()
    return state.blocks, parents, tags


# ---------------------------------------------------------------- metadata from <head> and JSON-LD


def _json_ld_objects(tree: LexborHTMLParser) -> list[dict]:
    found: list[dict] = []
    for node in tree.css('script[type="application/ld+json"]'):
        raw = node.text(deep=True) or ""
        if not raw.strip() or len(raw) > 2_000_000:
            continue
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        stack = [data]
        while stack and len(found) < 50:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item[:50]))
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                found.append(item)
    return found


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _ld_article(objects: list[dict]) -> dict:
    for obj in objects:
        if _types(obj) & (_ARTICLE_TYPES - {"webpage"}):
            return obj
    for obj in objects:
        if "webpage" in _types(obj) and ("datePublished" in obj or "headline" in obj):
            return obj
    return {}


def _names(value: object) -> list[str]:
    """Person names from a JSON-LD author/publisher value (string, object or list of either)."""
    out: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items[:20]:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            out.append(item["name"])
    return out


def _meta(tree: LexborHTMLParser) -> dict[str, str]:
    """First value of each <meta name|property|itemprop> (lower-cased key) and of <link rel>."""
    found: dict[str, str] = {}
    for node in tree.css("meta"):
        attrs = node.attributes
        key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
        value = attrs.get("content")
        if key and value and value.strip():
            found.setdefault(key.strip().lower(), value.strip())
    for node in tree.css("link[rel]"):
        attrs = node.attributes
        rel = (attrs.get("rel") or "").strip().lower()
        if rel in {"canonical", "author"} and attrs.get("href"):
            found.setdefault(f"link:{rel}", attrs["href"].strip())
    return found


def _time_elements(tree: LexborHTMLParser) -> list[tuple[str, str, str]]:
    """(datetime attribute, hint, text) of <time> and itemprop date elements in the body."""
    out = []
    for node in tree.css("time, [itemprop=datePublished], [itemprop=dateModified]"):
        attrs = node.attributes
        value = attrs.get("datetime") or attrs.get("content") or ""
        hint = f"{_hint(attrs)} {node.parent.attributes.get('class') or '' if node.parent else ''}"
        out.append((value, hint, (node.text(deep=True) or "")[:200]))
        if len(out) > 40:
            break
    return out


# ---------------------------------------------------------------- authors


def clean_authors(raw: list[str]) -> list[str]:
    """Names from bylines and metadata: prefixes, roles, URLs and duplicates removed, order kept."""
    out: list[str] = []
    seen: set[str] = set()
    for value in raw:
        value = " ".join((value or "").split())
        if not value or "://" in value or len(value) > 200:
            continue
        value = BYLINE_PREFIX.sub("", value)
        for part in AUTHOR_SEPARATORS.split(value):
            part = part.strip(" .|·-–—()")
            words = part.split()
            if not 1 <= len(words) <= 5 or ROLE_WORDS.search(part) or any(ch.isdigit() for ch in part):
                continue
            if not all(w[:1].isupper() or w.lower() in NAME_PARTICLES for w in words) or len(words) < 2:
                continue
            if part.lower() not in seen:
                seen.add(part.lower())
                out.append(part)
    return out


_BYLINE_CSS = ('[rel="author"], [itemprop="author"] [itemprop="name"], [itemprop="author"], [class*="author"], '
               '[class*="byline"], [class*="Byline"], [class*="Author"]')


def _byline_nodes(tree: LexborHTMLParser) -> list[str]:
    """Author names from elements marked as authors or bylines (first marked element that yields names)."""
    body = tree.body
    if body is None:
        return []
    for node in body.css(_BYLINE_CSS)[:12]:
        attrs = node.attributes
        if _NEG_COMMENT.search(_hint(attrs)):
            continue
        text = " ".join((node.text(deep=True, separator=" ") or "").split())
        if not text or len(text) > 160:
            continue
        text = re.split(r"\s+[|·•]\s+|\s+[–—]\s+|,\s*(?=\d)|\s+(?=\d{1,2}[./])", text)[0]
        names = clean_authors([text])
        if names:
            return names
    return []


_NEG_COMMENT = re.compile(r"comment|reply|discussion", re.IGNORECASE)


# ---------------------------------------------------------------- the extraction


LONG_HEADING = 150
"""A heading element this long holds a paragraph, not a heading (sites style their text with <h2>)."""


_WIDE_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
WIDE_WEIGHT = 3
"""A Chinese, Japanese or Korean character carries about a word: thresholds written in Latin
characters (70 chars of prose, 5 words) would call a whole CJK paragraph a short line."""


def _size(block: Block) -> int:
    if block.size < 0:
        text = block.text
        wide = 0 if text.isascii() else len(_WIDE_CHAR.findall(text))
        block.size = len(text) + (WIDE_WEIGHT - 1) * wide
    return block.size


def _words(text: str) -> int:
    return len(text.split()) + (0 if text.isascii() else len(_WIDE_CHAR.findall(text)))


def _is_prose(block: Block) -> bool:
    n = _size(block)
    if block.link_density > 0.33 or (block.tag in HEADINGS and n < LONG_HEADING):
        return False
    return n >= 70 or (n >= 25 and bool(_SENTENCE_END.search(block.text)) and _words(block.text) >= 5)


def _short_chrome(block: Block) -> bool:
    text = block.text
    if len(text) > 160:
        return False
    if text[0] == "(" and text[-1] == ")" and len(text) < 40:  # "(ana/afp)": editor's initials
        return True
    return bool(CHROME_LINE.match(text) or READ_MORE_LINE.match(text) or BYLINE_PREFIX.match(text)
                and len(text.split()) <= 12)


BLOCK_CAP = 600
_DECAY = (1.0, 1.0, 0.5, 0.25, 0.125, 0.0625)
"""Weight of a block's value at its own element, its parent, grandparent, …: prose counts fully
for the element that directly holds it, so a common ancestor of the article and a comment list
does not win just by adding both up."""
_CONTAINERS = BLOCK_TAGS - {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dt", "dd",
                            "figcaption", "caption", "hr", "legend", "summary"}


def _is_timestamp(block: Block) -> bool:
    """A short line that is mostly a date or a relative time: list and comment chrome."""
    text = block.text
    return len(text) <= 80 and any(ch.isdigit() for ch in text) and bool(
        TIME_AGO.search(text) or dates.parse_human(text))


def _values(blocks: list[Block], related_blocks: set[int]) -> list[float]:
    values = []
    for i, block in enumerate(blocks):
        if i in related_blocks or block.neg_pos >= 0:
            value = -min(len(block.text), 300) * 0.7 - 10
        elif _is_prose(block):
            # One long block is weaker evidence than several paragraphs: a legal notice or a site
            # blurb in one <div> must not outweigh a story told in eight short paragraphs.
            value = float(min(_size(block), BLOCK_CAP))
        elif _is_timestamp(block):
            value = -60.0
        else:
            value = -min(len(block.text), 200) * 0.5 - 6 - block.link_chars * 0.5
        values.append(value)
    return values


def _container(blocks: list[Block], values: list[float], tags: list[str], hints: bool = True) -> tuple[int, float]:
    """The element whose blocks make the best article (-1 when nothing is prose), and its score."""
    score = [0.0] * len(tags)
    chrome = [False] * len(tags)
    blockish = [tag in BLOCK_TAGS for tag in tags]
    any_prose = False
    steps = len(_DECAY)
    for block, value in zip(blocks, values, strict=True):
        if hints and block.neg_pos >= 0:
            for j in range(block.neg_pos, len(block.path)):
                chrome[block.path[j]] = True
        if value > 0:
            any_prose = True
        # Inline wrappers (<font>, <span>, <b>) are transparent: a story nested in five <font>
        # tags still counts fully for the <td> that holds it.
        k = 0
        for eid in reversed(block.path):
            if blockish[eid]:
                score[eid] += value * _DECAY[k]
                k += 1
                if k == steps:
                    break
    if not any_prose:
        return -1, 0.0
    best, best_eid = 0.0, -1
    for eid in range(len(tags)):
        if score[eid] >= best and score[eid] > 0 and not chrome[eid] and tags[eid] in _CONTAINERS:
            best, best_eid = score[eid], eid
    if best_eid < 0:
        # Prose, but every element around it also holds more chrome (a one-paragraph post above a
        # long related list): the element that directly holds the best paragraph.
        top = max((i for i, v in enumerate(values) if v > 0 and not (hints and blocks[i].neg_pos >= 0)),
                  key=values.__getitem__, default=-1)
        if top >= 0:
            best_eid = next((eid for eid in reversed(blocks[top].path) if tags[eid] in _CONTAINERS), -1)
            best = values[top]
    return best_eid, best


_SEMANTIC_CHROME = frozenset({"footer", "nav", "aside", "menu", "dialog"})
"""HTML5 elements that say what they are; unlike class names and <form>, they are not put around
whole pages by frameworks, so they stay evidence when the container is chosen on text alone."""


def _protect_prose(blocks: list[Block], tags: list[str]) -> set[int]:
    """Withdraw chrome and related hints from the element that holds the page's best prose and
    from its ancestors, and return those elements.

    The container is first chosen on text evidence alone (prose length, link density, folded
    chrome); a class or tag rule that would fold that element or one of its ancestors into chrome
    (`<form>` around an ASP.NET page, `tag-<slug>` on <article>, a `sidebar` wrapper holding the
    story) is contradicted by that evidence, so it is dropped for those elements only; hints on
    elements inside the container, or elsewhere on the page, still count."""
    values = [float(_size(b)) if not b.folded and not b.comment and _is_prose(b)
              and not any(tags[b.path[k]] in _SEMANTIC_CHROME for k in b.negs)
              else -min(len(b.text), 200) * 0.5 - 6 - b.link_chars * 0.5 for b in blocks]
    best, _ = _container(blocks, values, tags, hints=False)
    if best < 0:
        return set()
    protected: set[int] = set()
    for block in blocks:
        if best in block.path:
            protected = set(block.path[:block.path.index(best) + 1])
            break
    for block in blocks:
        path = block.path
        if block.negs and any(path[k] in protected for k in block.negs):
            kept = [k for k in block.negs if path[k] not in protected]
            block.neg_pos = kept[-1] if kept else -1
        if block.rels and any(path[k] in protected for k in block.rels):
            kept = [k for k in block.rels if path[k] not in protected]
            block.rel_pos = kept[0] if kept else -1
    return protected


CLIMB_LEVELS = 6
CLIMB_NOISE = 0.4
CLIMB_BLOCK_COST = 60.0
"""The chrome an ancestor may add per character of prose it adds and still join the container."""


def _climb(blocks: list[Block], values: list[float], best: int, parents: list[int], tags: list[str]) -> int:
    """The container grown upward while its ancestors add prose rather than chrome.

    The decayed score favours the element that directly holds the most prose, which is right for
    a body split by ad slots but wrong for templates that put every section of a post in its own
    wrapper three levels down (page builders): there one section wins and the rest is lost. An
    ancestor joins when the prose it adds outweighs the chrome it adds (link lists, short labelled
    lines, hinted chrome, related lists: negative values) by CLIMB_NOISE."""
    chain = []
    eid = parents[best]
    while eid >= 0 and len(chain) < CLIMB_LEVELS and tags[eid] not in {"body", "html"}:
        chain.append(eid)
        eid = parents[eid]
    if not chain:
        return best
    index = {e: k for k, e in enumerate([best, *chain])}
    prose = [0.0] * (len(chain) + 1)
    noise = [0.0] * (len(chain) + 1)
    count = [0] * (len(chain) + 1)
    for block, value in zip(blocks, values, strict=True):
        for e in reversed(block.path):
            k = index.get(e)
            if k is not None:  # the innermost chain element holding the block, and every one above it
                for j in range(k, len(chain) + 1):
                    if value > 0:
                        prose[j] += value
                        count[j] += 1
                    else:  # capped: one paragraph dense with links is not a menu
                        noise[j] += min(-value, CLIMB_BLOCK_COST)
                break
    current = 0
    for k in range(1, len(chain) + 1):
        gain, cost = prose[k] - prose[current], noise[k] - noise[current]
        if cost > CLIMB_NOISE * gain + 50:
            break
        if gain > 0 and count[k] - count[current] >= 2:  # one stray block (a notice, a blurb) is not more story
            current = k
    return [best, *chain][current]


def _siblings(blocks: list[Block], values: list[float], best: int, parents: list[int], tags: list[str]) -> set[int]:
    """Siblings of the container that read as more of the article (a body split by ad slots or a
    separate intro box): mostly prose, no timestamps (comment lists have them), no chrome hints."""
    parent = parents[best] if best >= 0 else -1
    if parent < 0 or tags[parent] in {"body", "html"}:
        return set()
    stats: dict[int, list[float]] = {}
    for block, value in zip(blocks, values, strict=True):
        path = block.path
        if parent not in path or best in path:
            continue
        k = path.index(parent)
        if k + 1 >= len(path):
            continue
        sibling = path[k + 1]
        entry = stats.setdefault(sibling, [0.0, 0.0, 0.0, 0.0])
        entry[1] += len(block.text)
        if value > 0 and block.neg_pos < k and block.rel_pos < 0:
            entry[0] += len(block.text)
        if value == -60.0 or block.neg_pos > k or block.rel_pos >= 0:
            entry[2] += 1
    return {sib for sib, (prose, total, bad, _) in stats.items() if prose >= 80 and prose >= 0.75 * total and not bad}


def _related_regions(blocks: list[Block], parents: list[int], tags: list[str],
                     protected: set[int]) -> tuple[set[int], set[int]]:
    """Indexes of blocks in related/similar/more-news lists, and of those lists' headings.

    A list inside the element that holds the page's best prose (`protected`) ends at the next
    paragraph: a "Read more" or "See also" line inside an article is not the heading of the article."""
    members: set[int] = set()
    headings: set[int] = set()
    links_in: dict[int, int] = {}
    for block in blocks:
        if block.links:
            for eid in block.path:
                links_in[eid] = links_in.get(eid, 0) + len(block.links)
    roots: dict[int, int] = {}  # list element -> index of its first block (a heading opens its list)
    spans: list[tuple[int, int]] = []  # lists inside the story's container: [heading, end)
    for i, block in enumerate(blocks):
        if block.rel_pos >= 0 and links_in.get(block.path[block.rel_pos], 0) >= 2:
            roots.setdefault(block.path[block.rel_pos], 0)
        if len(block.text) <= 60 and len(block.text.split()) <= 7 and RELATED_HEADING.match(block.text) and (
            block.tag in HEADINGS or block.link_density < 0.5
        ):
            # The heading's list is the closest ancestor that holds at least two other links.
            own = len(block.links)
            for depth in range(len(block.path) - 1, max(0, len(block.path) - 5), -1):
                eid = block.path[depth]
                if tags[eid] in {"body", "main", "article"}:
                    break
                if tags[eid] not in BLOCK_TAGS:  # inline wrappers close before the list's last line
                    continue
                if links_in.get(eid, 0) - own >= 2:
                    if eid in protected:
                        # Inside the story's own container the list runs from the heading to the
                        # next paragraph of prose: a "Further reading" line does not end the story.
                        end = i + 1
                        while end < len(blocks) and eid in blocks[end].path and not (
                                _is_prose(blocks[end]) and blocks[end].link_density < 0.2):
                            end += 1
                        spans.append((i, end))
                    else:
                        roots[eid] = min(roots.get(eid, i), i)
                    headings.add(i)
                    break
    for start, end in spans:
        members.update(range(start, end))
    if roots:
        # What comes before a "Related" heading in the same element is not part of its list (the
        # story's last paragraphs often share a wrapper with the list under them).
        for i, block in enumerate(blocks):
            if any(eid in roots and i >= roots[eid] for eid in block.path):
                members.add(i)
    return members, headings


def _items(blocks: list[Block], indexes: list[int], headings: set[int], base: str) -> list[dict]:
    """Related items from the blocks of related lists: headline links, their teasers as snippets."""
    from pipelines.core.urls import normalize_url

    items: list[dict] = []
    for i in indexes:
        block = blocks[i]
        if i in headings:
            block.kind = "boilerplate"
            continue
        headline = max(block.links, key=lambda link: len(link[1]), default=None)
        if headline and len(headline[1].split()) >= 3:
            title = headline[1]
            snippet = block.text.replace(title, "", 1).strip(" -–—|:") if len(block.text) > len(title) + 2 else ""
            items.append({"title": title, "url": normalize_url(headline[0], base=base) if headline[0] else None,
                          "snippet": snippet, "language": "und"})
            block.kind = "related"
        elif (items and not items[-1]["snippet"] and not block.links and len(block.text.split()) >= 5
              and not READ_MORE_LINE.match(block.text)):
            items[-1]["snippet"] = block.text  # the teaser under the headline
            block.kind = "related"
    return items


def _title(tree_title: str, meta: dict[str, str], ld: dict, blocks: list[Block], site_name: str,
           first_article: int, best: int) -> tuple[str, int]:
    """The headline, and the index of its block (-1 if it is not on the page as a block).

    The page's own <h1> wins when it sits in or just above the article (SEO <title>s and og:titles
    are often rewritten); else og:title / JSON-LD headline / <title> without the site-name suffix."""
    candidates = [meta.get("og:title", ""), ld.get("headline") if isinstance(ld.get("headline"), str) else "",
                  meta.get("twitter:title", ""), tree_title]
    candidates = [" ".join(c.split()) for c in candidates if c]
    h1s = [(i, b) for i, b in enumerate(blocks) if b.tag == "h1" and 2 <= len(b.text) <= 300 and b.rel_pos < 0]
    for i, block in h1s:
        text = block.text.lower()
        # Containment only counts when the <h1> is a fair part of the candidate: a site-wide
        # "Blog" or "News" heading is contained in every <title> of the site.
        if any((text in c.lower() and len(text) >= 0.4 * len(c)) or c.lower() in text for c in candidates):
            return block.text, i
    for i, block in h1s:
        text = block.text.lower()
        if any(text in c.lower() for c in candidates):
            continue  # a section label ("Blog") that every <title> of the site contains
        if (best >= 0 and best in block.path) or (first_article - 12 <= i <= first_article and block.neg_pos < 0):
            return block.text, i
    for candidate in candidates:
        stripped = candidate
        ends_with_site = bool(site_name) and stripped.lower().endswith(site_name.lower())
        if ends_with_site or (_SITE_SUFFIX.search(stripped) and len(stripped) > 30):
            stripped = _SITE_SUFFIX.sub("", stripped)
        for i, block in enumerate(blocks[:400]):
            if block.text == stripped and block.tag in HEADINGS:
                return stripped, i
        if stripped:
            return stripped, -1
    if h1s:
        return h1s[0][1].text, h1s[0][0]
    return "", -1


def _dates(meta: dict[str, str], ld: dict, times: list[tuple[str, str, str]], blocks: list[Block],
           around: range, lang_zone: tzinfo | None) -> tuple[int | None, int | None]:
    """(published, modified): JSON-LD, then meta tags, then <time>, then dates printed near the title."""
    published_raw = [ld.get("datePublished"), meta.get("article:published_time"), meta.get("og:published_time"),
                     meta.get("datepublished"), meta.get("publishdate"), meta.get("pubdate"),
                     meta.get("parsely-pub-date"), meta.get("sailthru.date"), meta.get("dc.date.issued"),
                     meta.get("dcterms.created"), meta.get("date"), meta.get("article.published")]
    modified_raw = [ld.get("dateModified"), meta.get("article:modified_time"), meta.get("og:updated_time"),
                    meta.get("datemodified"), meta.get("last-modified"), meta.get("dcterms.modified")]
    for value, hint, _text in times:
        if "odif" in hint or "updat" in hint:
            modified_raw.append(value)
        else:
            published_raw.append(value)
    # The page's own zone, for stamps that print none.
    zone = lang_zone
    for value in published_raw + modified_raw:
        iso = dates.parse_iso(value) if isinstance(value, str) else None
        if iso is not None and iso.tzinfo is not None and len(value) > 10:
            zone = iso.tzinfo
            break

    def first(values: list) -> int | None:
        for value in values:
            if isinstance(value, str):
                iso = dates.parse_iso(value)
                if iso is not None:
                    return dates.to_millis(iso, zone)
        return None

    published, modified = first(published_raw), first(modified_raw)
    if published is None or modified is None:
        for value, hint, text in times:
            if not value and text:
                found = dates.parse_human(text)
                if found:
                    millis = dates.to_millis(found[0], zone)
                    if ("odif" in hint or "updat" in hint) and modified is None:
                        modified = millis
                    elif published is None:
                        published = millis
    if published is None or modified is None:
        for i in around:
            text = blocks[i].text
            if len(text) > 220 or not any(ch.isdigit() for ch in text):
                continue
            for piece in re.split(r"(?<=\d)\s*[|·•]\s*|\s+[|·•/]\s+|\s+[–—]\s+(?=\D)", text):
                found = dates.parse_human(piece)
                if not found:
                    continue
                millis = dates.to_millis(found[0], zone)
                if UPDATED_LABEL.search(piece):
                    modified = modified if modified is not None else millis
                elif published is None:
                    published = millis
    return published, modified


def nesting_depth(text: str) -> int:
    """Upper estimate of the page's element nesting (0 when it has too few tags to matter)."""
    if text.count("<") < PRESCAN_TAGS:
        return 0
    depth = deepest = 0
    for close, name in _TAG.findall(text):
        name = name.lower()
        if name in _NO_NESTING:
            continue
        if close:
            depth = depth - 1 if depth else 0
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
    return deepest


def extract_html(text: str, url: str) -> HtmlResult:
    """Blocks, article/related labels and metadata of one HTML page."""
    from pipelines.core.urls import normalize_url

    depth = nesting_depth(text)
    if depth > 3 * MAX_DEPTH:
        raise ExtractError(f"DOM nested about {depth} levels deep (limit {MAX_DEPTH})", "PathologicalNesting")
    tree = LexborHTMLParser(text)
    result = HtmlResult()
    html_node = tree.css_first("html")
    result.lang = (html_node.attributes.get("lang") or "") if html_node else ""
    meta = _meta(tree)
    objects = _json_ld_objects(tree)
    ld = _ld_article(objects)
    title_node = tree.css_first("title")
    tree_title = (title_node.text(deep=True) or "").strip() if title_node else ""
    times = _time_elements(tree)
    tree.strip_tags(["script", "style", "noscript", "template", "svg", "math", "iframe", "object"])

    root = tree.body
    if root is None:
        blocks, parents, tags = [], [-1], ["body"]
    else:
        blocks, parents, tags = _walk(root)
        if not any(not b.folded and _is_prose(b) for b in blocks):
            # Nothing visible reads as prose: streamed server-side rendering (React puts the page in
            # <div hidden id="S:0"> for a script to swap in) or a page revealed by script. The
            # hidden parts are all there is, so they are read.
            blocks, parents, tags = _walk(root, keep_hidden=True)
            if not any(not b.folded and _is_prose(b) for b in blocks) and "<noscript" in text.lower():
                # Still nothing: the article may be in <noscript> (Blogger templates render the
                # post by script and keep a copy there for crawlers).
                shown = LexborHTMLParser(_NOSCRIPT.sub(r"<\1div", text))
                shown.strip_tags(["script", "style", "template", "svg", "math", "iframe", "object"])
                if shown.body is not None:
                    blocks, parents, tags = _walk(shown.body, keep_hidden=True)
    result.blocks = blocks

    publisher = _names(ld.get("publisher")) if ld else []
    result.site_name = (meta.get("og:site_name") or (publisher[0] if publisher else "")
                        or meta.get("application-name") or "").strip()
    canonical = meta.get("link:canonical") or meta.get("og:url") or (ld.get("url") if ld else None)
    result.canonical = normalize_url(canonical if isinstance(canonical, str) and canonical else url, base=url)

    protected = _protect_prose(blocks, tags)
    related_members, related_headings = _related_regions(blocks, parents, tags, protected)
    inline_related: list[int] = []
    for i, block in enumerate(blocks):
        if i not in related_members and block.links and len(block.text) < 300 and READ_ALSO.match(block.text) \
                and block.link_density >= 0.4:
            inline_related.append(i)
    values = _values(blocks, related_members | set(inline_related))
    best, _ = _container(blocks, values, tags)
    if best >= 0:
        best = _climb(blocks, values, best, parents, tags)
    roots = ({best} | _siblings(blocks, values, best, parents, tags)) if best >= 0 else set()

    first_article = len(blocks)
    started: dict[int, bool] = {}
    if best >= 0:
        for i, block in enumerate(blocks):
            if i in related_members or i in inline_related:
                continue
            root = next((eid for eid in block.path if eid in roots), -1)
            if root < 0:
                continue
            inside = block.path.index(root)
            if block.neg_pos > inside or block.rel_pos > inside:
                continue
            if block.tag in HEADINGS:
                ok = block.link_density < 0.5 and len(block.text) < 300
            elif values[i] > 0:
                ok = not _short_chrome(block)
            else:
                # Short lines count only once the prose has started (not breadcrumbs, datelines
                # and bylines above it), and never when they are labelled chrome or a timestamp.
                ok = started.get(root, False) and block.link_density < 0.5 and not _short_chrome(block) and (
                    len(block.text) >= 15 or bool(_SENTENCE_END.search(block.text))) and values[i] != -60.0
            if values[i] > 0:
                started[root] = True
            if ok:
                block.kind = "article"
                first_article = min(first_article, i)
    result.title, result.title_index = _title(tree_title, meta, ld, blocks, result.site_name, first_article, best)
    if result.title_index >= 0 and blocks[result.title_index].kind == "article":
        first_article = min((i for i, b in enumerate(blocks) if b.kind == "article" and i != result.title_index),
                            default=len(blocks))
    # A standfirst / lead just above the container (between the headline and the body).
    start = result.title_index + 1 if 0 <= result.title_index < first_article else max(0, first_article - 6)
    description = " ".join((meta.get("og:description") or meta.get("description") or "").split())
    for i in range(start, min(first_article, len(blocks))):
        block = blocks[i]
        if block.kind == "boilerplate" and i not in related_members and _is_prose(block) and (
            block.lead_hint or (description and block.text == description)
        ):
            block.kind = "article"
    if 0 <= result.title_index < len(blocks):
        blocks[result.title_index].kind = "article"

    # Related items: listed regions, then inline "Read also" lines.
    result.related = _items(blocks, sorted(related_members), related_headings, url)
    for i in inline_related:
        block = blocks[i]
        href, label = max(block.links, key=lambda link: len(link[1]))
        title = label if len(label.split()) >= 3 else READ_ALSO.sub("", block.text).strip()
        block.kind = "related"
        result.related.append({"title": title, "url": normalize_url(href, base=url) if href else None,
                               "snippet": "", "language": "und"})

    # Authors: JSON-LD, meta, rel=author, byline blocks near the headline.
    raw_authors = _names(ld.get("author")) if ld else []
    if not raw_authors:
        raw_authors = [a for a in (meta.get("author"), meta.get("article:author"), meta.get("parsely-author"),
                                   meta.get("sailthru.author"), meta.get("dc.creator")) if a]
    if not raw_authors:
        raw_authors = _byline_nodes(tree)
    around_start = max(0, (result.title_index if result.title_index >= 0 else first_article) - 4)
    around = range(around_start, min(len(blocks), max(first_article, around_start) + 8))
    if not raw_authors:
        for i in around:
            block = blocks[i]
            if block.kind != "article" and len(block.text) < 160 and BYLINE_PREFIX.match(block.text):
                byline = re.split(r"\s+[|·•]\s+|\s+[–—]\s+|,\s*(?=\d)|\s+(?=\d{1,2}[./])", block.text)[0]
                raw_authors.append(byline)
                break
    result.authors = clean_authors(raw_authors)
    result.published_at, result.modified_at = _dates(
        meta, ld, times, blocks, around, dates.zone_for_language(result.lang)
    )
    return result
