"""What makes the run the article's, each checked so that the plausible wrong version fails:
when the log is measured, which test images count, what accuracy compares, how many steps the
loop runs, how pixels are scaled, the order of a checkpoint's save, and what the verdict averages.
"""

import contextlib
import io

import numpy as np
import pytest

import compare_with_article as compare
import input_data
import train_rnn_mnist as trm
from conftest import ROOT
from rnn_mnist import checkpoints, log_lines, tensorflow_v1


@pytest.fixture
def session_and_graph():
    """A small article graph (8 units), initialised, in a session of its own."""
    tf = tensorflow_v1.load()
    graph = tf.Graph()
    with graph.as_default():
        trm.set_seed(0)
        model = trm.build_graph(num_hidden=8, learning_rate=0.05)
        session = tf.Session(graph=graph)
        session.run(tf.global_variables_initializer())
    with session:
        yield session, model


def train_printing(session, model, mnist, flags):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        trm.train(session, model, mnist, trm.parse_args(flags))
    return out.getvalue().splitlines()


def test_the_log_measures_the_batch_just_trained_on_after_its_update(session_and_graph,
                                                                    tiny_arrays):
    session, model = session_and_graph
    mnist = input_data.data_sets_from_arrays(tiny_arrays, one_hot=True, seed=3)
    same_stream = input_data.data_sets_from_arrays(tiny_arrays, one_hot=True, seed=3)
    batch_x, batch_y = same_stream.train.next_batch(32)
    feed = {model.x: batch_x.reshape(-1, 28, 28), model.y: batch_y}
    before = session.run(model.cost, feed_dict=feed)

    lines = train_printing(session, model, mnist, ["--batch-size", "32", "--training-iters", "64",
                                                    "--display-step", "1"])
    after = session.run(model.cost, feed_dict=feed)
    assert lines == [trm.format_log_line(1, after, session.run(model.accuracy, feed_dict=feed))]
    assert f"{before:.6f}" != f"{after:.6f}"  # the update moved it: the order is visible


@pytest.mark.parametrize("training_iters, batch_size, steps", [
    (64 * 21, 64, 20), (100, 32, 3), (96, 32, 2), (97, 32, 3), (33, 32, 1), (100000, 128 * 97, 8),
])
def test_the_loop_runs_while_step_times_batch_is_below_the_iterations(
        training_iters, batch_size, steps, session_and_graph, mnist_arrays):
    session, model = session_and_graph
    mnist = input_data.data_sets_from_arrays(mnist_arrays, one_hot=True, seed=0)
    lines = train_printing(session, model, mnist, [
        "--batch-size", str(batch_size), "--training-iters", str(training_iters),
        "--display-step", "1"])
    assert [int(line.split()[1]) for line in lines] == list(range(1, steps + 1))
    assert checkpoints.total_steps(training_iters, batch_size) == steps


class RecordingSession:
    """Stands in for a session: records what each run is fed, answers 0.5."""

    def __init__(self):
        self.feeds = []

    def run(self, fetches, feed_dict):
        self.feeds.append(feed_dict)
        return np.float32(0.5)


def test_the_test_line_feeds_the_first_test_len_images_and_their_labels(tiny_arrays):
    # A recording, not a model: an untrained model answers one class for every image, so the
    # last 64 images would score as well as the first 64 and hide the wrong slice.
    mnist = input_data.data_sets_from_arrays(tiny_arrays, one_hot=True, seed=0)
    graph = trm.ArticleGraph(x="x", y="y", preds=None, cost=None, optimizer=None, accuracy=None)
    session = RecordingSession()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        trm.test(session, graph, mnist, test_len=64)
    article_feed, whole_feed = session.feeds
    assert np.array_equal(article_feed["x"], mnist.test.images[:64].reshape(-1, 28, 28))
    assert np.array_equal(article_feed["y"], mnist.test.labels[:64])
    assert np.array_equal(whole_feed["x"], mnist.test.images.reshape(-1, 28, 28))
    assert np.array_equal(whole_feed["y"], mnist.test.labels)
    assert out.getvalue().splitlines() == ["Test Accuracy: 0.5", "Test Accuracy (200 images): 0.5000"]


def test_accuracy_compares_the_argmax_of_both_preds_and_labels():
    tf = tensorflow_v1.load()
    with tf.Graph().as_default():
        preds = tf.constant([[3.0, 0, 0], [0, 3.0, 0], [0, 0, 3.0], [0, 0, 3.0]])
        labels = tf.constant([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [1.0, 0, 0]])
        with tf.Session() as session:
            # Three of four right. argmin(labels) would give 0 right, argmax(labels) of
            # other preds other counts: only the article's formula gives 0.75.
            assert session.run(trm.accuracy_of(preds, labels)) == 0.75


def test_every_pixel_value_scales_as_float32_times_one_over_255():
    values = np.arange(256, dtype=np.uint8)  # all 256, repeated to fill a 28x28 image
    scaled = input_data.flatten_and_scale(np.resize(values, (1, 28, 28)))[0]
    expected = np.resize(values, 784).astype(np.float32) * np.float32(1.0 / 255.0)
    assert scaled.dtype == np.float32
    assert np.array_equal(scaled.view(np.uint32), expected.view(np.uint32))
    # The check has teeth: dividing by 255 rounds some of the 256 values differently.
    divided = (np.resize(values, 784) / 255).astype(np.float32)
    assert not np.array_equal(divided.view(np.uint32), expected.view(np.uint32))


def test_latest_is_switched_only_after_the_checkpoint_is_in_place(tmp_path, monkeypatch,
                                                                  session_and_graph, tiny_arrays):
    tf = tensorflow_v1.load()
    session, model = session_and_graph
    with session.graph.as_default():
        saver = tf.train.Saver()
    mnist = input_data.data_sets_from_arrays(tiny_arrays, one_hot=True, seed=0)
    settings = {"step": 3, "flags": {"num_hidden": 8, "batch_size": 32, "learning_rate": 0.05,
                                     "seed": 0}, "data_sha256": {}}
    first = checkpoints.save(tmp_path, session, saver, settings, mnist.train.state())

    def killed_while_renaming(*args, **kwargs):
        raise KeyboardInterrupt  # as if the process died before the folder was in place

    monkeypatch.setattr(checkpoints.os, "rename", killed_while_renaming)
    with pytest.raises(KeyboardInterrupt):
        checkpoints.save(tmp_path, session, saver, dict(settings, step=4), mnist.train.state())
    monkeypatch.undo()
    assert checkpoints.load(tmp_path).folder == first


def test_the_verdict_averages_the_last_200_steps_only(tmp_path):
    article = log_lines.parse_log(ROOT / "data" / "article_log.txt")
    # A run equal to the article but for its first 500 steps, which are off by 1.
    losses = [loss + (1.0 if step <= 500 else 0.0)
              for step, loss in zip(article.steps, article.losses)]
    run = log_lines.RunLog("run", list(article.steps), losses, list(article.accuracies))
    window = compare.verdict_steps(article)
    assert window == list(range(590, 790, 10))
    assert compare.mean_loss_difference(run, article, window) == 0.0
    # And off by 0.25 over the last 200 steps only: 20 logged steps, 590..780.
    losses = [loss + (0.25 if step > 580 else 0.0)
              for step, loss in zip(article.steps, article.losses)]
    run = log_lines.RunLog("run", list(article.steps), losses, list(article.accuracies))
    assert compare.mean_loss_difference(run, article, window) == pytest.approx(0.25)
