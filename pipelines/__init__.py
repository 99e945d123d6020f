"""newsbeam: streaming news ingestion on Apache Beam with real Kafka in and out."""

__version__ = "0.1.0"
