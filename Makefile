# Shelfwise: `make demo` serves the demo shop, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_DIR ?= demo-shop
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint clean

install: $(VENV)/.installed

# torch is installed first and pinned: an unpinned torch would pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: install
	$(VENV)/bin/shelfwise demo --data-dir $(DEMO_DIR) --host $(HOST) --port $(PORT)

test: lint
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

# bandit: no finding of high severity (-lll) anywhere in the package.
lint: install
	$(VENV)/bin/ruff check shelfwise tests benchmarks
	$(VENV)/bin/bandit -q -r shelfwise -lll

clean:
	rm -rf $(VENV) $(DEMO_DIR)
