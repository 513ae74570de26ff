# The two commands a new user needs: `make run` and `make test`. `make check` is the quick
# tier for the working loop: lint, unit and service tests, on SQLite only.
VENV    := .venv
BIN     := $(VENV)/bin
WEB     := src/opsroom/web
PYTHON  ?= python3
# Every Python package, the dev tools included, at the version and hashes `make lock` chose.
LOCK    := requirements-dev.lock
# pytest-xdist workers ("auto": one per CPU). Work stealing evens out the long tests at the
# end; it runs every item, where the scope-based modes drop the schemathesis items (their
# node ids repeat).
WORKERS ?= auto
PYTEST  := $(BIN)/pytest -q -n $(WORKERS) --dist worksteal

.PHONY: run test check install lint lock clean screenshots

run: install
	$(BIN)/opsroom db upgrade
	$(BIN)/opsroom demo --if-empty
	$(BIN)/opsroom serve

test: install lint
	$(PYTEST)

check: install lint
	env -u OPSROOM_TEST_POSTGRES_URL $(PYTEST) tests/unit tests/service

# PNGs of the main pages (light and dark, desktop and phone width) in var/screenshots, over
# the demo platform and its history, for a reviewer to look at; never committed.
screenshots: install
	$(BIN)/pytest -q -n $(WORKERS) -p no:cacheprovider tests/browser/screenshots.py

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

install: $(VENV)/.installed $(WEB)/node_modules/.installed

$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check  # fails if pyproject.toml asks for what the lock lacks: run `make lock`
	touch $@

# Regenerate the lock from pyproject.toml (runtime and dev dependencies), for every platform
# and Python from 3.11 up. Versions already in the lock are kept where they still fit; to
# move everything to the newest releases, delete the lock first.
lock:
	test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command 'make lock' --quiet -o $(LOCK)

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	npm ci --prefix $(WEB) --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) $(WEB)/node_modules var .pytest_cache .mypy_cache .ruff_cache
