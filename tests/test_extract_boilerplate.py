"""Per-site boilerplate: the pure model, and the Beam step on bounded and TestStream input."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing import test_stream
from apache_beam.testing.util import assert_that
from apache_beam.transforms.window import TimestampedValue

from pipelines.beam.steps.boilerplate import LearnSiteBoilerplate
from pipelines.core.extract import extract_article
from pipelines.core.extract.boilerplate import BoilerplateConfig, SiteBoilerplate, fingerprint

TIP = "Have a news tip? Write to our newsroom, we read every message even when we cannot answer each one."
STORIES = [
    ("Council approves harbour plan", "The council voted on Monday to approve the new harbour plan after two years."),
    ("Bus fares cut", "Bus ridership has grown by a fifth since the fares were cut last year, figures show."),
    ("Teachers to strike", "Teachers at forty schools plan to hold a one-day strike next week over pay."),
    ("Road closed", "Police closed the main road for several hours after a lorry shed its load."),
    ("Heavy rain forecast", "Forecasters expect heavy rain over the weekend with flooding possible downstream."),
    ("Hospital waits fall", "Waiting times for routine operations fell for the third month in a row."),
    ("Bridge review", "The review will look at every option, including a new bridge further upstream."),
    ("Library reopens", "The central library reopened its doors after a renovation that took eighteen months."),
]


def _page(i: int) -> dict:
    """A page of a site whose chrome (the tip line) sits inside the article as a plain <p>."""
    title, text = STORIES[i % len(STORIES)]
    html = (f"<html lang=en><head><title>{title}</title></head><body><nav><a href=/>Home</a></nav><div class=story>"
            f"<h1>{title} {i}</h1><p>{text} Story number {i} carries its own details and quotes.</p>"
            f"<p>Officials said story {i} would be followed up in the coming weeks by the council and residents.</p>"
            f"<p>{TIP}</p></div><footer>(c) Example</footer></body></html>")
    return {"url": f"https://www.chrome.example/news/{i}", "source": "t", "fetched_at": 1_700_000_000_000 + i * 60_000,
            "published_at": None, "content_type": "text/html", "charset": None, "body": html.encode(), "headers": {}}


def test_page_heuristics_keep_the_tip_line_but_the_site_model_drops_it():
    articles = [extract_article(_page(i)) for i in range(10)]
    assert all(TIP in a["body"] for a in articles)  # page-at-a-time extraction cannot know
    model = SiteBoilerplate()
    out = [model.process(a) for a in articles]
    config = model.config
    assert all(TIP in a["body"] for a in out[: config.min_pages])
    for before, after in zip(articles[config.min_pages:], out[config.min_pages:], strict=True):
        assert TIP not in after["body"] and after["body"]
        assert after["page_id"] == before["page_id"]  # the Kafka key stays put
        assert after["content_hash"] != before["content_hash"]
        assert [b["text"] for b in after["blocks"]] == [b["text"] for b in before["blocks"]]
        assert {b["kind"] for b in after["blocks"] if b["text"] == TIP} == {"boilerplate"}


def test_model_state_is_plain_bounded_and_expires():
    config = BoilerplateConfig(window_pages=5, max_age_ms=10_000)
    model = SiteBoilerplate(config=config)
    for i in range(12):
        model.process(extract_article(_page(i)), time_ms=i * 1000)
    assert len(model.state["pages"]) == 5
    import json

    assert json.loads(json.dumps(model.state)) == model.state
    model.expire(100_000)
    assert model.state["pages"] == [] and model.state["counts"] == {}


def test_refetch_of_one_url_counts_once():
    model = SiteBoilerplate()
    page = extract_article(_page(1))
    for _ in range(10):
        out = model.process(page)
    assert out is page and len(model.state["pages"]) == 1


def test_fingerprint_ignores_case_digits_and_punctuation():
    assert fingerprint("Updated 12:05 — Follow us!") == fingerprint("updated 09:41 follow US")
    assert fingerprint("") == ""


def _check_bounded(articles):
    assert len(articles) == 10
    cleaned = [a for a in articles if TIP not in a["body"]]
    # Order within a key is the runner's, but at most min_pages pages can go out uncleaned.
    assert len(cleaned) >= 10 - BoilerplateConfig().min_pages
    assert all(a["body"] for a in cleaned)


def test_beam_step_on_a_bounded_pipeline():
    articles = [extract_article(_page(i)) for i in range(10)]
    with beam.Pipeline(runner=FnApiRunner()) as p:
        out = (p | beam.Create(articles) | beam.Map(lambda a: TimestampedValue(a, a["fetched_at"] / 1000))
               | LearnSiteBoilerplate())
        assert_that(out, _check_bounded)


def test_beam_step_with_teststream_forgets_a_quiet_site():
    """Ten pages teach the model; eight quiet days fire the expiry timer; the next pages of the
    site start from a cold model again (their tip line stays)."""
    early = [extract_article(_page(i)) for i in range(10)]
    later_start = early[-1]["fetched_at"] + 9 * 24 * 3600 * 1000
    later = [{**extract_article(_page(20 + i)), "fetched_at": later_start + i} for i in range(3)]
    stream = test_stream.TestStream()
    for a in early:
        stream = stream.add_elements([TimestampedValue(a, a["fetched_at"] / 1000)])
    stream = stream.advance_watermark_to(early[-1]["fetched_at"] / 1000 + 8 * 24 * 3600)
    for a in later:
        stream = stream.add_elements([TimestampedValue(a, a["fetched_at"] / 1000)])
    stream = stream.advance_watermark_to_infinity()
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True

    def check(articles):
        assert len(articles) == 13
        early_out = [a for a in articles if a["fetched_at"] < later_start]
        late_out = [a for a in articles if a["fetched_at"] >= later_start]
        assert sum(TIP not in a["body"] for a in early_out) >= 10 - BoilerplateConfig().min_pages
        assert all(TIP in a["body"] for a in late_out)

    with beam.Pipeline(runner="BundleBasedDirectRunner", options=options) as p:
        assert_that(p | stream | LearnSiteBoilerplate(), check)
