"""TensorFlow MNISTをRNNでやってみる ("MNIST with an RNN in TensorFlow"), runnable today.

    make run                               # create .venv, install the pins, run the article
    python train_rnn_mnist.py              # the article's run (inside the venv)
    python train_rnn_mnist.py > run.log    # stdout is the log alone, like data/article_log.txt
    python train_rnn_mnist.py --help       # every flag; the defaults are the article's values
    python train_rnn_mnist.py --save-dir checkpoints/article   # keep the model (Ctrl-C saves too)
    python train_rnn_mnist.py --save-dir checkpoints/article --resume   # continue exactly

A 128-unit LSTM reads each 28x28 MNIST digit one row per timestep (28 timesteps of 28 pixels)
and classifies it from its last output. Graph, training loop and log lines are the article's
TensorFlow 1.x code, run through tf.compat.v1 in graph mode.

Where this code departs from the article, and why:
- `tf.contrib.rnn.BasicLSTMCell` and `static_rnn` become their `tf.compat.v1.nn` twins:
  tf.contrib was removed in TensorFlow 2.0. Since TensorFlow 2.16 that cell lives only in
  tf-keras (Keras 2), so TF_USE_LEGACY_KERAS=1 is set before TensorFlow is first imported.
- `tensorflow.examples.tutorials.mnist.input_data` is gone too: read_data_sets() below does
  what it did (validation split, scaling, one-hot labels, shuffled batches), offline, from
  data/mnist.npz.
- The article's listing uses `preds` without defining it; it is `RNN(x)`, as here.
- The run is seeded (--seed). The article's was not, so its exact numbers cannot be repeated;
  ours can, byte for byte on the same machine.
- One line is added at the end, the accuracy on the whole test set: the article's figure is
  measured on 128 images, where one image moves it by 0.8%.
- TensorFlow's deprecation warnings are hidden (--verbose shows them): this API is deprecated,
  and using it is the point.
- How it runs, not what it computes: TensorFlow on one thread, loss and accuracy from one
  session run, batches scaled as they are taken (bench/README.md measures each); the log is
  byte-identical to running it the article's way.
"""

import argparse
import gc
import hashlib
import importlib.metadata
import math
import os
import platform
import random
import re
import shlex
import signal
import sys
import time
import warnings
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

import checkpoints

HERE = Path(__file__).resolve().parent
EMBEDDED_MNIST = HERE / "data" / "mnist.npz"
MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")

# sha256 of `array.tobytes()` for each array of the published MNIST, as data/README.md lists them.
MNIST_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}

# The old input_data loader kept the first 5,000 training images for validation.
VALIDATION_SIZE = 5000
NUM_ROWS = 28  # timesteps: the LSTM reads one row of the image per step
NUM_PIXELS = 28  # inputs per timestep: the pixels of one row
NUM_CLASSES = 10

# The article's log lines, and the whole-test-set line we add. Each is written with its FORMAT
# here and read back, by compare_with_article.py too, with its PATTERN: one format, one parser.
LOG_LINE_FORMAT = "step: {} / loss: {:.6f} / acc: {:.5f}"
LOG_LINE_PATTERN = re.compile(
    r"step: (?P<step>\d+) / loss: (?P<loss>-?(?:\d+\.\d+|nan|inf)) / acc: (?P<acc>\d\.\d+)"
)
TEST_LINE_FORMAT = "Test Accuracy: {}"
TEST_LINE_PATTERN = re.compile(r"Test Accuracy: (?P<acc>\d\.\d+(?:e-\d+)?)")
FULL_TEST_LINE_FORMAT = "Test Accuracy ({} images): {:.4f}"
FULL_TEST_LINE_PATTERN = re.compile(r"Test Accuracy \((?P<count>\d+) images\): (?P<acc>\d\.\d{4})")

