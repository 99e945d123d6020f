"""`newsbeam eval language FILE.jsonl [--predictions OUT.jsonl] [--compare fasttext]`.

Input: DESIGN §8 lines `{"id"?, "text", "lang", "hints"?}` (hints: html_lang, og_locale, url, ...
as the pipeline would see them). Scores the tagger's text-level decision: accuracy, macro
accuracy (mean of per-language accuracies, so a rare language weighs as much as English),
per-language accuracy, the most frequent confusions and texts/s of detection alone (model
loading is timed separately as load_s). `--compare fasttext` scores raw fastText lid.176 on
the same texts in the same run. The last line printed is the one-line JSON summary.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import orjson


def load(path: str) -> list[dict[str, Any]]:
    """Labeled items of a JSONL file (blank lines skipped); each gets an id if it has none."""
    rows: list[dict[str, Any]] = []
    with open(path, "rb") as fh:
        for n, line in enumerate(fh):
            if not line.strip():
                continue
            row = orjson.loads(line)
            row.setdefault("id", str(n))
            rows.append(row)
    return rows


def score(rows: Sequence[dict[str, Any]], predicted: Sequence[str], elapsed: float, top: int = 10) -> dict[str, Any]:
    """Accuracy, macro accuracy, per-language accuracy, top confusions and throughput."""
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusions: Counter[tuple[str, str]] = Counter()
    for row, pred in zip(rows, predicted, strict=True):
        gold = row["lang"]
        per[gold][1] += 1
        if pred == gold:
            per[gold][0] += 1
        else:
            confusions[(gold, pred)] += 1
    n = len(rows)
    correct = sum(ok for ok, _ in per.values())
    return {
        "accuracy": round(correct / n, 4) if n else 0.0,
        "macro_accuracy": round(sum(ok / total for ok, total in per.values()) / len(per), 4) if per else 0.0,
        "texts_per_s": round(n / elapsed, 1) if elapsed > 0 else None,
        "n": n,
        "confusions": [{"gold": g, "predicted": p, "count": c} for (g, p), c in confusions.most_common(top)],
        "per_language": {lang: round(ok / total, 4) for lang, (ok, total) in sorted(per.items())},
    }


def _timed(fn: Callable[[dict[str, Any]], Any], rows: Sequence[dict[str, Any]]) -> tuple[list[Any], float]:
    start = time.perf_counter()
    out = [fn(row) for row in rows]
    return out, time.perf_counter() - start


def _fasttext_predictor() -> Callable[[dict[str, Any]], str]:
    import fasttext

    from pipelines.core.language.codes import from_fasttext
    from pipelines.core.language.detector import fasttext_model_path

    model = fasttext.load_model(str(fasttext_model_path()))

    def predict(row: dict[str, Any]) -> str:
        text = " ".join(str(row["text"]).split())
        labels, _ = model.predict(text, k=1)
        return from_fasttext(labels[0]) if labels else "und"

    return predict


def main(file: str, *, predictions: str | None = None, compare_with: Sequence[str] = (),
         top: int = 10) -> int:
    """Score the labeled JSONL `file` and print the one-line summary (`newsbeam eval language`);
    `top` confusions are listed, `compare_with` names other detectors to score alike."""
    from pipelines.core.language import LanguageTagger

    rows = load(file)
    start = time.perf_counter()
    tagger = LanguageTagger()
    load_s = time.perf_counter() - start
    detections, elapsed = _timed(lambda row: tagger.detect(str(row.get("text") or ""), row.get("hints")), rows)
    summary = score(rows, [d.lang for d in detections], elapsed, top)
    summary["load_s"] = round(load_s, 2)
    compare: dict[str, Any] = {}
    for name in compare_with:
        predict = _fasttext_predictor()
        theirs, their_time = _timed(predict, rows)
        compare[name] = score(rows, theirs, their_time, top)
    if compare:
        summary["compare"] = compare
    if predictions:
        with open(predictions, "wb") as out:
            for row, det in zip(rows, detections, strict=True):
                item = {"id": row["id"], "language": det.lang, "confidence": round(det.confidence, 4)}
                if det.second:
                    item["second"] = det.second
                out.write(orjson.dumps(item) + b"\n")
    sys.stdout.write(orjson.dumps(summary).decode() + "\n")
    return 0
