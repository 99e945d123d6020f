"""The one place that pins the versions of the Java and Python runtimes the project drives.

pyproject.toml pins the same apache-beam version for pip; a test checks that the two agree.
"""

BEAM_VERSION = "2.62.0"  # newest Beam whose Flink runner and all its dependencies Maven serves here
KAFKA_VERSION = "4.3.1"  # kafka-tools 4.4.0 needs artifacts Maven Central does not serve here
SCALA_BINARY = "2.13"
FLINK_MINOR = "1.19"  # the Flink line beam-runners-flink-<minor>:<BEAM_VERSION> is published for
FLINK_VERSION = "1.19.0"  # the exact Flink of Beam 2.62's runner; the standalone cluster runs it
