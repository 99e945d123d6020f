"""The labeled extraction set: its shape, and the acceptance bars measured on it in one run."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from pipelines.cli.main import main as newsbeam
from pipelines.quality.evaluation import extraction as ev
from tests.data.extraction.generate import generate


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return generate()


def test_set_is_deterministic_and_covers_the_required_variety(rows):
    assert json.dumps(rows[:20], sort_keys=True) == json.dumps(generate()[:20], sort_keys=True)
    assert len(rows) >= 150
    assert len({r["site"] for r in rows}) >= 8
    assert len({r["lang"] for r in rows}) >= 5
    kinds = Counter(r["content_type"] for r in rows)
    assert kinds["text/plain"] >= 20 and kinds["text/html"] >= 130
    assert all(r["expected"]["related"] for r in rows)


def test_body_f1_beats_trafilatura_and_the_bar(rows):
    ours, ours_time = ev.run(rows, ev.newsbeam_predict)
    theirs, their_time = ev.run(rows, ev.trafilatura_predict)
    mine, other = ev.score(rows, ours, ours_time), ev.score(rows, theirs, their_time)
    assert mine["f1"] >= 0.97
    assert mine["f1"] >= other["f1"]
    assert mine["title_exact"] >= 0.95 and mine["date_exact"] >= 0.95
    assert mine["related_recall"] >= 0.9
    assert min(mine["f1_by_site"].values()) >= 0.9


def test_site_boilerplate_learning_helps_where_page_heuristics_cannot(rows):
    site = [r for r in rows if r["site"] == "chrome_in_body"]
    preds = [ev.newsbeam_predict(r) for r in site]
    learned = ev.with_site_boilerplate(site, preds)
    before, after = ev.score(site, preds, 1.0)["f1"], ev.score(site, learned, 1.0)["f1"]
    assert after > before + 0.02


def test_eval_cli_prints_one_summary_line(tmp_path, rows, capsys):
    data = tmp_path / "set.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[::12]), encoding="utf-8")
    out = tmp_path / "pred.jsonl"
    assert newsbeam(["eval", "extraction", str(data), "--predictions", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"f1", "precision", "recall", "title_exact", "date_exact", "pages_per_s", "n"} <= set(summary)
    assert summary["n"] == len(rows[::12])
    predictions = [json.loads(line) for line in out.read_text().splitlines()]
    assert [p["id"] for p in predictions] == [r["id"] for r in rows[::12]]
