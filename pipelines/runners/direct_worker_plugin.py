"""Imported by Beam in each worker process of a multi-process DirectRunner (`--beam_plugin`), which
Beam starts itself: importing it installs the SDK patches there, as `launch.run` does in-process.

This is the one module whose import has that effect, and only the runner options name it."""

from pipelines.beam.sdk_patches import install

install("DirectRunner")