# The timing line that ends a run on stderr, written by format_timing() and read by
# parse_timing() (bench/ times this script and its peers with it).
TIMING_LINE_PATTERN = re.compile(
    r"\S+: timing: (?P<phases>.*training \d+\.\d+ s \((?P<steps>\d+) steps\).*); "
    r"total \d+\.\d+ s")

# TensorFlow's v1 API (tensorflow.compat.v1), imported by import_tensorflow() once the flags are
# read, because the environment variables that select Keras 2 and quiet the logs must come first.
tf = None


class DataError(Exception):
    """A data file that cannot be used; the message names the file and the problem."""


# ---------------------------------------------------------------------------------------------
# Command line


def whole_number(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def positive_int(text):
    value = whole_number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {value}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def seed_value(text):
    value = whole_number(text)
    # NumPy's legacy generator, which the old loader's shuffling used, takes 0 .. 2**32 - 1.
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and {2**32 - 1}, not {value}")
    return value


def data_source(text):
    return "keras" if text == "keras" else Path(text)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="train_rnn_mnist.py",
        description="The Qiita article 'TensorFlow MNISTをRNNでやってみる': a 128-unit LSTM "
        "reads MNIST digits row by row. With no flags, this is the article's run.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--training-iters", type=positive_int, default=100000,
                        help="train while step * batch size is below this: 781 steps by default")
    parser.add_argument("--batch-size", type=positive_int, default=128,
                        help="images per training step")
    parser.add_argument("--display-step", type=positive_int, default=10,
                        help="print a log line every this many steps")
    parser.add_argument("--learning-rate", type=positive_float, default=0.001,
                        help="Adam's learning rate")
    parser.add_argument("--num-hidden", type=positive_int, default=128,
                        help="units in the LSTM cell")
    parser.add_argument("--test-len", type=positive_int, default=128,
                        help="test images for the article's 'Test Accuracy' line")
    parser.add_argument("--seed", type=seed_value, default=0,
                        help="seeds Python's random, NumPy and TensorFlow's graph")
    parser.add_argument("--data", type=data_source, default=EMBEDDED_MNIST,
                        help="an .npz in the layout of tf.keras.datasets.mnist (x_train, y_train, "
                        "x_test, y_test), or 'keras' to download it with "
                        "tf.keras.datasets.mnist.load_data()")
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's log and deprecation warnings")
    parser.add_argument("--save-dir", type=Path, default=None,
                        help="save a checkpoint here at the end of training, and when stopped "
                        "by Ctrl-C or SIGTERM")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint in --save-dir, exactly where it stopped")
    args = parser.parse_args(argv)
    if args.resume and args.save_dir is None:
        parser.error("--resume needs --save-dir, the folder to resume from")
    return args


# ---------------------------------------------------------------------------------------------
# Data: MNIST as the article's input_data.read_data_sets("/tmp/data/", one_hot=True) gave it


def load_mnist_arrays(source, verbose=False):
    """Return the four MNIST arrays (uint8 images 28x28, labels 0..9) from `source`, checked."""
    if source == "keras":
        return load_keras_mnist(verbose)
    return load_npz(source)


