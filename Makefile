# make run   - create .venv, install the pinned requirements, run the article's training, keep
#              its model in runs/article
# make predict, make compare, make export-page - predict_digit.py, compare_with_article.py,
#              export_page_model.py with ARGS, in the venv
# make keras - the article's run written in Keras 3 (train_rnn_mnist_keras.py) with ARGS
# make export - the kept model as .keras, SavedModel, ONNX and PyTorch files, each checked
#              (rnn_mnist/exports.py with ARGS; tf2onnx, onnxruntime and torch installed on demand)
# make test  - the same set-up and the tests' tools, then the test suite (slow tests skipped)
# make notebook - the article's notebook, train_rnn_mnist.ipynb, in Jupyter (installed on demand)
# make tensorboard - TensorBoard (installed on demand) on LOGDIR, a run's --logdir (runs/tb)
# make test-slow - only the slow tests: the full run, the golden logs, 30 random-moment stops, kill -9
# make study - the article's run with seeds 0..SEEDS-1 into runs/, JOBS at a time (default: the
#              number of cores), compared with the article
# make reference - the 100 reference runs (seeds 0..99) into data/reference_runs.csv, then
#              docs/reproduction.md's figures and pictures rewritten from it
# make bench - the article's run against Keras 3, PyTorch and the floor; writes bench/results.md
#              (BENCH_QUICK=1: a few steps, one run each, to check the harness)
# make test-platforms - the platform-sensitive tests under simulated macOS and Windows Pythons
#              (WHOLE=1: the whole fast suite and the 30 random-moment stops as macOS too)
# make test-page - the browser page's tests in headless Chromium (Selenium installed on demand;
#              the browser is the system's: apt-get install chromium chromium-driver)
# make test-export - the exports' tests, with their packages installed on demand
# make demo  - the browser page, web/index.html, opened in the system's browser
# make mutate - mutmut's mutation run over the newer plain-Python modules, with each one's score
#              (tests/MUTATION.md; over an hour on 2 cores; not part of make test)
# make lock  - regenerate the locks (requirements*.txt, every package with its hashes) from the
#              hand-written requirements*.in, after changing a pin
#
# Each target is a command of tasks.py, which does the work on every system (Windows, which has
# no make, runs `py tasks.py run` and the like). The settings below reach it through the
# environment, so ARGS is passed to the trainer as arguments, never run as shell text.

PYTHON ?= python3
# Exported only when given (`make study SEEDS=` gives an empty one), so tasks.py's defaults hold,
# and as typed: make would expand a `$` in them when it exports them (ARGS="--save-dir
# w/price$save" saved into w/priceave), so each is first made a simple variable of its own text.
SETTINGS := ARGS SEEDS JOBS RUNS LOGDIR BENCH_QUICK BENCH_OUTPUT WHOLE
$(foreach name,$(SETTINGS),$(if $(filter undefined,$(origin $(name))),,\
  $(eval override $(name) := $$(value $(name)))$(eval export $(name))))

TARGETS := run predict compare export-page keras export test test-slow study reference notebook tensorboard bench test-platforms test-page test-export demo mutate lock clean
.PHONY: $(TARGETS)

$(TARGETS):
	@$(PYTHON) tasks.py $@
