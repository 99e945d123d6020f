"""TagLanguages under Beam's FnApiRunner: pickles, loads the tagger in setup(), counts languages."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from pipelines.beam.steps.language import NAMESPACE, TagLanguages


def _article(url: str, text: str, chrome: str = "") -> dict:
    blocks = [{"text": text, "kind": "article", "language": "und"}]
    if chrome:
        blocks.append({"text": chrome, "kind": "boilerplate", "language": "und"})
    return {"url": url, "canonical_url": url, "site": "example.com", "title": "", "body": text,
            "blocks": blocks, "related": []}


ARTICLES = [
    _article("https://a.example/1", "The central bank raised interest rates for the third time this year.",
             "Indonesia Berita Terbaru, Indonesia Berita utama"),
    _article("https://a.example/2", "Die Bundesregierung will die Förderung für Elektroautos deutlich kürzen."),
    _article("https://a.example/3", "Le gouvernement a annoncé mardi une hausse du salaire minimum."),
    _article("https://a.example/4", "Guvernul a anunțat marți că salariul minim va crește de la începutul anului "
             "viitor, iar sindicatele spun că măsura nu este suficientă pentru a acoperi scumpirile."),
    _article("https://a.example/5", "»"),
]


def test_tag_languages_on_fn_api_runner() -> None:
    pipeline = beam.Pipeline(runner=FnApiRunner())
    tagged = pipeline | beam.Create(ARTICLES) | TagLanguages()
    summary = tagged | beam.Map(lambda a: (a["url"][-1], a["language"], tuple(b["language"] for b in a["blocks"])))
    assert_that(summary, equal_to([
        ("1", "en", ("en", "id")),
        ("2", "de", ("de",)),
        ("3", "fr", ("fr",)),
        ("4", "ro", ("ro",)),
        ("5", "und", ("und",)),
    ]))
    result = pipeline.run()
    result.wait_until_finish()
    counters = {
        c.key.metric.name: c.committed
        for c in result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))["counters"]
    }
    assert counters == {"lang_en": 1, "lang_de": 1, "lang_fr": 1, "lang_other": 1, "lang_und": 1}
