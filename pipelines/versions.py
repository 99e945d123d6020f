"""The one place that pins the versions of the Java and Python runtimes the project drives.

pyproject.toml pins the same apache-beam version for pip; a test checks that the two agree.
"""

BEAM_VERSION = "2.77.0"
KAFKA_VERSION = "4.3.1"  # kafka-tools 4.4.0 needs artifacts Maven Central does not serve here
SCALA_BINARY = "2.13"
