"""`newsbeam eval extraction FILE.jsonl [--predictions OUT.jsonl] [--compare trafilatura]`.

Input: DESIGN §8 lines `{"id", "url", "html" | "text", "content_type"?, "expected": {"body",
"title"?, "published_at"?, "related"?}}`. Body scoring follows the public article-extraction
benchmark: word 4-gram shingles of `\\w+` tokens (as a multiset), precision and recall per page,
each averaged over pages, F1 of the two averages. Conventions where that benchmark is silent:
an empty prediction for a non-empty truth scores P=R=0; both empty scores P=R=1; a text shorter
than four tokens is one shingle. `title_exact` counts pages whose label has a title,
`date_exact` pages whose label has a published_at (compared as epoch millis, so the zone counts;
`date_day` only asks for the right calendar day, which is all some extractors return).

`--compare trafilatura` runs trafilatura on the same pages in the same run (text/plain pages are
handed to it as one <p> per line, since it refuses non-HTML). `--site-boilerplate` also scores the
extractor followed by the per-site boilerplate model, learning over the file in order. The last
line printed is the one-line JSON summary.

Lines may carry a `source` (the dataset a real page comes from): the summary then has `by_source`
with P, R, F1 and empties per source, because a change that wins on one source and loses on
another is not a win. Lines without `expected` are extracted (for `--predictions`) but not scored."""

from __future__ import annotations

import html
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import orjson

from pipelines.core.extract import ExtractError, extract_article
from pipelines.core.extract.dates import parse_any

_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    """Multiset of word n-grams of the `\\w+` tokens of `text`."""
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def precision_recall(predicted: str, expected: str) -> tuple[float, float]:
    """Shingle precision and recall of one page."""
    pred, true = shingles(predicted), shingles(expected)
    if not pred and not true:
        return 1.0, 1.0
    if not pred or not true:
        return 0.0, 0.0
    hits = sum((pred & true).values())
    return hits / sum(pred.values()), hits / sum(true.values())


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _page(obj: dict) -> dict:
    is_text = "html" not in obj
    content = obj.get("text", "") if is_text else obj["html"]
    return {
        "url": obj.get("url") or f"urn:newsbeam:{obj.get('id')}",
        "source": "eval",
        "fetched_at": 0,
        "published_at": None,
        "content_type": obj.get("content_type") or ("text/plain" if is_text else "text/html"),
        "charset": None,
        "body": content.encode("utf-8"),
        "headers": {},
    }


Prediction = dict[str, Any]


def newsbeam_predict(obj: dict) -> Prediction:
    """Our extractor on one eval line (dead-lettered pages predict nothing)."""
    try:
        return extract_article(_page(obj))
    except ExtractError as exc:
        return {"body": "", "title": "", "published_at": None, "related": [], "error": exc.reason}


