"""The data pipeline: what the article's input_data.read_data_sets(..., one_hot=True) gave it."""

import numpy as np
import pytest

import input_data
from rnn_mnist import tensorflow_v1


def test_split_keeps_the_first_5000_for_validation(mnist_arrays):
    mnist = input_data.data_sets_from_arrays(mnist_arrays, one_hot=True, seed=0)
    assert mnist.train.num_examples == 55000
    assert mnist.test.num_examples == 10000
    # Training image 0 is the 5,001st image of the file; the test set keeps its order.
    expected_first = mnist_arrays["x_train"][5000].reshape(784) / np.float32(255)
    np.testing.assert_allclose(mnist.train.images[0], expected_first, rtol=1e-6)
    assert np.argmax(mnist.train.labels[0]) == mnist_arrays["y_train"][5000]
    assert np.argmax(mnist.test.labels[:10], axis=1).tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_scaling_is_float32_times_one_over_255():
    images = np.array([[[0, 1, 2, 127] + [255] * 24] * 28], dtype=np.uint8)
    flat = input_data.flatten_and_scale(images)
    assert flat.shape == (1, 784)
    assert flat.dtype == np.float32
    # The old loader multiplied by 1/255 in float32 rather than dividing by 255.
    expected = images.reshape(1, 784).astype(np.float32) * np.float32(1 / 255)
    assert np.array_equal(flat, expected)
    assert flat[0, 0] == 0.0 and flat[0, 4] == np.float32(1.0)
    assert flat.min() >= 0.0 and flat.max() <= 1.0


