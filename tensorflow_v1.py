"""TensorFlow as the article used it: the 1.x API (tensorflow.compat.v1), in graph mode, Keras 2.

    from tensorflow_v1 import tf      # then tf.placeholder(...), tf.Session(...), as in 1.x

`tf` stands for `tensorflow.compat.v1` and imports it at its first use, not at import time:
two environment variables must be set before TensorFlow is first imported, and a run whose
flags or data are wrong should say so in a moment, not after the 1.5 s that the import takes.
Call load() to import it at a chosen moment (the trainer times it) or with --verbose.
"""

import os
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
            # This API is deprecated, and using it is the point: its warnings say nothing new.
            warnings.filterwarnings("ignore")
        import tensorflow.compat.v1 as tf_v1

        if not verbose:
            tf_v1.get_logger().setLevel("ERROR")
        tf_v1.disable_eager_execution()
        _module = tf_v1
    return _module


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
