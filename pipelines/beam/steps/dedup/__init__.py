"""Near-duplicate dedup in Beam, the twin of pipelines.core.dedup.stories: keyed, stateful steps
(transform.py: streaming runs and large bounded ones) and one group (one_group.py: bounded runs)."""

from pipelines.beam.steps.dedup.index import dedup_docs
from pipelines.beam.steps.dedup.one_group import DedupStoriesInOneGroup
from pipelines.beam.steps.dedup.transform import DedupStories

__all__ = ["DedupStories", "DedupStoriesInOneGroup", "dedup_docs"]
