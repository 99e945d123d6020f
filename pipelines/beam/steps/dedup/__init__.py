"""Near-duplicate dedup as keyed, stateful Beam steps (the twin of pipelines.core.dedup.stories)."""

from pipelines.beam.steps.dedup.index import dedup_docs
from pipelines.beam.steps.dedup.one_group import DedupStoriesInOneGroup
from pipelines.beam.steps.dedup.transform import DedupStories

__all__ = ["DedupStories", "DedupStoriesInOneGroup", "dedup_docs"]
