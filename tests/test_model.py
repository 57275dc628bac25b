"""The article's graph: its LSTM against a NumPy BasicLSTMCell with the same weights."""

import numpy as np

import train_rnn_mnist as trm
from rnn_mnist import tensorflow_v1


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def numpy_basic_lstm_logits(images, kernel, lstm_bias, weight, bias, forget_bias=1.0):
    """BasicLSTMCell by hand: gates i, j, f, o from [row, h] @ kernel + bias, row by row."""
    batch, num_hidden = len(images), weight.shape[0]
    c = np.zeros((batch, num_hidden))
    h = np.zeros((batch, num_hidden))
    for row in range(images.shape[1]):
        gates = np.concatenate([images[:, row, :], h], axis=1) @ kernel + lstm_bias
        i, j, f, o = np.split(gates, 4, axis=1)
        c = c * sigmoid(f + forget_bias) + sigmoid(i) * np.tanh(j)
        h = np.tanh(c) * sigmoid(o)
    return h @ weight + bias


def test_the_graph_is_a_basic_lstm_reading_rows_then_a_dense_layer():
    tf = tensorflow_v1.load()
    rng = np.random.default_rng(0)
    images = rng.random((3, 28, 28), dtype=np.float32)
    # A top-to-bottom gradient makes rows and columns differ, so reading columns would fail.
    images[1] *= np.linspace(0, 1, 28, dtype=np.float32)[:, None]
    with tf.Graph().as_default():
        trm.set_seed(0)
        graph = trm.build_graph(num_hidden=8, learning_rate=0.001)
        trainable = {v.name: v for v in tf.trainable_variables()}
        # Under the RNN scope that groups the model in TensorBoard (checkpoints drop it).
        assert sorted(trainable) == ["RNN/Variable:0", "RNN/Variable_1:0",
                                     "RNN/rnn/basic_lstm_cell/bias:0",
                                     "RNN/rnn/basic_lstm_cell/kernel:0"]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            # Non-zero LSTM biases, so that a misplaced forget_bias or gate order shows.
            sess.run(trainable["RNN/rnn/basic_lstm_cell/bias:0"].assign(
                rng.normal(size=32) * 0.5))
            logits = sess.run(graph.preds, feed_dict={graph.x: images})
            kernel, lstm_bias, weight, bias = sess.run([
                trainable["RNN/rnn/basic_lstm_cell/kernel:0"],
                trainable["RNN/rnn/basic_lstm_cell/bias:0"],
                trainable["RNN/Variable:0"], trainable["RNN/Variable_1:0"]])
    assert kernel.shape == (28 + 8, 4 * 8)
    assert weight.shape == (8, 10) and bias.shape == (10,)
    expected = numpy_basic_lstm_logits(images.astype(np.float64), kernel, lstm_bias, weight, bias)
    np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-5)
    # The same cell reading columns instead of rows gives other logits.
    by_columns = numpy_basic_lstm_logits(images.transpose(0, 2, 1).astype(np.float64),
                                         kernel, lstm_bias, weight, bias)
    assert not np.allclose(logits, by_columns, rtol=1e-4, atol=1e-5)


def test_cost_and_accuracy_are_the_articles():
    tf = tensorflow_v1.load()
    with tf.Graph().as_default():
        preds = tf.constant([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0]])
        # Two classes among the labels: with one class, argmin(y) would score the same 0.5.
        y = tf.constant([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
        cost, _ = trm.cost_and_optimizer(tf.Variable(preds), y, learning_rate=0.001)
        accuracy = trm.accuracy_of(preds, y)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            cost_value, accuracy_value = sess.run([cost, accuracy])
    softmax = np.exp([[2.0, 0, 0], [0, 3.0, 0]])
    softmax /= softmax.sum(axis=1, keepdims=True)
    expected_cost = -np.mean(np.log([softmax[0, 0], softmax[1, 2]]))
    assert np.isclose(cost_value, expected_cost, rtol=1e-6)
    assert accuracy_value == 0.5


def test_the_dense_layer_starts_from_a_standard_normal():
    tf = tensorflow_v1.load()
    with tf.Graph().as_default():
        trm.set_seed(1)
        trm.build_graph(num_hidden=128, learning_rate=0.001)
        weight = [v for v in tf.trainable_variables() if v.name == "RNN/Variable:0"][0]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = sess.run(weight)
    assert values.shape == (128, 10)
    assert abs(values.mean()) < 0.1 and abs(values.std() - 1.0) < 0.1