def load_keras_mnist(verbose):
    import_tensorflow(verbose)
    try:
        (x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
    except Exception as error:  # a download can fail in many ways; all of them end the run
        raise DataError(f"tf.keras.datasets.mnist.load_data() failed: {one_line(error)}") from None
    arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    check_mnist_arrays(arrays, "tf.keras.datasets.mnist")
    return arrays


def load_npz(path):
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if not path.is_file():
        raise DataError(f"{path}: not a file")
    with open(path, "rb") as file:
        start = file.read(6)
    if start.startswith(b"\x93NUMPY"):
        raise DataError(f"{path}: not an .npz archive (a single .npy array)")
    if not start.startswith(b"PK"):
        raise DataError(f"{path}: not an .npz archive (it does not start like a zip file)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in MNIST_KEYS if key not in archive.files]
            if missing:
                raise DataError(f"{path}: missing key(s) {', '.join(missing)}")
            arrays = {key: archive[key] for key in MNIST_KEYS}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DataError(f"{path}: not a readable .npz archive ({one_line(error)})") from None
    check_mnist_arrays(arrays, path)
    return arrays


def check_mnist_arrays(arrays, source):
    """Raise DataError unless the arrays have the layout of tf.keras.datasets.mnist."""
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.ndim != 3 or images.shape[1:] != (NUM_ROWS, NUM_PIXELS):
            raise DataError(f"{source}: x_{split} has shape {images.shape}, "
                            f"expected (N, {NUM_ROWS}, {NUM_PIXELS})")
        if images.dtype.kind not in "uif":
            raise DataError(f"{source}: x_{split} has dtype {images.dtype}, expected uint8")
        if labels.ndim != 1:
            raise DataError(f"{source}: y_{split} has shape {labels.shape}, expected (N,)")
        if labels.dtype.kind not in "ui":
            raise DataError(f"{source}: y_{split} has dtype {labels.dtype}, expected uint8")
        if len(images) != len(labels):
            raise DataError(f"{source}: x_{split} has {len(images)} images "
                            f"but y_{split} has {len(labels)} labels")
        if len(images) == 0:
            raise DataError(f"{source}: x_{split} is empty")
        if split == "train" and len(images) <= VALIDATION_SIZE:
            raise DataError(f"{source}: x_train has {len(images)} images; the article's loader "
                            f"keeps the first {VALIDATION_SIZE} for validation and needs more")
        if not np.all(np.isfinite(images)):
            raise DataError(f"{source}: x_{split} has pixels that are not finite")
        if images.min() < 0 or images.max() > 255:
            raise DataError(f"{source}: x_{split} has pixels outside 0..255 "
                            f"(min {images.min()}, max {images.max()})")
        if labels.min() < 0 or labels.max() >= NUM_CLASSES:
            raise DataError(f"{source}: y_{split} has labels outside 0..{NUM_CLASSES - 1} "
                            f"(min {labels.min()}, max {labels.max()})")


def array_checksums(arrays):
    """sha256 of each array's bytes: what identifies the data, whatever file it came in."""
    return {key: hashlib.sha256(arrays[key].tobytes()).hexdigest() for key in MNIST_KEYS}


def is_published_mnist_source(source):
    return source == "keras" or Path(source).resolve() == EMBEDDED_MNIST


def warn_if_not_published_mnist(checksums, source):
    differing = [key for key in MNIST_KEYS if checksums[key] != MNIST_SHA256[key]]
    if differing:
        print(f"warning: {source}: {', '.join(differing)} differ from the published MNIST "
              "(checksums in data/README.md)", file=sys.stderr, flush=True)


class DataSet:
    """Images and one-hot labels, batched like the old loader's DataSet.next_batch.

    That loader shuffled at the first batch and again at every epoch boundary; a batch that
    crossed the boundary took the rest of the old epoch plus the start of the new one. It
    shuffled the already shuffled arrays, so here each new permutation is composed with the
    current order (kept as indices, which gives the same batches without copying the images).
    It also scaled every image to float32 up front; here the pixels stay as given (uint8 for
    MNIST, a quarter of the memory) and each batch is scaled as it is taken, to the same values.
    """

    def __init__(self, pixels, labels, rng=None):
        self.pixels = pixels.reshape(len(pixels), NUM_ROWS * NUM_PIXELS)
        self.labels = labels
        self.num_examples = len(pixels)
        self._rng = rng
        self._order = np.arange(self.num_examples)
        self._index_in_epoch = 0
        self._epochs_completed = 0

    @property
    def images(self):
        """All the images, scaled: what the old loader's DataSet.images held."""
        return flatten_and_scale(self.pixels)

    def next_batch(self, batch_size):
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0:
            self._shuffle()
        if start + batch_size > self.num_examples:
            self._epochs_completed += 1
            rest_of_epoch = self._order[start:]
            self._shuffle()
            self._index_in_epoch = batch_size - len(rest_of_epoch)
            batch = np.concatenate((rest_of_epoch, self._order[:self._index_in_epoch]))
        else:
            self._index_in_epoch += batch_size
            batch = self._order[start:self._index_in_epoch]
        return flatten_and_scale(self.pixels[batch]), self.labels[batch]

    def _shuffle(self):
        permutation = np.arange(self.num_examples)
        self._rng.shuffle(permutation)
        self._order = self._order[permutation]

    def state(self):
        """Where the batch stream stands: enough to continue it exactly (arrays, for np.savez)."""
        name, keys, position, has_gauss, cached_gaussian = self._rng.get_state()
        return {"order": self._order, "index_in_epoch": np.array(self._index_in_epoch),
                "epochs_completed": np.array(self._epochs_completed),
                "rng_keys": keys, "rng_position": np.array(position),
                "rng_has_gauss": np.array(has_gauss),
                "rng_cached_gaussian": np.array(cached_gaussian)}

    def restore(self, state):
        if len(state["order"]) != self.num_examples:
            raise DataError(f"the checkpoint's data order has {len(state['order'])} images, "
                            f"the training set {self.num_examples}")
        self._order = state["order"]
        self._index_in_epoch = int(state["index_in_epoch"])
        self._epochs_completed = int(state["epochs_completed"])
        self._rng.set_state(("MT19937", state["rng_keys"], int(state["rng_position"]),
                             int(state["rng_has_gauss"]), float(state["rng_cached_gaussian"])))


@dataclass
class Datasets:
    train: DataSet
    test: DataSet


def flatten_and_scale(images):
    """Images as the old loader gave them: rows of 784 float32 pixels in [0, 1]."""
    scaled = images.reshape(len(images), NUM_ROWS * NUM_PIXELS).astype(np.float32)
    # It multiplied by 1/255 in float32; dividing by 255 would round some pixels differently.
    scaled *= np.float32(1.0 / 255.0)
    return scaled


def one_hot(labels):
    encoded = np.zeros((len(labels), NUM_CLASSES), dtype=np.float32)
    encoded[np.arange(len(labels)), labels] = 1.0
    return encoded


def read_data_sets(arrays, seed, validation_size=VALIDATION_SIZE):
    """The training and test sets of input_data.read_data_sets(..., one_hot=True).

    The first `validation_size` training images are set aside, as that loader did; the article
    never used them, so they are not kept. The test set stays in its published order.
    """
    train = DataSet(arrays["x_train"][validation_size:],
                    one_hot(arrays["y_train"][validation_size:]),
                    rng=np.random.RandomState(seed))
    test = DataSet(arrays["x_test"], one_hot(arrays["y_test"]))
    return Datasets(train=train, test=test)


# ---------------------------------------------------------------------------------------------
# TensorFlow set-up


def import_tensorflow(verbose=False):
    """Import tensorflow.compat.v1 as the module-wide `tf`, in graph mode with Keras 2."""
    global tf
    # BasicLSTMCell exists only in tf-keras; TensorFlow reads this at its first import.
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        warnings.filterwarnings("ignore")
    import tensorflow.compat.v1 as tf_v1

    if not verbose:
        tf_v1.get_logger().setLevel("ERROR")
    tf_v1.disable_eager_execution()
    tf = tf_v1
    return tf


def session_config():
    """Run every op in the thread that calls session.run, one op at a time, single-threaded.

    A training step runs about a thousand small ops (28 unrolled timesteps, forwards and
    backwards). Handing them between threads costs more than a second core gives back: on our
    2-core machine 781 steps train in 16.0-17.8 s this way and 18.6-21.3 s with TensorFlow's
    default threads (bench/README.md), to the same numbers.
    """
    # A negative inter-op count means "in the caller's thread" (DirectSession).
    return tf.ConfigProto(inter_op_parallelism_threads=-1, intra_op_parallelism_threads=1)


def set_seed(seed):
    """Seed every source of randomness: Keras 2's initializers draw from Python's `random`."""
    random.seed(seed)
    np.random.seed(seed)
    tf.set_random_seed(seed)  # the default graph's seed: call it inside the graph's context


# ---------------------------------------------------------------------------------------------
# The article's graph: placeholders, model, cost and optimizer, evaluation


def placeholders():
    x = tf.placeholder("float", [None, NUM_ROWS, NUM_PIXELS])
    y = tf.placeholder("float", [None, NUM_CLASSES])
    return x, y


def RNN(x, num_hidden=128, every_row=False):
    """The article's model: the LSTM's output after the last row, through a dense layer.

    With every_row, the dense layer is applied after each of the 28 rows and the 28 logits
    tensors are returned (predict_digit.py shows how the answer forms); the last is the same.
    """
    # A list of 28 tensors [batch, 28]: row t of every image is the input at timestep t.
    x = tf.unstack(x, NUM_ROWS, 1)

    lstm_cell = tf.nn.rnn_cell.BasicLSTMCell(num_hidden, forget_bias=1.0)
    outputs, states = tf.nn.static_rnn(lstm_cell, x, dtype=tf.float32)

    weight = tf.Variable(tf.random_normal([num_hidden, NUM_CLASSES]))
    bias = tf.Variable(tf.random_normal([NUM_CLASSES]))
    if every_row:
        return [tf.matmul(output, weight) + bias for output in outputs]
    return tf.matmul(outputs[-1], weight) + bias


def cost_and_optimizer(preds, y, learning_rate):
    cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=preds, labels=y))
    optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(cost)
    return cost, optimizer