def trafilatura_predict(obj: dict, favor_precision: bool = False) -> Prediction:
    """trafilatura with metadata, comments and tables off: the configuration the project shipped."""
    import trafilatura

    if "html" in obj:
        content = obj["html"]
    else:
        content = "<html><body>" + "".join(f"<p>{html.escape(line)}</p>" for line in obj.get("text", "").splitlines()) \
            + "</body></html>"
    doc = trafilatura.bare_extraction(content, url=obj.get("url"), with_metadata=True, include_comments=False,
                                      include_tables=False, deduplicate=False, favor_precision=favor_precision)
    if not doc:
        return {"body": "", "title": "", "published_at": None, "related": []}
    return {"body": doc.text or "", "title": doc.title or "", "published_at": parse_any(doc.date),
            "related": [], "authors": [a.strip() for a in (doc.author or "").split(";") if a.strip()]}


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _prf(values: list[tuple[float, float, bool]]) -> dict:
    """P, R (page averages), F1 of the two, and empty outputs of a group of pages."""
    n = len(values)
    precision = sum(v[0] for v in values) / n if n else 0.0
    recall = sum(v[1] for v in values) / n if n else 0.0
    return {"n": n, "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(_f1(precision, recall), 4), "empty": sum(v[2] for v in values)}


def score(rows: list[dict], predictions: list[Prediction], elapsed: float) -> dict:
    """The summary figures of one extractor over the labeled rows (unlabeled rows only count for speed)."""
    pages: list[tuple[float, float, bool]] = []
    titles = dates = titles_ok = dates_ok = days_ok = authors = authors_ok = 0
    rel_expected = rel_found = rel_predicted = rel_correct = 0
    by_site: dict[str, list[tuple[float, float, bool]]] = {}
    by_source: dict[str, list[tuple[float, float, bool]]] = {}
    for row, pred in zip(rows, predictions, strict=True):
        expected = row.get("expected")
        if not isinstance(expected, dict):
            continue
        body = pred.get("body") or ""
        p, r = precision_recall(body, expected.get("body", ""))
        value = (p, r, not body.strip())
        pages.append(value)
        by_site.setdefault(row.get("site") or "?", []).append(value)
        if row.get("source"):
            by_source.setdefault(row["source"], []).append(value)
        if "title" in expected:
            titles += 1
            titles_ok += _norm(pred.get("title")) == _norm(expected["title"])
        if expected.get("published_at"):
            dates += 1
            want_ms = parse_any(expected["published_at"])
            got_ms = pred.get("published_at")
            dates_ok += got_ms == want_ms
            if isinstance(got_ms, int):
                got_day = datetime.fromtimestamp(got_ms / 1000, UTC).date().isoformat()
                days_ok += got_day in {expected["published_at"][:10],
                                       datetime.fromtimestamp(want_ms / 1000, UTC).date().isoformat()}
        if "authors" in expected:
            authors += 1
            authors_ok += [_norm(a) for a in pred.get("authors") or []] == [_norm(a) for a in expected["authors"]]
        if expected.get("related") is not None:
            want = {_norm(t) for t in expected["related"]}
            got = {_norm(item.get("title")) for item in pred.get("related") or []}
            rel_expected += len(want)
            rel_found += len(want & got)
            rel_predicted += len(got)
            rel_correct += len(got & want)
    overall = _prf(pages)
    labeled = bool(pages)
    summary = {
        "f1": overall["f1"] if labeled else None,
        "precision": overall["precision"] if labeled else None,
        "recall": overall["recall"] if labeled else None,
        "empty": overall["empty"],
        "title_exact": round(titles_ok / titles, 4) if titles else None,
        "date_exact": round(dates_ok / dates, 4) if dates else None,
        "date_day": round(days_ok / dates, 4) if dates else None,
        "authors_exact": round(authors_ok / authors, 4) if authors else None,
        "related_recall": round(rel_found / rel_expected, 4) if rel_expected else None,
        "related_precision": round(rel_correct / rel_predicted, 4) if rel_predicted else None,
        "pages_per_s": round(len(rows) / elapsed, 1) if elapsed > 0 else None,
        "n": len(rows),
        "labeled": len(pages),
        "f1_by_site": {site: _prf(v)["f1"] for site, v in sorted(by_site.items())},
    }
    if by_source:
        summary["by_source"] = {source: _prf(v) for source, v in sorted(by_source.items())}
    return summary


def run(rows: list[dict], predict: Callable[[dict], Prediction]) -> tuple[list[Prediction], float]:
    """Predictions for every row and the wall time they took (warm-up page excluded)."""
    if rows:
        predict(rows[0])
    start = time.perf_counter()
    predictions = [predict(row) for row in rows]
    return predictions, time.perf_counter() - start


def with_site_boilerplate(rows: list[dict], predictions: list[Prediction]) -> list[Prediction]:
    """Our predictions after the per-site boilerplate model has seen the file in order."""
    from pipelines.core.extract.boilerplate import SiteBoilerplate, site_key

    models: dict[str, SiteBoilerplate] = {}
    out = []
    for pred in predictions:
        if "blocks" not in pred:
            out.append(pred)
            continue
        model = models.setdefault(site_key(pred), SiteBoilerplate())
        out.append(model.process(pred))
    del rows
    return out


def load(path: str) -> list[dict]:
    with open(path, "rb") as lines:
        return [orjson.loads(line) for line in lines if line.strip()]


def _write_predictions(path: str, rows: Iterable[dict], predictions: Iterable[Prediction]) -> None:
    with open(path, "wb") as out:
        for row, pred in zip(rows, predictions, strict=True):
            out.write(orjson.dumps({"id": row.get("id"), **pred}) + b"\n")


def main(file: str, *, predictions_path: str | None = None, compare_with: Iterable[str] = (),
         site_boilerplate: bool = False, by_site: bool = False) -> int:
    """Score the labeled JSONL `file` and print the one-line summary (`newsbeam eval extraction`;
    its options are in pipelines/cli/eval.py). A `compare_with` name ending in "precision" runs
    trafilatura with favor_precision."""
    rows = load(file)
    predictions, elapsed = run(rows, newsbeam_predict)
    summary = score(rows, predictions, elapsed)
    summary["extractor"] = predictions[0].get("extractor", "newsbeam") if predictions else "newsbeam"
    if site_boilerplate:
        learned = with_site_boilerplate(rows, predictions)
        summary["with_site_boilerplate"] = {k: v for k, v in score(rows, learned, elapsed).items()
                                            if k in {"f1", "precision", "recall"} or by_site and k == "f1_by_site"}
        if predictions_path:
            predictions = learned
    compare = {}
    for name in compare_with:
        import trafilatura

        precise = name.endswith("precision")
        theirs, their_time = run(rows, lambda row, precise=precise: trafilatura_predict(row, precise))
        compare[name] = score(rows, theirs, their_time)
        compare[name]["extractor"] = f"trafilatura/{trafilatura.__version__}"
        if not by_site:
            compare[name].pop("f1_by_site")
    if compare:
        summary["compare"] = compare
        first = next(iter(compare.values()))
        if first.get("pages_per_s"):
            summary["speedup"] = round(summary["pages_per_s"] / first["pages_per_s"], 2)
    if not by_site:
        summary.pop("f1_by_site")
    if predictions_path:
        _write_predictions(predictions_path, rows, predictions)
    sys.stdout.write(orjson.dumps(summary).decode() + "\n")
    return 0
