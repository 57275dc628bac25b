"""TensorBoard event files for a run (--logdir DIR): the log's numbers, the test, the graph.

    python train_rnn_mnist.py --logdir runs/tb
    make tensorboard LOGDIR=runs/tb          # then open http://localhost:6006

The scalars `loss` and `accuracy` at every logged step are the numbers of that step's log line;
`test_accuracy` (the article's 128 images) and `test_accuracy_all_images` come at the last step.
They are written from Python as Summary protos with the 1.x FileWriter, which also writes the
graph: no summary op joins the graph, so it computes the same numbers with and without --logdir.
Each event is flushed as it is written, so a stopped or killed run keeps what it logged.
"""

import logging
import sys
import tempfile
import threading
from pathlib import Path

from rnn_mnist.cli import system_reason
from rnn_mnist.tensorflow_v1 import tf


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
    """The run's event file; without a logdir, every call does nothing.

    An event file that cannot be written (a full disk) is one warning, and the run goes on
    without it: TensorBoard's copy of the numbers is not worth the training.
    """

    def __init__(self, logdir, graph, first_step):
        self.logdir, self.writer = logdir, None
        if logdir is None:
            return
        quiet_event_thread()
        self._write(self._open, graph, first_step)

    def _open(self, graph, first_step):
        self.writer = tf.summary.FileWriter(str(self.logdir), graph=graph)
        if first_step > 1:
            # A resumed run: TensorBoard drops what earlier event files of this folder hold from
            # this step on (steps logged after the last checkpoint of a killed run), so that the
            # curves continue with no step twice.
            self.writer.add_session_log(tf.SessionLog(status=tf.SessionLog.START), first_step)
        self.writer.flush()

    def _write(self, action, *args):
        try:
            action(*args)
        except (OSError, RuntimeError, tf.errors.OpError) as error:
            print(f"warning: --logdir {self.logdir}: the event file cannot be written "
                  f"({system_reason(error)}); the run goes on without it", file=sys.stderr,
                  flush=True)
            self.writer = None

    def scalars(self, step, **values):
        if self.writer is None:
            return
        self._write(self._scalars, step, values)

    def _scalars(self, step, values):
        self.writer.add_summary(tf.Summary(value=[
            tf.Summary.Value(tag=tag, simple_value=float(value)) for tag, value in values.items()
        ]), step)
        self.writer.flush()

    def test(self, step, test_acc, all_acc):
        """The test accuracies, at the last step; the file is then complete."""
        self.scalars(step, test_accuracy=test_acc, test_accuracy_all_images=all_acc)
        if self.writer is not None:
            self._write(self.writer.close)


def quiet_event_thread():
    """The FileWriter's thread logs an error and prints a traceback when a write fails, then the
    failure reaches the main thread at the next flush(): there Events says it in one line. The
    thread's own two messages are left out."""
    if getattr(threading.excepthook, "quiets_events", False):
        return
    previous = threading.excepthook

    def hook(args):
        if args.thread is None or args.thread.name != EVENT_THREAD:
            previous(args)

    hook.quiets_events = True
    threading.excepthook = hook
    logging.getLogger("tensorflow").addFilter(
        lambda record: not str(record.msg).startswith("EventFileWriter writer thread error"))


EVENT_THREAD = "EventLoggerThread"  # what TensorFlow's EventFileWriter names its thread


NO_EVENTS = Events(None, None, 1)  # for a run without --logdir
