"""TensorFlow as the article used it: the 1.x API (tensorflow.compat.v1), in graph mode, Keras 2.

    from rnn_mnist.tensorflow_v1 import tf   # then tf.placeholder(...), tf.Session(...), as in 1.x

`tf` stands for `tensorflow.compat.v1` and imports it at its first use, not at import time:
two environment variables must be set before TensorFlow is first imported, and a run whose
flags or data are wrong should say so in a moment, not after the 1.5 s that the import takes.
Call load() to import it at a chosen moment (the trainer times it) or with --verbose.

While it is imported, TensorFlow's wheel writes a few lines to the stderr file descriptor (a
CUDA probe and a CPU-feature notice, once for each of its two libraries), before Python's
logging exists, so no setting silences them; to a learner they look like errors. load() holds
them back and drops them, unless --verbose; if the import fails, it prints them all.
"""

import contextlib
import os
import sys
import tempfile
import warnings

_module = None


def load(verbose=False):
    """Import tensorflow.compat.v1 (once), in graph mode with Keras 2, and return it."""
    global _module
    if _module is None:
        # BasicLSTMCell exists only in tf-keras; TensorFlow reads this at its first import.
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        if not verbose:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            # This API is deprecated, and using it is the point: TensorFlow's notices that a
            # tf.* name is deprecated say nothing new. Every other warning is shown.
            warnings.filterwarnings("ignore", message=r"`tf\..*` is deprecated",
                                    category=UserWarning)
        with stderr_held_back(show=verbose):
            import tensorflow.compat.v1 as tf_v1

        if not verbose:
            tf_v1.get_logger().setLevel("ERROR")
        tf_v1.disable_eager_execution()
        _module = tf_v1
    return _module


@contextlib.contextmanager
def stderr_held_back(show):
    """Send file descriptor 2 to a temporary file; at the end drop what it got, or print it if
    `show` or if the block raised."""
    if show:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            _give_back(saved, held, print_it=True)
            raise
        _give_back(saved, held, print_it=False)


def _give_back(saved, held, print_it):
    sys.stderr.flush()
    os.dup2(saved, 2)
    os.close(saved)
    if print_it:
        held.seek(0)
        sys.stderr.write(held.read().decode(errors="replace"))
        sys.stderr.flush()


class _ImportedOnFirstUse:
    """`tf`: each attribute is looked up in tensorflow.compat.v1, which load() imports."""

    def __getattr__(self, name):
        return getattr(load(), name)

    def __repr__(self):
        return "<tensorflow.compat.v1, imported on first use>"


tf = _ImportedOnFirstUse()


def session_config():
    """Run every op in the thread that calls session.run, one op at a time, single-threaded.

    A training step runs about a thousand small ops (28 unrolled timesteps, forwards and
    backwards). Handing them between threads costs more than a second core gives back: on our
    2-core machine 781 steps train in 16.0-17.8 s this way and 18.6-21.3 s with TensorFlow's
    default threads (bench/README.md), to the same numbers.
    """
    # A negative inter-op count means "in the caller's thread" (DirectSession).
    return tf.ConfigProto(inter_op_parallelism_threads=-1, intra_op_parallelism_threads=1)
