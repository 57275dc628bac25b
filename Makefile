# make run   - create .venv, install the pinned requirements, run the article's training
# make test  - the same set-up, then the test suite (the full 781-step run is skipped)
# make test-slow - only the slow tests: the full run, the golden logs, 30 random-moment stops, kill -9
# make study - the article's run with seeds 0..SEEDS-1 into runs/, compared with the article
# make bench - the article's run against Keras 3, PyTorch and the floor; writes bench/results.md
#              (BENCH_QUICK=1: a few steps, one run each, to check the harness)

SHELL := /bin/bash
PYTHON ?= python3
SEEDS ?= 10
BENCH_QUICK ?=
BENCH_OUTPUT ?= $(if $(BENCH_QUICK),runs/bench-quick.md,bench/results.md)
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
ARGS ?=

.PHONY: run test test-slow study study-seeds-checked bench clean

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
study: study-seeds-checked $(VENV)/installed
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

# Checked first: a bad SEEDS must not remove the previous study's logs.
study-seeds-checked:
	@[[ "$(SEEDS)" =~ ^[1-9][0-9]*$$ ]] || { echo "make study: SEEDS must be a positive whole number, not '$(SEEDS)'" >&2; exit 2; }

# PyTorch is installed for the full benchmark only; where it cannot be, its peer is skipped.
# The quick mode uses it if it is there, so that `make test` stays light.
bench: $(VENV)/installed
	@mkdir -p $(dir $(BENCH_OUTPUT))
	@$(if $(BENCH_QUICK),true,$(VENV_PYTHON) -m pip install --quiet \
		--disable-pip-version-check -r bench/requirements-peers.txt >&2) \
		|| echo "bench: torch could not be installed; the PyTorch peer will be skipped" >&2
	$(VENV_PYTHON) bench/run_bench.py $(if $(BENCH_QUICK),--quick) --output $(BENCH_OUTPUT)

# The stamp is remade, and the pins reinstalled, whenever a requirements file changes.
# Everything the set-up prints goes to stderr, so that `make run > run.log` holds the log alone
# on the first run too.
$(VENV)/installed: requirements.txt requirements-test.txt
	@$(PYTHON) -c 'import sys; ok = (3, 10) <= sys.version_info[:2] <= (3, 13); \
		sys.exit(0 if ok else "Python 3.10 to 3.13 is needed (TensorFlow 2.21 wheels); this is " + sys.version.split()[0] + ". Try: make PYTHON=python3.11")'
	@echo "make: installing requirements-test.txt into $(VENV) (a minute or two, once)" >&2
	@{ test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV); } >&2
	@$(VENV_PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt >&2
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
