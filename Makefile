# make run   - create .venv, install the pinned requirements, run the article's training
# make test  - the same set-up, then the test suite (the full 781-step run is skipped)
# make test-slow - only the slow test: the article's full run, checked (about half a minute)
# make study - the article's run with seeds 0..SEEDS-1 into runs/, compared with the article

SHELL := /bin/bash
PYTHON ?= python3
SEEDS ?= 10
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
ARGS ?=

.PHONY: run test test-slow study clean

# The command goes to stderr so that `make run > run.log` holds the log alone.
run: $(VENV)/installed
	@echo "$(VENV_PYTHON) train_rnn_mnist.py $(ARGS)" >&2
	@$(VENV_PYTHON) train_rnn_mnist.py $(ARGS)

test: $(VENV)/installed
	$(VENV_PYTHON) -m pytest

test-slow: $(VENV)/installed
	$(VENV_PYTHON) -m pytest --runslow -m slow

# Each seed's log goes to runs/seed-S.log, its stderr to runs/seed-S.err and its wall time to
# runs/times.txt; earlier seed logs are removed first so that runs/*.log is this study alone.
study: $(VENV)/installed
	@mkdir -p runs
	@rm -f runs/seed-*.log runs/seed-*.err runs/times.txt
	@for seed in $$(seq 0 $$(($(SEEDS) - 1))); do \
		TIMEFORMAT="seed $$seed: %R s wall time"; \
		{ time $(VENV_PYTHON) train_rnn_mnist.py --seed $$seed \
			> runs/seed-$$seed.log 2> runs/seed-$$seed.err; } 2>> runs/times.txt \
			|| { cat runs/seed-$$seed.err >&2; exit 1; }; \
		tail -n 1 runs/times.txt; \
	done
	$(VENV_PYTHON) compare_with_article.py runs/*.log --plot runs/study.png

# The stamp is remade, and the pins reinstalled, whenever a requirements file changes.
$(VENV)/installed: requirements.txt requirements-test.txt
	@$(PYTHON) -c 'import sys; ok = (3, 10) <= sys.version_info[:2] <= (3, 13); \
		sys.exit(0 if ok else "Python 3.10 to 3.13 is needed (TensorFlow 2.21 wheels); this is " + sys.version.split()[0] + ". Try: make PYTHON=python3.11")'
	test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
