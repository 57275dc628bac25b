"""MNIST as the article's `tensorflow.examples.tutorials.mnist.input_data` module gave it, offline.

    import input_data
    mnist = input_data.read_data_sets(one_hot=True, seed=0)   # data/mnist.npz, in the repository
    batch_x, batch_y = mnist.train.next_batch(128)             # [128, 784] in [0, 1], [128, 10]

The article ran `input_data.read_data_sets("/tmp/data/", one_hot=True)`, which downloaded MNIST
and returned train, validation and test DataSets. That module is gone from TensorFlow (2.0
removed it); this one keeps its interface and its numbers: the first 5,000 training images set
aside for validation, pixels as float32 times 1/255, one-hot labels, and next_batch() with the
old shuffling. The source is the embedded data/mnist.npz (no network needed), any .npz in the
layout of tf.keras.datasets.mnist, or "keras" to download it; every source is checked, and a
bad one is a DataError naming the file and the problem.
"""

import contextlib
import hashlib
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

# The project's package first: outside the venv it says in one line what to install.
from rnn_mnist import tensorflow_v1
import numpy as np

from rnn_mnist.cli import one_line
from rnn_mnist.tensorflow_v1 import tf

EMBEDDED_MNIST = Path(__file__).resolve().parent / "data" / "mnist.npz"
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


class DataError(Exception):
    """A data file that cannot be used; the message names the file and the problem."""


def load_mnist_arrays(source, verbose=False):
    """Return the four MNIST arrays (uint8 images 28x28, labels 0..9) from `source`, checked."""
    if source == "keras":
        return load_keras_mnist(verbose)
    return load_npz(source)


def load_keras_mnist(verbose):
    tensorflow_v1.load(verbose)
    try:
        # Keras says "Downloading data from ..." on stdout, which holds the log alone.
        with contextlib.redirect_stdout(sys.stderr):
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
            for key in MNIST_KEYS:
                check_declared_size(archive.zip, key, path)
            arrays = {key: archive[key] for key in MNIST_KEYS}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DataError(f"{path}: not a readable .npz archive ({one_line(error)})") from None
    check_mnist_arrays(arrays, path)
    return arrays


# The largest array this loader reads: MNIST's x_train is 47 MB; 1 GB holds 1.27 million images.
MAX_ARRAY_BYTES = 10**9


def check_declared_size(archive, key, path):
    """Refuse an array whose header declares more than the archive holds or than MNIST could
    be, before NumPy allocates it: a 1 KB file may declare 10^9 images, and a 2 MB zip may
    inflate to gigabytes."""
    member = archive.getinfo(f"{key}.npy")
    with archive.open(member) as file:
        version = np.lib.format.read_magic(file)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0) else
                       np.lib.format.read_array_header_2_0)
        shape, _, dtype = read_header(file)
    declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
    count = f"{shape[0]:,} {'images' if key.startswith('x') else 'labels'}" if shape else "it"
    if declared > MAX_ARRAY_BYTES:
        raise DataError(f"{path}: {key} declares {count} ({declared / 1e9:,.1f} GB), more than "
                        f"MNIST-like data holds (this loader reads {MAX_ARRAY_BYTES / 1e9:g} GB "
                        "an array at most)")
    if declared > member.file_size:
        raise DataError(f"{path}: {key} declares {count} ({declared:,} bytes) but holds "
                        f"{member.file_size:,} bytes: the file is cut short or lies")


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
        # Scaled images would be divided by 255 a second time and train on near-black digits.
        if images.dtype.kind == "f" and images.max() <= 1:
            raise DataError(f"{source}: x_{split} looks scaled to [0, 1] already (max "
                            f"{images.max()}); give pixels 0..255, as tf.keras.datasets.mnist "
                            "does (multiply by 255)")
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


