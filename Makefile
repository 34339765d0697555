# Every target creates .venv and installs the project on first use, so a fresh clone needs
# nothing but Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo web test lint bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON) 未找到）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

demo: $(STAMP)
	$(BIN)/nianbao demo

# The web front end on 127.0.0.1:8080 with a demo organisation and account (its own database).
web: $(STAMP)
	$(BIN)/nianbao web --demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python bench/cli_startup.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/generate.py
	$(BIN)/python bench/storage_writers.py
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/bot_echo.py
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/read.py
	$(BIN)/python bench/read_layouts.py
	$(BIN)/python bench/narrative.py
	$(BIN)/python bench/transcript.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/overview.py
	$(BIN)/python bench/admin_pages.py

clean:
	rm -rf $(VENV) out var .pytest_cache
