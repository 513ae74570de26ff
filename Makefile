# The two commands a new user needs: `make run` and `make test`.
VENV    := .venv
BIN     := $(VENV)/bin
WEB     := src/opsroom/web
PYTHON  ?= python3

.PHONY: run test install lint check-schema clean

run: install
	$(BIN)/opsroom db upgrade
	$(BIN)/opsroom demo --if-empty
	$(BIN)/opsroom serve

test: install lint
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

install: $(VENV)/.installed $(WEB)/node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	npm ci --prefix $(WEB) --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) $(WEB)/node_modules var .pytest_cache .mypy_cache .ruff_cache