# What DataSet.state() writes: each array's shape ("images": one per training image) and kinds.
STATE_SHAPES = {"order": ("images", "iu"), "index_in_epoch": ((), "iu"),
                "epochs_completed": ((), "iu"), "rng_keys": ((624,), "u"),
                "rng_position": ((), "iu"), "rng_has_gauss": ((), "iu"),
                "rng_cached_gaussian": ((), "f")}


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
    def epochs_completed(self):
        """Whole passes over the images so far, as the old loader's DataSet counted them."""
        return self._epochs_completed

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

    def check_state(self, state):
        """DataError, saying what is wrong, unless `state` is one that state() gives for this
        DataSet: the keys, shapes and kinds it writes, the order a permutation of the images."""
        missing = [key for key in STATE_SHAPES if key not in state]
        if missing:
            raise DataError(f"missing {', '.join(missing)}")
        for key, (shape, kinds) in STATE_SHAPES.items():
            value = state[key]
            shape = (self.num_examples,) if shape == "images" else shape
            if value.shape != shape or value.dtype.kind not in kinds:
                raise DataError(f"{key} is {value.dtype} of shape {value.shape}, not "
                                f"{'a whole number' if kinds == 'iu' else kinds} of shape {shape}")
        order = state["order"]
        if not np.array_equal(np.sort(order), np.arange(self.num_examples)):
            raise DataError(f"order is not an order of the {self.num_examples} training images")
        for key, largest in (("index_in_epoch", self.num_examples), ("rng_position", 624),
                             ("rng_has_gauss", 1), ("epochs_completed", 2**62)):
            if not 0 <= int(state[key]) <= largest:
                raise DataError(f"{key} is {int(state[key])}, outside 0..{largest}")

    def restore(self, state):
        self.check_state(state)
        self._order = state["order"]
        self._index_in_epoch = int(state["index_in_epoch"])
        self._epochs_completed = int(state["epochs_completed"])
        self._rng.set_state(("MT19937", state["rng_keys"], int(state["rng_position"]),
                             int(state["rng_has_gauss"]), float(state["rng_cached_gaussian"])))


@dataclass
class Datasets:
    """What read_data_sets() returns: the three DataSets, and the checksums of their source."""

    train: DataSet
    validation: DataSet
    test: DataSet
    sha256: dict  # array_checksums() of the four arrays, what a checkpoint records (or None)


def flatten_and_scale(images):
    """Images as the old loader gave them: rows of 784 float32 pixels in [0, 1]."""
    scaled = images.reshape(len(images), NUM_ROWS * NUM_PIXELS).astype(np.float32)
    # It multiplied by 1/255 in float32; dividing by 255 would round some pixels differently.
    scaled *= np.float32(1.0 / 255.0)
    return scaled


def one_hot_labels(labels):
    encoded = np.zeros((len(labels), NUM_CLASSES), dtype=np.float32)
    encoded[np.arange(len(labels)), labels] = 1.0
    return encoded


def read_data_sets(train_dir=EMBEDDED_MNIST, one_hot=False, seed=None,
                   validation_size=VALIDATION_SIZE, verbose=False):
    """MNIST's train, validation and test DataSets, as input_data.read_data_sets gave them.

    `train_dir` is where the data is: an .npz (the embedded one by default) or "keras". The old
    loader shuffled with NumPy's global generator; `seed` seeds a generator of its own.
    """
    arrays = load_mnist_arrays(train_dir, verbose)
    checksums = array_checksums(arrays)
    if is_published_mnist_source(train_dir):
        warn_if_not_published_mnist(checksums, train_dir)
    return data_sets_from_arrays(arrays, one_hot, seed, validation_size, checksums)


def data_sets_from_arrays(arrays, one_hot=False, seed=None, validation_size=VALIDATION_SIZE,
                          checksums=None):
    """The DataSets of four arrays in the layout of tf.keras.datasets.mnist.

    The first `validation_size` training images are set aside, as the old loader did (the
    article never used them). The test set stays in its published order.
    """
    encode = one_hot_labels if one_hot else np.asarray
    train = DataSet(arrays["x_train"][validation_size:],
                    encode(arrays["y_train"][validation_size:]),
                    rng=np.random.RandomState(seed))
    validation = DataSet(arrays["x_train"][:validation_size],
                         encode(arrays["y_train"][:validation_size]))
    test = DataSet(arrays["x_test"], encode(arrays["y_test"]))
    return Datasets(train, validation, test, checksums)
