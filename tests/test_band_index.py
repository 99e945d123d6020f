"""The in-memory band index (pipelines/core/dedup/band_index.py): the candidates of the story rule."""

from __future__ import annotations

import pytest

from pipelines.core.dedup.band_index import BandIndex, Resident, band_tag, band_tags

HOUR = 3600_000


def _index(*residents: Resident) -> BandIndex:
    index = BandIndex()
    for resident in residents:
        assert index.add(resident)
    return index


def test_seniors_share_a_band_come_first_in_seniority_and_lie_within_the_horizon():
    index = _index(Resident("a", 0, 0, (1, 2)), Resident("b", 10 * HOUR, 0, (2,)), Resident("c", 10 * HOUR, 0, (3,)),
                   Resident("z", 20 * HOUR, 0, (1,)), Resident("old", -20 * HOUR, 0, (1,)))
    found = index.seniors((1, 2), 20 * HOUR, "y", 48 * HOUR)
    assert [r.page_id for r in found] == ["old", "a", "b"], "c shares no band; z is junior (same time, later id)"
    assert [r.page_id for r in index.seniors((1, 2), 20 * HOUR, "y", 24 * HOUR)] == ["a", "b"], "old is too old"
    assert [r.page_id for r in index.near((1,), 0, "a", 24 * HOUR)] == ["old", "z"], "either side, never itself"


def test_a_document_is_filed_once_and_expires_by_arrival():
    index = _index(Resident("a", 0, 1_000, (1,)), Resident("b", 0, 5_000, (1,)))
    assert not index.add(Resident("a", 0, 9_000, (1, 2))), "a replay files nothing"
    assert index.expire(5_000) == ["a"] and "a" not in index and len(index) == 1
    assert [r.page_id for r in index.near((1,), 0, "x", HOUR)] == ["b"]


def test_documents_filed_out_of_time_order_are_found_as_if_filed_in_order():
    times = [30, 5, 47, 0, 12, 60, 12]
    residents = [Resident(f"d{i}", t * HOUR, 0, (7,)) for i, t in enumerate(times)]
    shuffled, ordered = _index(*residents), _index(*sorted(residents, key=lambda r: r.seniority))
    for probe in residents:
        for look in (shuffled, ordered):
            expected = sorted((r for r in residents if probe.event_time_ms - 24 * HOUR <= r.event_time_ms
                               and r.seniority < probe.seniority), key=lambda r: r.seniority)
            assert look.seniors((7,), probe.event_time_ms, probe.page_id, 24 * HOUR) == expected
    assert [r.page_id for r in shuffled.near((7,), 12 * HOUR, "d4", 12 * HOUR)] == ["d3", "d1", "d6"]


def test_tags_are_stable_and_dedupe_equal_keys():
    assert band_tag("x:00ff") == 0xcb2968c455fe4bac  # BLAKE2b, the same in every process and release
    assert band_tags(["b0:01", "t1:02", "b0:01"]) == tuple(sorted({band_tag("b0:01"), band_tag("t1:02")}))


@pytest.mark.parametrize("tag_range", [5, 400], ids=["shared-tags", "mostly-one-resident-per-tag"])
def test_lookups_equal_a_scan_of_every_resident_with_ties_and_shared_tags(tag_range: int):
    import random

    rng = random.Random(7)
    residents = [Resident(f"p{rng.randrange(1000):03d}-{i}", rng.randrange(6) * HOUR, 0,
                          tuple(sorted(rng.sample(range(tag_range), rng.randrange(1, 4))))) for i in range(300)]
    index = _index(*rng.sample(residents, len(residents)))
    for probe in residents[:100]:
        # Its own tags and a few others, so that tags held by one resident each are looked up too.
        tags, horizon = tuple(sorted({*probe.tags, *rng.sample(range(tag_range), min(tag_range, 40))})), 2 * HOUR
        shares = [r for r in residents if r.page_id != probe.page_id and set(r.tags) & set(tags)]
        seniors = [r for r in shares if probe.event_time_ms - horizon <= r.event_time_ms
                   and r.seniority < probe.seniority]
        near = [r for r in shares if abs(r.event_time_ms - probe.event_time_ms) <= horizon]
        assert index.seniors(tags, probe.event_time_ms, probe.page_id, horizon) == sorted(
            seniors, key=lambda r: r.seniority)
        assert index.near(tags, probe.event_time_ms, probe.page_id, horizon) == sorted(near, key=lambda r: r.seniority)
