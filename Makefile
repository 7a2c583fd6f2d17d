# Patrol: `make demo` and `make test` work on a fresh Debian 12 with Python 3.11; they create
# .venv and install what they need themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The lab's own secrets (a simulated bank on loopback: not a customer's).
export PATROL_LAB_COMMUNITY ?= patrol-lab
export PATROL_LAB_V3_AUTH ?= lab-auth-key-0001
export PATROL_LAB_V3_PRIV ?= lab-priv-key-0001
export PATROL_LAB_SSH_PASSWORD ?= lab-ssh-password

.PHONY: demo test lint format bench bench-snmp bench-ssh bench-ingest clean install

# Debian ships venv/ensurepip in a separate package: install it when missing (root or sudo).
$(BIN)/python:
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "installing python3-venv (Debian keeps ensurepip apart)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	bash scripts/demo.sh

# PostgreSQL tests run when PATROL_TEST_PG_URL is set, or when a PostgreSQL answers on
# 127.0.0.1:5432 (then its `test` database); otherwise they are skipped and pytest says so.
PG_TEST_URL := postgresql+psycopg://postgres@127.0.0.1:5432/test
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@if [ -z "$$PATROL_TEST_PG_URL" ] && $(BIN)/python -c 'import socket; socket.create_connection(("127.0.0.1", 5432), 1).close()' 2>/dev/null; then \
	  export PATROL_TEST_PG_URL='$(PG_TEST_URL)'; \
	fi; \
	echo "PATROL_TEST_PG_URL=$${PATROL_TEST_PG_URL:-(unset: PostgreSQL tests will be skipped)}"; \
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The responders and baselines come from Debian: installed (non-interactively, once) when
# missing and we are root; otherwise bench.snmp_sweep says what to install.
BENCH_TOOLS := snmpd snmpget snmpbulkwalk prometheus-snmp-exporter
bench-snmp: $(STAMP)
	@for t in $(BENCH_TOOLS); do command -v $$t >/dev/null || missing=1; done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    snmpd snmp prometheus-snmp-exporter; \
	fi
	$(BIN)/python -m bench.snmp_sweep

# 100 simulated SSH devices (the lab's CLI simulator): Patrol's sweep against a connection per
# command; nothing to install beyond the venv. Figures go to docs/benchmarks.md.
bench-ssh: $(STAMP)
	$(BIN)/python -m bench.ssh_sweep

# The server's ingest on SQLite and PostgreSQL (127.0.0.1:5432, database `test`, a schema of its
# own dropped afterwards; $PATROL_BENCH_PG_URL overrides; skipped with a note when it does not
# answer): results/s against a plain Core insert, ticket visibility. About 2 minutes.
bench-ingest: $(STAMP)
	$(BIN)/python -m bench.ingest

# Every benchmark, one after the other (each writes its own section of docs/benchmarks.md).
bench: $(STAMP)
	$(MAKE) --no-print-directory bench-snmp
	$(MAKE) --no-print-directory bench-ssh
	$(MAKE) --no-print-directory bench-ingest

clean:
	rm -rf $(VENV) .pytest_cache var