def accuracy_of(preds, y):
    correct_pred = tf.equal(tf.argmax(preds, 1), tf.argmax(y, 1))
    return tf.reduce_mean(tf.cast(correct_pred, tf.float32))


@dataclass
class ArticleGraph:
    x: object
    y: object
    preds: object
    cost: object
    optimizer: object
    accuracy: object


def build_graph(num_hidden, learning_rate):
    x, y = placeholders()
    preds = RNN(x, num_hidden)
    cost, optimizer = cost_and_optimizer(preds, y, learning_rate)
    accuracy = accuracy_of(preds, y)
    return ArticleGraph(x, y, preds, cost, optimizer, accuracy)


# ---------------------------------------------------------------------------------------------
# Training loop and test


def format_log_line(step, loss, acc):
    return LOG_LINE_FORMAT.format(step, loss, acc)


def train(sess, graph, mnist, args, first_step=1, stop=None):
    """The article's training loop; returns the last step done.

    `first_step` is above 1 when resuming; `stop`, once a stop signal has come, ends the loop
    after the step under way, so that the step is whole in a checkpoint.
    """
    step = first_step
    # The article's loop: 781 steps for 100,000 iterations of batch 128.
    while step * args.batch_size < args.training_iters:
        batch_x, batch_y = mnist.train.next_batch(args.batch_size)
        # next_batch gives rows of 784 pixels; the LSTM wants 28 rows of 28.
        batch_x = batch_x.reshape((args.batch_size, NUM_ROWS, NUM_PIXELS))
        feed = {graph.x: batch_x, graph.y: batch_y}
        sess.run(graph.optimizer, feed_dict=feed)
        if step % args.display_step == 0:
            # Measured on the batch just trained on, after this step's update, as in the article.
            # One run gives both from one forward pass; the article ran it twice, for the same
            # numbers.
            acc, loss = sess.run([graph.accuracy, graph.cost], feed_dict=feed)
            print(format_log_line(step, loss, acc), flush=True)
        if stop is not None and stop.requested():
            return step
        step += 1
    return step - 1


