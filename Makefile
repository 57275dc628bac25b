# make run   - create .venv, install the pinned requirements, run the article's training
# make test  - the same set-up and the tests' tools, then the test suite (slow tests skipped)
# make notebook - the article's notebook, train_rnn_mnist.ipynb, in Jupyter (installed on demand)
# make tensorboard - TensorBoard (installed on demand) on LOGDIR, a run's --logdir (runs/tb)
# make test-slow - only the slow tests: the full run, the golden logs, 30 random-moment stops, kill -9
# make study - the article's run with seeds 0..SEEDS-1 into runs/, JOBS at a time (default: the
#              number of cores), compared with the article
# make bench - the article's run against Keras 3, PyTorch and the floor; writes bench/results.md
#              (BENCH_QUICK=1: a few steps, one run each, to check the harness)

SHELL := /bin/bash
PYTHON ?= python3
SEEDS ?= 10
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
RUNS ?= runs
STUDY_LOGS = $(foreach seed,$(shell seq 0 $$(($(SEEDS) - 1))),$(RUNS)/seed-$(seed).log)
BENCH_QUICK ?=
BENCH_OUTPUT ?= $(if $(BENCH_QUICK),runs/bench-quick.md,bench/results.md)
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
# Every use sends pip's output to stderr, so that `make run > run.log` holds the log alone.
PIP_INSTALL := $(VENV_PYTHON) -m pip install --quiet --disable-pip-version-check
ARGS ?=
LOGDIR ?= runs/tb

.PHONY: run test test-slow notebook tensorboard study study-seeds-checked bench clean

# The command goes to stderr so that `make run > run.log` holds the log alone.
run: $(VENV)/installed
	@echo "$(VENV_PYTHON) train_rnn_mnist.py $(ARGS)" >&2
	@$(VENV_PYTHON) train_rnn_mnist.py $(ARGS)

test: $(VENV)/installed-test
	$(VENV_PYTHON) -m pytest

test-slow: $(VENV)/installed-test
	$(VENV_PYTHON) -m pytest --runslow -m slow

# Jupyter is installed for this target only, into the project's venv, so that the notebook's
# kernel is the venv's Python. As root (in a container) Jupyter asks for --allow-root.
notebook: $(VENV)/installed
	@$(PIP_INSTALL) -r requirements-notebook.txt >&2
	$(VENV)/bin/jupyter notebook $(if $(filter 0,$(shell id -u)),--allow-root) train_rnn_mnist.ipynb

# Each seed's log goes to $(RUNS)/seed-S.log, its stderr to seed-S.err and its wall time to
# times.txt; earlier seed logs are removed first so that $(RUNS)/*.log is this study alone.
# The seeds run JOBS at a time, through make's own -j and a rule per seed log. Each process
# keeps TensorFlow on one thread, so a seed's log is the same whatever JOBS is.
study: study-seeds-checked $(VENV)/installed
	@mkdir -p $(RUNS)
	@rm -f $(RUNS)/seed-*.log $(RUNS)/seed-*.log.tmp $(RUNS)/seed-*.err $(RUNS)/seed-*.time \
		$(RUNS)/times.txt
	@$(MAKE) --no-print-directory -j $(JOBS) $(STUDY_LOGS)
	@cat $(STUDY_LOGS:.log=.time) > $(RUNS)/times.txt
	$(VENV_PYTHON) compare_with_article.py $(STUDY_LOGS) --plot $(RUNS)/study.png

# A log is written under a temporary name and renamed when its run has finished, so that a
# failed or interrupted seed never leaves a log that looks complete. A failed seed stops the
# study (make starts no more seeds) and shows its stderr.
$(RUNS)/seed-%.log:
	@TIMEFORMAT="seed $*: %R s wall time"; \
	{ time $(VENV_PYTHON) train_rnn_mnist.py $(ARGS) --seed $* > $@.tmp 2> $(RUNS)/seed-$*.err; } \
		2> $(RUNS)/seed-$*.time \
		|| { cat $(RUNS)/seed-$*.err >&2; rm -f $@.tmp; \
			echo "make study: seed $* failed; its stderr is above and in $(RUNS)/seed-$*.err" >&2; \
			exit 1; }
	@mv $@.tmp $@
	@cat $(RUNS)/seed-$*.time

# Checked first: a bad SEEDS or JOBS must not remove the previous study's logs.
study-seeds-checked:
	@[[ "$(SEEDS)" =~ ^[1-9][0-9]*$$ ]] || { echo "make study: SEEDS must be a positive whole number, not '$(SEEDS)'" >&2; exit 2; }
	@[[ "$(JOBS)" =~ ^[1-9][0-9]*$$ ]] || { echo "make study: JOBS must be a positive whole number, not '$(JOBS)'" >&2; exit 2; }

# TensorBoard too is installed on demand. LOGDIR is a run's --logdir.
tensorboard: $(VENV)/installed
	@test -d "$(LOGDIR)" || { echo "make tensorboard: no folder $(LOGDIR): run .venv/bin/python train_rnn_mnist.py --logdir $(LOGDIR) first" >&2; exit 2; }
	@$(PIP_INSTALL) -r requirements-tensorboard.txt >&2
	$(VENV)/bin/tensorboard --logdir $(LOGDIR)

# PyTorch is installed for the full benchmark only; where it cannot be, its peer is skipped.
# The quick mode uses it if it is there, so that `make test` stays light.
bench: $(VENV)/installed
	@mkdir -p $(dir $(BENCH_OUTPUT))
	@$(if $(BENCH_QUICK),true,$(PIP_INSTALL) -r bench/requirements-peers.txt >&2) \
		|| echo "bench: torch could not be installed; the PyTorch peer will be skipped" >&2
	$(VENV_PYTHON) bench/run_bench.py $(if $(BENCH_QUICK),--quick) --output $(BENCH_OUTPUT)

# The stamp is remade, and the pins reinstalled, whenever a requirements file changes.
# Everything the set-up prints goes to stderr, so that `make run > run.log` holds the log alone
# on the first run too. `make run` installs what the scripts need; the tests' tools come on top.
$(VENV)/installed: requirements.txt
	@$(PYTHON) -c 'import sys; ok = (3, 10) <= sys.version_info[:2] <= (3, 13); \
		sys.exit(0 if ok else "Python 3.10 to 3.13 is needed (TensorFlow 2.21 wheels); this is " + sys.version.split()[0] + ". Try: make PYTHON=python3.11")'
	@echo "make: installing requirements.txt into $(VENV) (a minute or two, once)" >&2
	@{ test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV); } >&2
	@$(PIP_INSTALL) -r requirements.txt >&2
	@touch $@

$(VENV)/installed-test: requirements-test.txt $(VENV)/installed
	@echo "make: installing requirements-test.txt into $(VENV)" >&2
	@$(PIP_INSTALL) -r requirements-test.txt >&2
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
