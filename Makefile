# make demo   set up and run intake on a demonstration home (prints where everything is)
# make check  the quick loop (under a minute): the unit tests and the fast integration tests; no
#             server, browser or LibreOffice (the tests marked slow, server, browser or libreoffice
#             are left out; pyproject.toml says what each mark means)
# make test   set up (Python venv + Debian packages the tests use) and run every test (as CI does)
# make bench  the performance benchmark (bench/perf.py; ~10 minutes): every figure beside its target
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo check test bench venv system-deps runtime-deps clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

venv: $(BIN)/.installed

system-deps:
	./scripts/system-deps.sh test

runtime-deps:
	./scripts/system-deps.sh runtime

demo: venv runtime-deps
	PREFECT_SERVER_ANALYTICS_ENABLED=false $(BIN)/cpip demo --home cpip-demo

QUICK := not slow and not server and not browser and not libreoffice

check: venv
	PREFECT_SERVER_ANALYTICS_ENABLED=false PREFECT_HOME=$(CURDIR)/.prefect $(BIN)/python -m pytest tests/unit \
		tests/integration -m "$(QUICK)" --durations=5

test: venv system-deps
	PREFECT_SERVER_ANALYTICS_ENABLED=false PREFECT_HOME=$(CURDIR)/.prefect $(BIN)/python -m pytest

bench: venv runtime-deps
	$(BIN)/python bench/perf.py

clean:
	rm -rf $(VENV) cpip-demo .prefect bench/out
