# Shelfwise: `make demo` serves the demo shop, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_DIR ?= demo-shop
# The demo shop's language, en or zh: `make demo SHOP_LANG=zh`. `make demo LANG=zh` works too, but
# LANG is every program's locale variable and "zh" is no locale: given on make's command line it
# names the shop's language and the demo itself runs with LANG=C.UTF-8.
ifeq ($(origin LANG),command line)
ifndef SHOP_LANG
SHOP_LANG := $(LANG)
endif
override LANG := C.UTF-8
endif
SHOP_LANG ?= en
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint clean

install: $(VENV)/.installed

# torch is installed first and pinned: an unpinned torch would pull a multi-GB CUDA build.
# pip runs without --quiet so that the first install (minutes) shows what it is doing.
$(VENV)/.installed: pyproject.toml
	@echo "[1/3] creating $(VENV) (first run only: about 2.9 GB, several minutes)"
	$(PYTHON) -m venv $(VENV)
	@echo "[2/3] installing torch 2.13.0"
	$(PY) -m pip install --progress-bar on torch==2.13.0
	@echo "[3/3] installing shelfwise and its dependencies"
	$(PY) -m pip install --progress-bar on -e '.[dev]'
	touch $@

demo: install
	$(VENV)/bin/shelfwise demo --language $(SHOP_LANG) --data-dir $(DEMO_DIR) --host $(HOST) --port $(PORT)

# `-n 2`: two pytest-xdist workers (tests/cluster and tests/browser each run whole on one of them:
# tests/conftest.py). `--durations`: the slowest tests are printed, to keep the suite within its 25
# minutes on 2 cores.
test: lint
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q -n 2 --durations=25

# ruff: the lint rules and the format (`ruff format --check`) of the package, tests, benchmarks
# and tools. mypy: the package's types ([tool.mypy] in pyproject.toml). bandit: no finding of high
# severity (-lll) anywhere in the package. lint-imports: the package's layers and no import cycles
# (the contracts are [tool.importlinter] in pyproject.toml).
lint: install
	$(VENV)/bin/ruff check shelfwise tests benchmarks tools
	$(VENV)/bin/ruff format --check shelfwise tests benchmarks tools
	$(VENV)/bin/mypy shelfwise
	$(VENV)/bin/bandit -q -r shelfwise -lll
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) $(DEMO_DIR)
