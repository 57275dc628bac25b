"""A pytest plugin for `make mutate` (pytest -p mutation_plugin, tests/MUTATION.md):

- The functions that the scripts a test started have called (sitecustomize.py writes them
  down) count as reached by that test, so their mutants are tested by it. Without this, a
  function that only a script calls has "no tests".
- TensorFlow is imported in the fork server, once, rather than in every mutant's process: an
  import forks safely (no session has started its thread pools yet).
- A mutant's tests run fastest first, by their times in mutmut's first run: most mutants are
  killed by the first test that fails (mutmut stops there), so a quick one should come first.
"""

import json
import os
import tempfile
from pathlib import Path

import pytest

HITS = Path(tempfile.gettempdir()) / f"mutmut-subprocess-hits-{os.getpid()}.txt"
STATS = Path("mutmut-stats.json")  # mutmut runs the tests in mutants/, where it keeps this


def pytest_configure(config):
    from rnn_mnist import tensorflow_v1

    tensorflow_v1.load()
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        os.environ["MUTMUT_SUBPROCESS_HITS"] = str(HITS)
        HITS.unlink(missing_ok=True)


def pytest_collection_modifyitems(config, items):
    try:
        duration = json.loads(STATS.read_text(encoding="utf-8"))["duration_by_test"]
    except (OSError, ValueError, KeyError):
        return  # the first run: no times yet
    items.sort(key=lambda item: duration.get(item.nodeid, float("inf")))


@pytest.hookimpl(tryfirst=True)  # before mutmut's own teardown hook reads the hits
def pytest_runtest_teardown(item, nextitem):
    if os.environ.get("MUTMUT_SUBPROCESS_HITS") != str(HITS) or not HITS.exists():
        return
    from mutmut.state import state

    state()._stats.update(HITS.read_text(encoding="utf-8").split())
    HITS.unlink()
