# make demo  - set up if needed, then a generated working day on a virtual clip, synced and reported
#              (a week: .venv/bin/stepclip demo --week)
# make test  - set up if needed, then run the whole suite
# make setup - install everything into .venv/ (idempotent)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PICO := simulator/pico

.PHONY: setup demo test bench clean

setup: $(STAMP) $(PICO)/node_modules/.installed

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# the emulated Pico's rp2040js, from the committed lock file, into the project
$(PICO)/node_modules/.installed: $(PICO)/package-lock.json
	cd $(PICO) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: setup
	$(BIN)/stepclip demo

# one worker per core (CI has two), a test file to a worker: a file's module fixtures are built once
test: setup
	$(BIN)/python -m pytest -q -n auto --dist loadfile

bench: setup
	$(BIN)/stepclip bench

clean:
	rm -rf build .pytest_cache .hypothesis $(PICO)/node_modules