def total_steps(training_iters, batch_size):
    """How many steps the article's loop runs: 781 for its 100,000 iterations of batch 128."""
    return max(0, (training_iters - 1) // batch_size)


def test(sess, graph, mnist, test_len):
    test_images = mnist.test.images
    test_data = test_images[:test_len].reshape((-1, NUM_ROWS, NUM_PIXELS))
    test_label = mnist.test.labels[:test_len]
    test_acc = sess.run(graph.accuracy, feed_dict={graph.x: test_data, graph.y: test_label})
    print(TEST_LINE_FORMAT.format(test_acc), flush=True)

    # The article's figure counts 128 images; this one counts all of them.
    all_data = test_images.reshape((-1, NUM_ROWS, NUM_PIXELS))
    all_acc = sess.run(graph.accuracy, feed_dict={graph.x: all_data, graph.y: mnist.test.labels})
    print(FULL_TEST_LINE_FORMAT.format(mnist.test.num_examples, all_acc), flush=True)


# ---------------------------------------------------------------------------------------------
# Beyond the article: checkpoints, stopping with Ctrl-C or SIGTERM, exact resume


STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class StopRequest:
    """Ctrl-C or SIGTERM, noted between training steps; the run stops after the step under way.

    See held_stop_signals() for why the signal is looked for rather than caught.
    """

    def __init__(self):
        self.signal_number = None

    def __call__(self, signal_number, frame):
        # Python runs a handler in the main thread between bytecodes, never inside an op. It is
        # called only for a signal that reached a thread started before the signals were held
        # (--data keras imports TensorFlow earlier); such threads run no kernels.
        if self.signal_number is None:
            self.signal_number = signal_number

    def requested(self):
        """Whether a stop signal has come; the first check after it takes it off the queue."""
        if self.signal_number is None:
            pending = signal.sigpending() & STOP_SIGNALS
            if pending:
                self.signal_number = signal.sigwait(pending)
        return self.signal_number is not None


@contextmanager
def held_stop_signals():
    """Hold SIGINT and SIGTERM back in every thread while TensorFlow works; yield a StopRequest.

    A signal is delivered on the stack of the thread it interrupts. oneDNN's JIT GEMM kernels
    point the stack pointer into the heap while they run (oneDNN issue #4845, fixed upstream
    after the oneDNN in TensorFlow 2.21), so a handler called in one writes its frame over heap
    memory: the process aborts ("corrupted size vs. prev_size") or trains on, and saves, NaN.
    Held back, a signal waits in the queue until StopRequest.requested() looks between steps,
    when no kernel runs. It is blocked before TensorFlow is imported because every thread that
    TensorFlow starts inherits the mask of the thread that starts it.
    """
    stop = StopRequest()
    handlers = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield stop
    finally:
        # Once a stop is under way a second Ctrl-C changes nothing; any other signal still
        # queued is delivered as usual when the mask is restored (a KeyboardInterrupt).
        while stop.signal_number is not None and signal.sigpending() & STOP_SIGNALS:
            signal.sigwait(STOP_SIGNALS)
        for number, handler in handlers.items():
            signal.signal(number, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def recorded_flags(args):
    """The flags a checkpoint records and a resume is checked against (--data as text)."""
    flags = {name: value for name, value in vars(args).items()
             if name not in ("save_dir", "resume", "verbose")}
    flags["data"] = str(flags["data"])
    return flags


def run_settings(args, step, data_sha256):
    """What settings.json records: enough to check a resume and to know how the model was made."""
    return {
        "step": step,
        "steps_total": total_steps(args.training_iters, args.batch_size),
        "flags": recorded_flags(args),
        "data_sha256": data_sha256,
        "versions": installed_versions(),
        "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def checkpoint_to_resume(args, data_sha256):
    """The checkpoint in --save-dir, refused if it was made with other model or data settings."""
    checkpoint = checkpoints.load(args.save_dir)
    found = checkpoints.differences(checkpoint, recorded_flags(args), data_sha256)
    if found:
        raise checkpoints.CheckpointError(f"{args.save_dir}: cannot resume: {found[0]}")
    changed = checkpoints.version_changes(checkpoint, installed_versions())
    if changed:
        print(f"warning: {args.save_dir} was saved under other versions ({', '.join(changed)}): "
              "the resumed steps may round differently from an uninterrupted run",
              file=sys.stderr, flush=True)
    return checkpoint


def installed_versions():
    """Versions that decide the arithmetic, read without importing TensorFlow."""
    return {"python": platform.python_version(),
            "tensorflow": importlib.metadata.version("tensorflow"),
            "numpy": np.__version__}


def restore_variables(sess, saver, checkpoint):
    """Load the checkpoint's values into this graph's variables, once their shapes are checked.

    The v1 Saver would load a [156, 512] kernel into a [92, 256] variable without a word, and
    the first session run would fail far from the cause.
    """
    try:
        saved_shapes = dict(tf.train.list_variables(checkpoint.model_prefix))
        for variable in tf.global_variables():
            name, shape = variable.op.name, variable.shape.as_list()
            if name not in saved_shapes:
                raise ValueError(f"it has no variable {name}")
            if saved_shapes[name] != shape:
                raise ValueError(f"its {name} has shape {saved_shapes[name]}, this graph's "
                                 f"{shape}: was it made with another --num-hidden?")
        saver.restore(sess, checkpoint.model_prefix)
    except (tf.errors.OpError, ValueError) as error:
        raise checkpoints.CheckpointError(f"{checkpoint.folder}: the model cannot be restored "
                                          f"({one_line(error)})") from None


def save_checkpoint(args, sess, saver, settings, mnist):
    try:
        checkpoints.save(args.save_dir, sess, saver, settings, mnist.train.state())
    except (OSError, tf.errors.OpError) as error:
        fail(f"--save-dir {args.save_dir}: the checkpoint cannot be written ({one_line(error)})")


def resume_command(argv):
    """The command line that resumes this run: the same flags, plus --resume."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--resume" not in args:
        args.append("--resume")
    return shlex.join([shortest_path(sys.executable), shortest_path(HERE / "train_rnn_mnist.py"),
                       *args])


def shortest_path(path):
    relative = os.path.relpath(path)
    return relative if len(relative) < len(str(path)) else str(path)


def report_stop(args, argv, last_step):
    steps = total_steps(args.training_iters, args.batch_size)
    where = f"stopped after step {last_step} of {steps}"
    if args.save_dir is None:
        message = f"{where}; nothing saved (no --save-dir), so it cannot be resumed"
    else:
        message = f"{where}; saved in {args.save_dir}; resume with: {resume_command(argv)}"
    print(f"train_rnn_mnist.py: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# main


class PhaseClock:
    """The wall time of each phase of a run, for the timing line on stderr."""

    def __init__(self):
        self.phases = {}
        self._last = time.perf_counter()

    def lap(self, phase):
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - self._last
        self._last = now


def format_timing(phases, steps, prog="train_rnn_mnist.py"):
    """The timing line, e.g. 'timing: data 0.45 s, ..., training 14.2 s (781 steps), ...'."""
    parts = [f"{phase} {seconds:.2f} s" + (f" ({steps} steps)" if phase == "training" else "")
             for phase, seconds in phases.items()]
    return f"{prog}: timing: {', '.join(parts)}; total {sum(phases.values()):.2f} s"


def parse_timing(line):
    """The phases of a timing line, {phase: seconds}, and its step count; None if it is not one."""
    match = TIMING_LINE_PATTERN.fullmatch(line)
    if not match:
        return None
    phases = {}
    for part in match["phases"].split(", "):
        phase, seconds = re.match(r"([a-z ]+) (\d+\.\d+) s", part).groups()
        phases[phase] = float(seconds)
    return phases, int(match["steps"])


def one_line(error):
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def fail(message):
    print(f"train_rnn_mnist.py: error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def prepare_data(args):
    """The data sets, and the checkpoint to resume from: all checked before TensorFlow loads."""
    try:
        arrays = load_mnist_arrays(args.data, args.verbose)
        data_sha256 = array_checksums(arrays)
        if is_published_mnist_source(args.data):
            warn_if_not_published_mnist(data_sha256, args.data)
        mnist = read_data_sets(arrays, args.seed)
        checkpoint = checkpoint_to_resume(args, data_sha256) if args.resume else None
    except (DataError, checkpoints.CheckpointError) as error:
        fail(str(error))
    if mnist.train.num_examples < args.batch_size:
        fail(f"--batch-size {args.batch_size} is more than the {mnist.train.num_examples} "
             "training images")
    if mnist.test.num_examples < args.test_len:
        fail(f"--test-len {args.test_len} is more than the {mnist.test.num_examples} test images")
    if args.save_dir is not None and args.save_dir.exists() and not args.save_dir.is_dir():
        fail(f"--save-dir {args.save_dir} is a file, not a folder")
    return mnist, data_sha256, checkpoint


def main(argv=None):
    clock = PhaseClock()
    args = parse_args(argv)
    # The data is checked before TensorFlow is imported, so a bad file fails in a moment.
    mnist, data_sha256, checkpoint = prepare_data(args)
    resuming = f", resuming after step {checkpoint.step}" if checkpoint else ""
    print(f"train_rnn_mnist.py: seed {args.seed}, data {args.data}: "
          f"{mnist.train.num_examples} training images (after {VALIDATION_SIZE} for validation), "
          f"{mnist.test.num_examples} test images{resuming}", file=sys.stderr, flush=True)
    clock.lap("data")

    with held_stop_signals() as stop:
        import_tensorflow(args.verbose)
        clock.lap("tensorflow import")
        with tf.Graph().as_default():
            set_seed(args.seed)
            graph = build_graph(args.num_hidden, args.learning_rate)
            saver = tf.train.Saver() if args.save_dir else None  # made after what it saves
            with tf.Session(config=session_config()) as sess:
                sess.run(tf.global_variables_initializer())
                first_step = 1
                if checkpoint:
                    try:
                        restore_variables(sess, saver, checkpoint)
                        mnist.train.restore(checkpoint.data_state)
                    except (DataError, checkpoints.CheckpointError) as error:
                        fail(str(error))
                    first_step = checkpoint.step + 1
                clock.lap("graph")
                if stop.requested():
                    exit_interrupted(stop.signal_number)

                last_step = train(sess, graph, mnist, args, first_step, stop)
                clock.lap("training")
                if args.save_dir:
                    save_checkpoint(args, sess, saver, run_settings(args, last_step, data_sha256),
                                    mnist)
                    clock.lap("checkpoint")
                if stop.signal_number is not None:
                    report_stop(args, argv, last_step)
                    sys.exit(128 + stop.signal_number)  # 130 for SIGINT, 143 for SIGTERM

                test(sess, graph, mnist, args.test_len)
                clock.lap("test")
                if stop.requested():
                    exit_interrupted(stop.signal_number)
    print(format_timing(clock.phases, last_step - first_step + 1), file=sys.stderr, flush=True)


def exit_interrupted(signal_number=signal.SIGINT):
    """Stopped where there is nothing to save: before training, or during the test."""
    print("train_rnn_mnist.py: interrupted", file=sys.stderr, flush=True)
    sys.exit(128 + signal_number)  # as a shell reports it: 130 for SIGINT, 143 for SIGTERM


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C while the data loads, before TensorFlow is imported
        exit_interrupted()
    # Python's last garbage collection would walk every object TensorFlow made: half a second
    # at exit. The process is ending, so leave them to the operating system.
    gc.freeze()
