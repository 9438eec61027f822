# The two commands a newcomer needs: `make run` and `make test`. Both create .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
WAREHOUSE := data/warehouse.duckdb
PORT ?= 8501

.PHONY: run serve test setup demo build sql bench calibrate clean import demo-exports report notify

setup: $(STAMP)

$(STAMP): requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 on PATH)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

# The demo warehouse is built only when there is none; `make demo` rebuilds it.
$(WAREHOUSE): | $(STAMP)
	$(BIN)/python -m qjgov.demo

run: $(STAMP) $(WAREHOUSE)
	$(BIN)/python -m qjgov.serve --server.port $(PORT)

# The public link on several cores: REPLICAS app processes behind nginx on PORT (docs/deployment.md;
# nginx from `bash .ci/install-front.sh`).
serve: $(STAMP) $(WAREHOUSE)
	$(BIN)/python -m qjgov.serve --replicas $(or $(REPLICAS),2) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest

demo: $(STAMP)
	$(BIN)/python -m qjgov.demo --force

build: $(STAMP)
	$(BIN)/python -m qjgov.build

# Import the platform's exports: make import TABLE=cases FILES="a.csv b.xlsx" (TABLE may be left out).
import: $(STAMP)
	@test -n "$(FILES)" || { echo 'usage: make import [TABLE=cases] FILES="a.csv b.xlsx"'; exit 2; }
	$(BIN)/python -m qjgov.importer $(if $(TABLE),--table $(TABLE)) $(FILES)

# The demo data as export files (Chinese headers, GB18030 CSV, .xlsx with a title row) in data/exports/.
demo-exports: $(STAMP) $(WAREHOUSE)
	$(BIN)/python -m qjgov.demo.exports

# Ad-hoc SQL: the DuckDB 1.x CLI, read-only, so it can run beside the app.
sql: $(STAMP) $(WAREHOUSE)
	$(BIN)/duckdb -readonly $(WAREHOUSE)

# The monthly report: make report AS_OF=2021-06-30 [REPORT_LANG=en] [FORMAT=html] [DEPARTMENT=行政审批科] (into reports/).
report: $(STAMP) $(WAREHOUSE)
	@test -n "$(AS_OF)" || { echo 'usage: make report AS_OF=2021-06-30 [REPORT_LANG=zh|en] [FORMAT=pdf|html] [DEPARTMENT=name]'; exit 2; }
	$(BIN)/python -m qjgov.report --as-of $(AS_OF) --lang $(or $(REPORT_LANG),zh) --format $(or $(FORMAT),pdf) $(if $(DEPARTMENT),--department "$(DEPARTMENT)")

# Each department's digest by e-mail, its own report attached (docs/deployment.md#digests-and-alerts):
# make notify AS_OF=2021-06-30 [DEPARTMENT=行政审批科] [DRY_RUN=1: .eml files into digests/, nothing sent].
# It builds no demo when there is no warehouse: it says so instead of mailing made-up numbers.
notify: $(STAMP)
	@test -n "$(AS_OF)" || { echo 'usage: make notify AS_OF=2021-06-30 [DEPARTMENT=行政审批科] [DRY_RUN=1]'; exit 2; }
	$(BIN)/python -m qjgov.notify --as-of $(AS_OF) $(if $(DEPARTMENT),--department "$(DEPARTMENT)") $(if $(DRY_RUN),--dry-run)

# BENCH_MAX=10000000 make bench adds the city volume.
bench: $(STAMP)
	$(BIN)/python -m qjgov.bench

# How well the chance of meeting each goal comes true over simulated plan years (docs/calibration.md):
# CALIBRATE_YEARS=200 by default, JOBS=2 processes.
calibrate: $(STAMP)
	$(BIN)/python -m qjgov.calibrate --years $(or $(CALIBRATE_YEARS),200) --jobs $(or $(JOBS),2)

# Never data/raw (imports land there) nor data/quarantine (the refused rows): `make demo`
# regenerates the demo data, and refuses while data/raw holds anything the generator did not write.
clean:
	rm -rf $(VENV) $(WAREHOUSE) test-output bench-output .pytest_cache
