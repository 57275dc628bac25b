"""Started by every Python that `make mutate` runs (tasks.py puts this folder on PYTHONPATH), so
that the scripts the tests start in a fresh Python take part in the mutation run too.

mutmut runs the tests in-process; a mutant is chosen by the MUTANT_UNDER_TEST variable, which
a script started by a test inherits. Two things are missing there, and are added here:
- mutmut's settings, which it reads from pyproject.toml in the current folder on first use, and a
  test's script runs in a folder of its own: they are read here from the project's folder.
- The run that finds which tests reach which function (MUTANT_UNDER_TEST=stats) notes the
  functions a script calls in the script's process, where mutmut never looks: they are
  written to the file that mutation_plugin.py hands back to mutmut after each test.
"""

import os

if "MUTANT_UNDER_TEST" in os.environ:
    import atexit
    import signal
    import sys
    from pathlib import Path

    # mutmut's workers ignore SIGINT (their parent owns the shutdown), and an ignored signal stays
    # ignored in every program they start: a script that a test stops with Ctrl-C would not
    # stop, as under a terminal it does. Python's own handler, as a Python started there has it.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)

    # A script runs as the module __main__, and mutmut finds a mutant by its module's name: the
    # script's own mutants (compare_with_article.x_main__mutmut_8) are named after __main__
    # here, and what it calls of its own is reported under its module's name. A module run
    # with -m (python -m rnn_mnist.reference_runs) is __main__ too; here, before it is found,
    # sys.argv[0] is "-m" and its name is the argument after -m.
    if sys.argv and sys.argv[0] == "-m":
        _script = sys.orig_argv[sys.orig_argv.index("-m") + 1]
    elif sys.argv and sys.argv[0].endswith(".py"):
        _script = Path(sys.argv[0]).stem
    else:
        _script = None
    if _script and os.environ["MUTANT_UNDER_TEST"].startswith(f"{_script}."):
        os.environ["MUTANT_UNDER_TEST"] = \
            "__main__." + os.environ["MUTANT_UNDER_TEST"][len(_script) + 1:]

    from mutmut.configuration import config
    from mutmut.state import state

    _here = os.getcwd()
    os.chdir(Path(__file__).resolve().parents[2])  # the project's folder, with pyproject.toml
    try:
        config()
    finally:
        os.chdir(_here)

    def _reported(name):
        """A function's name as mutmut knows it: the script's by its module's name."""
        return _script + name[len("__main__"):] if name.startswith("__main__.") else name

    def _write_hits():
        hits = os.environ.get("MUTMUT_SUBPROCESS_HITS")
        if hits and state()._stats:
            with open(hits, "a", encoding="utf-8") as file:
                file.writelines(f"{_reported(name)}\n" for name in sorted(state()._stats))

    if os.environ["MUTANT_UNDER_TEST"] == "stats":
        atexit.register(_write_hits)
