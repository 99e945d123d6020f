"""Windowed near-duplicate dedup as keyed, stateful Beam steps (the twin of core.dedup.stories)."""

from pipelines.beam.steps.dedup.transform import DedupStories, dedup_docs

__all__ = ["DedupStories", "dedup_docs"]
