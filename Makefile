# make demo  - set up if needed, then a generated working day on a virtual clip, synced and reported
#              (a week: .venv/bin/stepclip demo --week)
# make test  - set up if needed, then run the whole suite
# make setup - install everything into .venv/ (idempotent)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: setup
	$(BIN)/stepclip demo

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/stepclip bench

clean:
	rm -rf build .pytest_cache .hypothesis
