"""The machinery around the article's script, one job a module, so that train_rnn_mnist.py
can read like the article:

- tensorflow_v1: TensorFlow's 1.x API (tf.compat.v1) in graph mode with Keras 2, imported on use
- log_lines: the log's grammar, each line's format and the one parser of logs
- checkpoints: checkpoints written atomically, loaded with checks, resumed exactly
- safe_files: the folder's lock, readers' holds, syncing, files opened never through a link
- stop_signals: Ctrl-C, SIGTERM and SIGHUP (Ctrl-Break on Windows) taken between steps
- tensorboard_events: --logdir, TensorBoard's event files
- timing: the wall time of each phase, for the timing line on stderr
- cli: flag types, one-line errors, output safe on any code page, commands for the user's shell
- digit_photo: a photo of one digit made into the 28x28 image the model reads
- reference_runs: the 100 reference runs (data/reference_runs.csv) and docs/reproduction.md

input_data.py stays beside the script: it stands in for the module the article imported.
"""

import importlib.util
import os
import sys

# The packages of requirements.txt, by the names they are imported by. A script started by a
# Python that lacks them (outside the venv) says so in one line, not in a traceback: each script
# imports this package before any of them.
NEEDED = ("numpy", "tensorflow", "tf_keras", "matplotlib", "PIL")


def _say_what_is_missing():
    missing = [name for name in NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
        install = "py tasks.py run" if os.name == "nt" else "make run"
        venv = r".venv\Scripts\python.exe" if os.name == "nt" else ".venv/bin/python"
        sys.exit(f"{script}: this Python ({sys.executable}) has no {', '.join(missing)}: run "
                 f"`{install}` once, which installs the locked set into .venv, then use "
                 f"{venv} or the make commands (README.md)")


_say_what_is_missing()
