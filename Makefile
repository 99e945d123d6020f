# Every target installs what it needs first: a fresh clone needs only Python 3.11, Java 17, Maven and Go.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: all venv deps demo test lint bench clean

all: test

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Kafka jars (mvn), the Prism runner binary (go install), the Flink job server (mvn) and the standalone
# Flink distribution (pip download of its PyPI artifacts), cached under ~/.cache/newsbeam.
deps: venv
	$(PY) -c "from pipelines.kafka.broker import ensure_kafka_jars; print(ensure_kafka_jars())"
	$(PY) -c "from pipelines.runners.prism import ensure_prism; print(ensure_prism())"
	$(PY) -c "from pipelines.runners.flink import ensure_job_server_jar; print(ensure_job_server_jar())"
	$(PY) -c "from pipelines.runners.flink_metrics import ensure_reporter_jar; print(ensure_reporter_jar())"
	$(PY) -c "from pipelines.runners.flink_cluster import ensure_distribution; print(ensure_distribution())"
	bash deploy/prometheus/install.sh

demo: deps
	$(VENV)/bin/newsbeam demo

test: deps
	$(PY) -m pytest -q

lint: venv
	$(VENV)/bin/ruff check pipelines tests benchmarks
	$(PY) -m pipelines.ops.render --check

bench: deps
	$(VENV)/bin/newsbeam bench

clean:
	rm -rf $(VENV) out .pytest_cache
