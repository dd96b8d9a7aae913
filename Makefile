# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make serve   start the service on the embedded store with the article's graph
#   make test    run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: serve test install

$(BIN)/onteam: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/onteam

serve: install
	$(BIN)/onteam serve

test: install
	$(BIN)/pytest
