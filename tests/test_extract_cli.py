"""`newsbeam extract` shows what the pipeline makes of a page, languages included."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from pipelines.cli.extract import extract_command


def test_extract_command_tags_languages_as_the_pipeline_does(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "brug.html"
    page.write_text(
        "<html lang='nl'><body><article><h1>Nieuwe brug over de rivier geopend</h1>"
        "<p>De gemeente heeft maandag de nieuwe brug over de rivier geopend, nadat de bouw bijna drie jaar "
        "had geduurd en de kosten flink waren opgelopen.</p>"
        "<p>Volgens de burgemeester wordt het verkeer in het centrum nu een stuk rustiger en worden de "
        "routes voor fietsers en voetgangers korter.</p></article></body></html>",
        encoding="utf-8",
    )
    args = argparse.Namespace(files=[str(page)], jsonl=None, content_type=None, url="https://krant.example/brug")
    assert extract_command(args) == 0
    article = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert article["language"] == "nl" and article["language_confidence"] > 0
    assert {b["language"] for b in article["blocks"] if b["kind"] == "article"} == {"nl"}