def test_labels_are_one_hot_floats():
    encoded = input_data.one_hot_labels(np.array([5, 0, 9], dtype=np.uint8))
    assert encoded.dtype == np.float32
    assert encoded.tolist() == [
        [0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
        [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    ]


class ScriptedShuffles:
    """Stands in for NumPy's generator: each shuffle() applies the next permutation given."""

    def __init__(self, *permutations):
        self.permutations = list(permutations)

    def shuffle(self, array):
        array[:] = self.permutations.pop(0)


def numbered_images(count):
    """`count` images whose pixels all hold the image's own number."""
    return np.repeat(np.arange(count, dtype=np.uint8), 784).reshape(count, 28, 28)


def numbers(batch_images):
    """Which numbered images a batch holds (the batch comes scaled by 1/255)."""
    assert batch_images.shape[1] == 784 and batch_images.dtype == np.float32
    return np.rint(batch_images[:, 0] * 255).astype(int).tolist()


def test_next_batch_across_an_epoch_boundary_matches_the_hand_worked_example():
    # Five examples whose image is their own number, batches of 3.
    labels = np.arange(5) * 10
    data = input_data.DataSet(numbered_images(5), labels,
                              rng=ScriptedShuffles([2, 0, 4, 1, 3], [4, 3, 2, 1, 0]))

    # Epoch 1 is shuffled at the first batch: order 2 0 4 1 3.
    first_images, first_labels = data.next_batch(3)
    assert numbers(first_images) == [2, 0, 4]
    assert first_labels.tolist() == [20, 0, 40]

    # The second batch takes the rest of epoch 1 (1 3), then reshuffles the *shuffled* order
    # 2 0 4 1 3 by 4 3 2 1 0, giving 3 1 4 0 2 for epoch 2, and takes its first example (3).
    second_images, second_labels = data.next_batch(3)
    assert numbers(second_images) == [1, 3, 3]
    assert second_labels.tolist() == [10, 30, 30]

    # The third batch continues epoch 2 where the second left off.
    third_images, _ = data.next_batch(3)
    assert numbers(third_images) == [1, 4, 0]


def test_next_batch_at_an_exact_epoch_end_starts_a_whole_new_epoch():
    data = input_data.DataSet(numbered_images(4), np.arange(4),
                              rng=ScriptedShuffles([1, 0, 3, 2], [3, 2, 1, 0]))
    assert numbers(data.next_batch(2)[0]) == [1, 0]
    assert numbers(data.next_batch(2)[0]) == [3, 2]
    # Epoch 2: the order 1 0 3 2 permuted by 3 2 1 0 is 2 3 0 1.
    assert numbers(data.next_batch(2)[0]) == [2, 3]


def test_batches_are_scaled_as_the_old_loader_scaled_everything(tiny_arrays):
    mnist = input_data.data_sets_from_arrays(tiny_arrays, one_hot=True, seed=1)
    order_copy = input_data.data_sets_from_arrays(tiny_arrays, one_hot=True, seed=1).train
    batch, _ = mnist.train.next_batch(64)
    # The same batch, taken from all the images scaled up front as input_data did.
    all_scaled = input_data.flatten_and_scale(tiny_arrays["x_train"][5000:])
    order_copy.next_batch(64)
    assert np.array_equal(batch, all_scaled[order_copy.state()["order"][:64]])


def test_each_epoch_visits_every_training_image_once(tiny_arrays):
    mnist = input_data.data_sets_from_arrays(tiny_arrays, one_hot=True, seed=3)
    seen = np.concatenate([mnist.train.next_batch(50)[1].argmax(axis=1) for _ in range(6)])
    expected = np.bincount(tiny_arrays["y_train"][5000:], minlength=10)
    assert np.bincount(seen, minlength=10).tolist() == expected.tolist()


def test_the_shuffle_depends_on_the_seed(tiny_arrays):
    def first_batch(seed):
        return input_data.data_sets_from_arrays(tiny_arrays, one_hot=True, seed=seed).train.next_batch(20)[0]

    assert np.array_equal(first_batch(1), first_batch(1))
    assert not np.array_equal(first_batch(1), first_batch(2))


def test_the_embedded_file_is_the_published_mnist(mnist_arrays):
    assert input_data.array_checksums(mnist_arrays) == input_data.MNIST_SHA256
    assert mnist_arrays["x_train"].shape == (60000, 28, 28)
    assert mnist_arrays["x_train"].dtype == np.uint8


def test_a_changed_embedded_file_is_reported(mnist_arrays, monkeypatch, tmp_path, capsys):
    changed = dict(mnist_arrays, y_test=mnist_arrays["y_test"].copy())
    changed["y_test"][0] = 3
    path = tmp_path / "mnist.npz"
    np.savez(path, **changed)
    monkeypatch.setattr(input_data, "EMBEDDED_MNIST", path)
    input_data.read_data_sets(path)
    err = capsys.readouterr().err
    assert err == (f"warning: {path}: y_test differ from the published MNIST "
                   "(checksums in data/README.md)\n")


def test_other_data_is_not_checked_against_the_published_mnist(tiny_npz, capsys):
    input_data.read_data_sets(tiny_npz)
    assert capsys.readouterr().err == ""


def test_read_data_sets_keeps_the_old_loaders_defaults(tiny_npz, tiny_arrays):
    # Labels as digits unless one_hot is asked for, and the first 5,000 training images set
    # aside for validation, as tensorflow.examples.tutorials.mnist.input_data had them.
    data = input_data.read_data_sets(tiny_npz)
    np.testing.assert_array_equal(data.test.labels, tiny_arrays["y_test"])
    np.testing.assert_array_equal(data.validation.labels, tiny_arrays["y_train"][:5000])
    np.testing.assert_array_equal(data.train.labels, tiny_arrays["y_train"][5000:])


def test_data_keras_goes_through_tf_keras_datasets(mnist_arrays, monkeypatch, capsys):
    tf = tensorflow_v1.load()
    calls = []

    def fake_load_data():
        calls.append(True)
        print("Downloading data from https://storage.googleapis.com/...")  # as Keras does
        return ((mnist_arrays["x_train"], mnist_arrays["y_train"]),
                (mnist_arrays["x_test"], mnist_arrays["y_test"]))

    monkeypatch.setattr(tf.keras.datasets.mnist, "load_data", fake_load_data)
    arrays = input_data.load_mnist_arrays("keras")
    assert calls == [True]
    assert arrays["x_test"] is mnist_arrays["x_test"]
    # stdout holds the log alone: what Keras says goes to stderr.
    assert capsys.readouterr() == ("", "Downloading data from https://storage.googleapis.com/...\n")


@pytest.mark.parametrize("given, passed", [({}, False), ({"verbose": True}, True)])
def test_read_data_sets_tells_tensorflows_import_whether_to_be_verbose(given, passed,
                                                                        mnist_arrays,
                                                                        monkeypatch):
    # Quiet unless asked: --verbose shows TensorFlow's own start-up lines, and only then.
    tf, load = tensorflow_v1.load(), tensorflow_v1.load
    asked = []
    monkeypatch.setattr(tensorflow_v1, "load", lambda verbose=False: asked.append(verbose) or
                        load(verbose))
    monkeypatch.setattr(tf.keras.datasets.mnist, "load_data", lambda: (
        (mnist_arrays["x_train"], mnist_arrays["y_train"]),
        (mnist_arrays["x_test"], mnist_arrays["y_test"])))
    input_data.read_data_sets("keras", **given)
    # The first call imports; each `tf.` name looked up after it calls load() again.
    assert bool(asked[0]) is passed


def test_a_failed_keras_download_is_one_clear_error(monkeypatch):
    tf = tensorflow_v1.load()

    def offline():
        raise OSError("URL fetch failure: no network\nsecond line")

    monkeypatch.setattr(tf.keras.datasets.mnist, "load_data", offline)
    with pytest.raises(input_data.DataError, match="^tf.keras.datasets.mnist.load_data\\(\\) failed: "
                                            "URL fetch failure: no network$"):
        input_data.load_mnist_arrays("keras")


def test_epochs_completed_counts_whole_passes_as_the_old_dataset_did():
    data = input_data.DataSet(numbered_images(4), np.arange(4),
                              rng=ScriptedShuffles([1, 0, 3, 2], [3, 2, 1, 0], [0, 1, 2, 3],
                                                   [2, 3, 0, 1]))
    counts = []
    for _ in range(5):
        data.next_batch(3)
        counts.append(data.epochs_completed)
    # Batches of 3 over 4 images: the 2nd, 3rd and 5th batches cross into a new epoch.
    assert counts == [0, 1, 2, 2, 3]


# ---------------------------------------------------------------------------------------------
# A data stream's state, as a checkpoint keeps it: checked key by key before it is restored.

def small_stream(seed=5, images=12):
    pixels = np.arange(images * 784, dtype=np.uint8).reshape(images, 28, 28)
    return input_data.DataSet(pixels, np.eye(10)[np.arange(images) % 10],
                              rng=np.random.RandomState(seed))


def taken_state(batches=2):
    stream = small_stream()
    for _ in range(batches):
        stream.next_batch(5)
    return stream.state()


def test_a_restored_stream_gives_the_same_batches_as_the_one_it_was_taken_from():
    stream = small_stream()
    for _ in range(3):  # across an epoch's end (12 images, batches of 5)
        stream.next_batch(5)
    copy = small_stream(seed=99)
    copy.restore(stream.state())
    assert copy.epochs_completed == stream.epochs_completed == 1
    for _ in range(4):
        (first, first_labels), (second, second_labels) = stream.next_batch(5), copy.next_batch(5)
        assert np.array_equal(first, second) and np.array_equal(first_labels, second_labels)


def with_changes(**changes):
    state = taken_state()
    for key, value in changes.items():
        state.pop(key) if value is None else state.__setitem__(key, value)
    return state


@pytest.mark.parametrize("state, complaint", [
    (with_changes(order=None), "missing order"),
    (with_changes(order=None, rng_keys=None), "missing order, rng_keys"),
    (with_changes(order=np.arange(5)), "order is int64 of shape (5,), not a whole number of shape "
                                       "(12,)"),
    (with_changes(order=np.arange(12.0)), "order is float64 of shape (12,), not a whole number "
                                          "of shape (12,)"),
    (with_changes(index_in_epoch=np.array([3])), "index_in_epoch is int64 of shape (1,), not a "
                                                 "whole number of shape ()"),
    (with_changes(rng_keys=np.zeros(624)), "rng_keys is float64 of shape (624,), not u of shape "
                                           "(624,)"),
    (with_changes(rng_keys=np.zeros(623, np.uint32)), "rng_keys is uint32 of shape (623,), not u "
                                                      "of shape (624,)"),
    (with_changes(rng_cached_gaussian=np.array(1)), "rng_cached_gaussian is int64 of shape (), "
                                                    "not f of shape ()"),
    (with_changes(order=np.full(12, 3)), "order is not an order of the 12 training images"),
    (with_changes(order=np.arange(1, 13)), "order is not an order of the 12 training images"),
    (with_changes(index_in_epoch=np.array(13)), "index_in_epoch is 13, outside 0..12"),
    (with_changes(index_in_epoch=np.array(-1)), "index_in_epoch is -1, outside 0..12"),
    (with_changes(rng_position=np.array(625)), "rng_position is 625, outside 0..624"),
    (with_changes(rng_has_gauss=np.array(2)), "rng_has_gauss is 2, outside 0..1"),
    (with_changes(epochs_completed=np.array(2**62 + 1)), "epochs_completed is "
                                                         "4611686018427387905, outside 0..2**62"),
])
def test_a_state_that_is_not_this_streams_is_named(state, complaint):
    complaint = complaint.replace("2**62", str(2**62))
    with pytest.raises(input_data.DataError) as refused:
        small_stream().restore(state)
    assert str(refused.value) == complaint


@pytest.mark.parametrize("state", [
    with_changes(index_in_epoch=np.array(12), rng_position=np.array(624),
                 rng_has_gauss=np.array(1), epochs_completed=np.array(2**62)),
    with_changes(index_in_epoch=np.array(0, np.uint8), rng_position=np.array(0),
                 rng_has_gauss=np.array(0), epochs_completed=np.array(0)),
    with_changes(order=np.arange(12, dtype=np.uint16)[::-1]),
])
def test_states_at_the_limits_are_accepted(state):
    small_stream().check_state(state)


def test_keras_data_is_checked_like_a_file_and_named_as_keras(mnist_arrays, monkeypatch):
    tf = tensorflow_v1.load()
    monkeypatch.setattr(tf.keras.datasets.mnist, "load_data", lambda: (
        (mnist_arrays["x_train"][:, :27], mnist_arrays["y_train"]),
        (mnist_arrays["x_test"], mnist_arrays["y_test"])))
    with pytest.raises(input_data.DataError) as refused:
        input_data.load_mnist_arrays("keras")
    assert str(refused.value) == ("tf.keras.datasets.mnist: x_train has shape (60000, 27, 28), "
                                  "expected (N, 28, 28)")


def test_each_array_that_differs_from_the_published_mnist_is_named(capsys):
    checksums = dict(input_data.MNIST_SHA256, x_train="0" * 64, y_test="1" * 64)
    input_data.warn_if_not_published_mnist(checksums, "my.npz")
    assert capsys.readouterr().err == ("warning: my.npz: x_train, y_test differ from the "
                                       "published MNIST (checksums in data/README.md)\n")
    input_data.warn_if_not_published_mnist(dict(input_data.MNIST_SHA256), "my.npz")
    assert capsys.readouterr().err == ""


def test_keras_and_the_embedded_file_are_the_published_mnist_and_nothing_else(tmp_path):
    """The checksums' warning is for other data: not for --data keras, nor data/mnist.npz."""
    assert input_data.is_published_mnist_source("keras")
    assert input_data.is_published_mnist_source(str(input_data.EMBEDDED_MNIST))
    assert not input_data.is_published_mnist_source("Keras")
    assert not input_data.is_published_mnist_source(str(tmp_path / "mnist.npz"))
