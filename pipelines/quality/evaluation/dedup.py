"""`newsbeam eval dedup FILE.jsonl [--predictions OUT.jsonl]`: the dedup logic against labels.

Input lines (DESIGN §8): {"id", "url", "published_at", "title"?, "text", "cluster"}; published_at
is ISO 8601 or epoch milliseconds. Optional `related_to` (the cluster a follow-up story is about)
adds the follow-up figures. Prints a final one-line JSON summary; pairwise scores count pairs of
items put in one story, B-cubed scores average per item."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pipelines.core.dedup.signature import fingerprint
from pipelines.core.dedup.stories import ClusterResult, cluster


def parse_time(value: Any) -> int:
    """Epoch milliseconds from an int/float (ms) or an ISO 8601 string (UTC when no offset)."""
    if isinstance(value, int | float):
        return int(value)
    text = str(value).strip().replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def to_doc(item: Mapping[str, Any]) -> dict[str, Any]:
    """An eval item as the Article-like dict that `fingerprint` and `cluster` take."""
    return {"page_id": str(item["id"]), "url": item.get("url") or "", "canonical_url": item.get("url") or "",
            "published_at": parse_time(item["published_at"]), "title": item.get("title") or "", "lead": "",
            "body": item.get("text") or "", "source": item.get("source") or "", "language": item.get("lang") or "und"}


def _pairs_within(sizes: Iterable[int]) -> int:
    """Unordered pairs of items that share a group, given the groups' sizes."""
    return sum(n * (n - 1) // 2 for n in sizes)


def pairwise(truth: Mapping[str, str], pred: Mapping[str, str]) -> tuple[float, float, float]:
    """Precision, recall, F1 over unordered item pairs that share a cluster."""
    joint: Counter[tuple[str, str]] = Counter((truth[i], pred[i]) for i in truth)
    tp = _pairs_within(joint.values())
    pred_pairs = _pairs_within(Counter(pred[i] for i in truth).values())
    true_pairs = _pairs_within(Counter(truth.values()).values())
    p = tp / pred_pairs if pred_pairs else 1.0
    r = tp / true_pairs if true_pairs else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def bcubed(truth: Mapping[str, str], pred: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall, F1 (Bagga & Baldwin): per-item overlap of its two clusters."""
    joint = Counter((truth[i], pred[i]) for i in truth)
    tsize = Counter(truth.values())
    psize = Counter(pred[i] for i in truth)
    n = len(truth)
    p = sum(joint[(truth[i], pred[i])] / psize[pred[i]] for i in truth) / n
    r = sum(joint[(truth[i], pred[i])] / tsize[truth[i]] for i in truth) / n
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def followup_figures(items: Sequence[Mapping[str, Any]], pred: Mapping[str, str],
                     result: ClusterResult) -> dict[str, Any]:
    """Share of follow-up items merged into their original's story, and of follow-up stories
    linked to it as `related` (only when the input carries `related_to`)."""
    by_cluster: dict[str, set[str]] = defaultdict(set)
    for it in items:
        by_cluster[it["cluster"]].add(pred[str(it["id"])])
    followups = [it for it in items if it.get("related_to")]
    if not followups:
        return {}
    merged = sum(1 for it in followups if pred[str(it["id"])] in by_cluster[it["related_to"]])
    edges = {(lk["from_story"], lk["to_story"]) for lk in result.links if lk["type"] == "related"}
    edges |= {(b, a) for a, b in edges}
    roots = {s: result.root(s) for s in {sid for sids in by_cluster.values() for sid in sids}}
    edges |= {(roots.get(a, a), roots.get(b, b)) for a, b in edges}
    fu_clusters = {it["cluster"]: it["related_to"] for it in followups}
    linked = sum(1 for fu, orig in fu_clusters.items()
                 if any((a, b) in edges for a in by_cluster[fu] for b in by_cluster[orig]))
    return {"followups": len(followups), "followups_merged": round(merged / len(followups), 4),
            "followup_stories_linked": round(linked / len(fu_clusters), 4)}


def related_link_figures(items: Sequence[Mapping[str, Any]], result: ClusterResult) -> dict[str, Any]:
    """How many `related` links there are and the share that join stories whose items are about
    one event: the same cluster, a follow-up and its original, or two follow-ups of one original."""
    about = {it["cluster"]: it["related_to"] for it in items if it.get("related_to")}
    clusters_of: dict[str, set[str]] = defaultdict(set)
    for it in items:
        clusters_of[result.root(result.story_of[str(it["id"])])].add(it["cluster"])

    def one_event(x: str, y: str) -> bool:
        return x == y or about.get(x) == y or about.get(y) == x or (x in about and about.get(x) == about.get(y))

    links = [lk for lk in result.links if lk["type"] == "related"]
    right = sum(1 for lk in links if any(one_event(x, y) for x in clusters_of[result.root(lk["from_story"])]
                                         for y in clusters_of[result.root(lk["to_story"])]))
    return {"related_links": len(links), "related_link_precision": round(right / len(links), 4) if links else None}


def evaluate(items: Sequence[Mapping[str, Any]], follow_merges: bool = True) -> tuple[dict[str, Any], dict[str, str]]:
    """Cluster the items and score them; returns (summary, id → story_id as emitted)."""
    docs = [to_doc(it) for it in items]
    start = time.perf_counter()
    result = cluster(docs)
    elapsed = time.perf_counter() - start
    story_of = result.story_of
    pred = {pid: result.root(s) for pid, s in story_of.items()} if follow_merges else dict(story_of)
    truth = {str(it["id"]): str(it["cluster"]) for it in items}
    p, r, f1 = pairwise(truth, pred)
    _, _, bf1 = bcubed(truth, pred)
    raw_p, raw_r, _ = pairwise(truth, story_of)
    state = sum(len(fingerprint(d).to_bytes()) for d in docs)
    summary: dict[str, Any] = {
        "precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "bcubed_f1": round(bf1, 4),
        "precision_unmerged": round(raw_p, 4), "recall_unmerged": round(raw_r, 4),
        "stories": len(result.stories), "merged": sum(1 for s in result.stories if s["merged_into"]),
        **followup_figures(items, pred, result),
        **related_link_figures(items, result),
        "docs_per_s": round(len(docs) / elapsed, 1) if elapsed else None,
        "bytes_per_doc": round(state / len(docs), 1) if docs else 0.0, "n": len(docs),
    }
    return summary, story_of


def main(file: str, *, predictions: str | None = None, follow_merges: bool = True) -> int:
    """Score the labeled JSONL `file` and print the one-line summary (`newsbeam eval dedup`)."""
    with open(file, encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh if line.strip()]
    if not items:
        print(json.dumps({"error": "no items", "n": 0}))
        return 1
    summary, story_of = evaluate(items, follow_merges=follow_merges)
    if predictions:
        with open(predictions, "w", encoding="utf-8") as out:
            for it in items:
                out.write(json.dumps({"id": it["id"], "story_id": story_of[str(it["id"])]}) + "\n")
    print(json.dumps(summary))
    return 0
