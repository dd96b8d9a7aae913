# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make serve   start the service on the embedded store with the article's graph
#   make test    run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: serve test install chromium

$(BIN)/onteam: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/onteam

serve: install
	$(BIN)/onteam serve

test: install chromium
	$(BIN)/pytest

# The browser tests drive Debian's headless Chromium; install it when missing (as root),
# otherwise stop with the command to run.
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk; \
	  else \
	    echo "The browser tests need Chromium: sudo apt-get install chromium chromium-driver fonts-noto-cjk" >&2; exit 1; \
	  fi; \
	fi
