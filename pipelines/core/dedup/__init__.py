"""Near-duplicate detection and story clustering: pure Python, no Beam import.

`normalize` → `signature.fingerprint` → `decide.classify` → `stories.cluster` (the offline
reference the Beam keyed-state version must reproduce)."""
