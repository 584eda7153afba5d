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

# every shipped model, rebuilt from ../shared/datasets in the background (about 2 hours on
# 2 cores); the log ends with the time each took. In the foreground: python scripts/train_checkpoints.py
checkpoints: $(STAMP)
	@$(BIN)/python scripts/train_checkpoints.py --check
	@mkdir -p runs
	@nohup $(BIN)/python scripts/train_checkpoints.py > runs/checkpoints.log 2>&1 & \
	echo "Rebuilding every shipped checkpoint in the background (pid $$!)."; \
	echo "Follow it with: tail -f runs/checkpoints.log"

clean:
	rm -rf $(VENV) .pytest_cache
