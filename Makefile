# Two commands do all the setup: `make run` opens the app, `make test` runs every test.
# Both create .venv on first use and install the app into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test screenshot checkpoints clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/playground

test: $(STAMP)
	$(BIN)/python -m pytest

screenshot: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python scripts/make_screenshots.py

checkpoints: $(STAMP)
	$(BIN)/python scripts/train_checkpoints.py

clean:
	rm -rf $(VENV) .pytest_cache
