"""Started by every Python that `make mutate` runs (tasks.py puts this folder on PYTHONPATH), so
that the scripts the tests start in a fresh Python take part in the mutation run too.

mutmut runs the tests in-process; a mutant is chosen by the MUTANT_UNDER_TEST variable, which
a script started by a test inherits. Two things are missing there, and are added here:
- mutmut's settings, which it reads from setup.cfg in the current folder on first use, and a
  test's script runs in a folder of its own: they are read here from the project's folder.
- The run that finds which tests reach which function (MUTANT_UNDER_TEST=stats) notes the
  functions a script calls in the script's process, where mutmut never looks: they are
  written to the file that mutation_plugin.py hands back to mutmut after each test.
"""

import os

if "MUTANT_UNDER_TEST" in os.environ:
    import atexit
    from pathlib import Path

    from mutmut.configuration import config
    from mutmut.state import state

    _here = os.getcwd()
    os.chdir(Path(__file__).resolve().parents[2])  # the project's folder, with setup.cfg
    try:
        config()
    finally:
        os.chdir(_here)

    def _write_hits():
        hits = os.environ.get("MUTMUT_SUBPROCESS_HITS")
        if hits and state()._stats:
            with open(hits, "a", encoding="utf-8") as file:
                file.writelines(f"{name}\n" for name in sorted(state()._stats))

    if os.environ["MUTANT_UNDER_TEST"] == "stats":
        atexit.register(_write_hits)
