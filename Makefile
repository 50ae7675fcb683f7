# The two commands of the README, and their building blocks.
#   make run   start the chat on http://127.0.0.1:8000/ (SQLite, in-memory channel layer);
#              another address or port: make run BIND=0.0.0.0:9000
#   make test  run the whole test suite (installs the test tools, Chromium and axe-core first)
#   make screenshots  take the README's pictures again (tests/screenshots/)

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIND ?= 127.0.0.1:8000

.PHONY: run test lint chromium axe nginx screenshots

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.tests: $(VENV)/.runtime tests/requirements.txt
	$(PY) -m pip install --quiet -r tests/requirements.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) manage.py migrate --no-input
	$(PY) manage.py serve --bind $(BIND)

# Chromium, and a colour emoji font so the screenshots the browser tests take show reactions.
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; \
	  else \
	    echo "Browser tests need Chromium: sudo apt-get install chromium fonts-noto-color-emoji"; \
	  fi; \
	fi

# nginx, which the proxy tests put in front of two servers with the configuration the
# deploying docs ship (docs/examples/nginx.conf). Debian's package; its own service is not used.
nginx:
	@if [ ! -x /usr/sbin/nginx ] && ! command -v nginx >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	  else \
	    echo "The proxy tests need nginx: sudo apt-get install nginx"; \
	  fi; \
	fi

# axe-core, for the browser tests' accessibility checks: from npm, pinned, into a folder git
# ignores (never vendored). Without npm the checks skip loudly; under CI=true they fail.
AXE_VERSION := 4.10.3
AXE_DIR := tests/.node
axe:
	@if grep -qs '"version": "$(AXE_VERSION)"' $(AXE_DIR)/node_modules/axe-core/package.json; then :; \
	else \
	  if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  fi; \
	  if command -v npm >/dev/null; then \
	    npm install --no-save --no-audit --no-fund --silent --prefix $(AXE_DIR) axe-core@$(AXE_VERSION); \
	  elif [ "$$CI" = true ]; then \
	    echo "npm is missing: the accessibility checks need axe-core from npm; CI requires them."; exit 1; \
	  else \
	    echo "The accessibility checks need npm (sudo apt-get install npm); they will be skipped."; \
	  fi; \
	fi

lint: $(VENV)/.tests
	$(VENV)/bin/ruff check .

POSTGRES_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
# Test processes side by side (pytest-xdist), a module to each; TEST_WORKERS=0 runs in one.
TEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

# Everything on SQLite (browser journey included), then on PostgreSQL again what the
# database can change: the tests that use the test process's own database. Servers the
# tests start, and the browser journey, choose their database themselves.
test: $(VENV)/.tests chromium axe nginx lint
	$(PYTEST)
	@if $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
	  DATABASE_URL=$(POSTGRES_TEST_URL) $(PYTEST) -m "database and not browser"; \
	elif [ "$$CI" = true ]; then \
	  echo "PostgreSQL is not reachable on 127.0.0.1:5432; CI requires it."; exit 1; \
	else \
	  echo "SKIPPED LOUDLY: the PostgreSQL pass (nothing listens on 127.0.0.1:5432)."; \
	fi

# The README's pictures: the browser tests that take them, writing tests/screenshots/.
screenshots: $(VENV)/.tests chromium
	CHAT_SCREENSHOTS=1 $(PY) -m pytest -m screenshots
