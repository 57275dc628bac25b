"""TensorBoard event files for a run (--logdir DIR): the log's numbers, the test, the graph.

    python train_rnn_mnist.py --logdir runs/tb
    make tensorboard LOGDIR=runs/tb          # then open http://localhost:6006

The scalars `loss` and `accuracy` at every logged step are the numbers of that step's log line;
`test_accuracy` (the article's 128 images) and `test_accuracy_all_images` come at the last step.
They are written from Python as Summary protos with the 1.x FileWriter, which also writes the
graph: no summary op joins the graph, so it computes the same numbers with and without --logdir.
Each event is flushed as it is written, so a stopped or killed run keeps what it logged.
"""

import tempfile
from pathlib import Path

from tensorflow_v1 import tf


class LogdirError(Exception):
    """A --logdir that cannot take event files; the message names it and the problem."""


def checked_logdir(path):
    """Create the folder if need be and check that it can be written, before TensorFlow loads.
    None, no --logdir, is left as it is."""
    if path is None:
        return None
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise LogdirError(f"--logdir {path}: is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        raise LogdirError(f"--logdir {path}: cannot be written ({error.strerror})") from None
    return path


class Events:
    """The run's event file; without a logdir, every call does nothing."""

    def __init__(self, logdir, graph, first_step):
        self.writer = None
        if logdir is None:
            return
        self.writer = tf.summary.FileWriter(str(logdir), graph=graph)
        if first_step > 1:
            # A resumed run: TensorBoard drops what earlier event files of this folder hold from
            # this step on (steps logged after the last checkpoint of a killed run), so that the
            # curves continue with no step twice.
            self.writer.add_session_log(tf.SessionLog(status=tf.SessionLog.START), first_step)
        self.writer.flush()

    def scalars(self, step, **values):
        if self.writer is None:
            return
        self.writer.add_summary(tf.Summary(value=[
            tf.Summary.Value(tag=tag, simple_value=float(value)) for tag, value in values.items()
        ]), step)
        self.writer.flush()

    def test(self, step, test_acc, all_acc):
        """The test accuracies, at the last step; the file is then complete."""
        self.scalars(step, test_accuracy=test_acc, test_accuracy_all_images=all_acc)
        if self.writer is not None:
            self.writer.close()


NO_EVENTS = Events(None, None, 1)  # for a run without --logdir
