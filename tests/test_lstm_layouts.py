"""The article's LSTM weights in Keras 3's and PyTorch's layouts (rnn_mnist/lstm_layouts.py):
each library's LSTM, written out by its own documented equations in NumPy, reads rows as the
article's BasicLSTMCell does, from the mapped weights; and the mapping goes back exactly."""

import numpy as np
import pytest

from rnn_mnist import lstm_layouts
from test_model import numpy_basic_lstm_logits, sigmoid

UNITS = 8


@pytest.fixture
def article_weights():
    """A BasicLSTMCell's kernel and bias and the dense layer's, random, float32 as trained;
    the biases far from zero, so that a gate misplaced or the forget bias lost shows."""
    rng = np.random.default_rng(35)
    kernel = rng.normal(size=(28 + UNITS, 4 * UNITS)).astype(np.float32) * 0.3
    bias = rng.normal(size=4 * UNITS).astype(np.float32)
    weight = rng.normal(size=(UNITS, 10)).astype(np.float32)
    dense_bias = rng.normal(size=10).astype(np.float32)
    images = rng.random((5, 28, 28))
    return kernel, bias, weight, dense_bias, images


def keras_lstm_logits(images, kernel, recurrent_kernel, bias, weight, dense_bias):
    """keras.layers.LSTM (activation tanh, recurrent_activation sigmoid), then Dense:
    z = x @ kernel + h @ recurrent_kernel + bias; i, f, c, o = split(z); no forget bias."""
    h = c = np.zeros((len(images), recurrent_kernel.shape[0]))
    for row in range(images.shape[1]):
        z = images[:, row, :] @ kernel + h @ recurrent_kernel + bias
        i, f, candidate, o = np.split(z, 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(candidate)
        h = sigmoid(o) * np.tanh(c)
    return h @ weight + dense_bias


def torch_lstm_logits(images, state, weight, dense_bias):
    """torch.nn.LSTM, one layer: gates = x W_ih^T + b_ih + h W_hh^T + b_hh, chunks i, f, g, o."""
    h = c = np.zeros((len(images), state["weight_hh_l0"].shape[1]))
    for row in range(images.shape[1]):
        gates = (images[:, row, :] @ state["weight_ih_l0"].T + state["bias_ih_l0"]
                 + h @ state["weight_hh_l0"].T + state["bias_hh_l0"])
        i, f, g, o = np.split(gates, 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
    return h @ weight + dense_bias


def test_keras_and_pytorch_read_rows_as_the_articles_cell_from_the_mapped_weights(
        article_weights):
    kernel, bias, weight, dense_bias, images = article_weights
    article = numpy_basic_lstm_logits(images, kernel, bias, weight, dense_bias)
    keras = lstm_layouts.keras_from_article(kernel, bias)
    assert {name: value.shape for name, value in keras.items()} == {
        "kernel": (28, 32), "recurrent_kernel": (8, 32), "bias": (32,)}
    assert all(value.dtype == np.float32 for value in keras.values())
    by_keras = keras_lstm_logits(images, **keras, weight=weight, dense_bias=dense_bias)
    # Only the rounding of (b + 1) in float32 differs: far below what a print shows.
    np.testing.assert_allclose(by_keras, article, rtol=0, atol=1e-5)
    torch = lstm_layouts.torch_from_keras(**keras)
    assert {name: value.shape for name, value in torch.items()} == {
        "weight_ih_l0": (32, 28), "weight_hh_l0": (32, 8), "bias_ih_l0": (32,),
        "bias_hh_l0": (32,)}
    np.testing.assert_allclose(torch_lstm_logits(images, torch, weight, dense_bias), by_keras,
                               rtol=0, atol=1e-12)
    # Without the forget bias moved, or with the gates in the article's order, they differ.
    unmoved = lstm_layouts.keras_from_article(kernel, bias, forget_bias=0.0)
    assert not np.allclose(keras_lstm_logits(images, **unmoved, weight=weight,
                                             dense_bias=dense_bias), article, atol=1e-3)
    as_stored = {"kernel": kernel[:28], "recurrent_kernel": kernel[28:], "bias": bias}
    assert not np.allclose(keras_lstm_logits(images, **as_stored, weight=weight,
                                             dense_bias=dense_bias), article, atol=1e-3)


def test_each_gate_lands_in_its_place_and_the_forget_bias_in_the_forget_gate():
    # Blocks numbered by gate in the article's order: i 1, j 2, f 3, o 4.
    kernel = np.repeat(np.arange(1, 5, dtype=np.float32), 2)[None, :].repeat(28 + 2, axis=0)
    bias = np.repeat(np.arange(1, 5, dtype=np.float32), 2) * 10
    keras = lstm_layouts.keras_from_article(kernel, bias)
    assert keras["kernel"][0].tolist() == [1, 1, 3, 3, 2, 2, 4, 4]  # i, f, c (= j), o
    assert keras["recurrent_kernel"].shape == (2, 8)
    assert keras["bias"].tolist() == [10, 10, 31, 31, 20, 20, 40, 40]  # f + 1.0
    assert bias.tolist() == [10, 10, 20, 20, 30, 30, 40, 40]  # the caller's array untouched
    torch = lstm_layouts.torch_from_keras(**keras)
    assert torch["weight_ih_l0"][:, 0].tolist() == [1, 1, 3, 3, 2, 2, 4, 4]
    assert torch["bias_ih_l0"].tolist() == keras["bias"].tolist()
    assert torch["bias_hh_l0"].tolist() == [0] * 8


def test_the_mapping_goes_back_to_the_articles_weights(article_weights):
    kernel, bias = article_weights[:2]
    back_kernel, back_bias = lstm_layouts.article_from_keras(
        **lstm_layouts.keras_from_article(kernel, bias))
    assert np.array_equal(back_kernel, kernel) and back_kernel.dtype == np.float32
    # (b + 1) - 1 in float32 rounds b's last bits off where |b| < 1: within one step of 1.0's.
    np.testing.assert_allclose(back_bias, bias, rtol=0, atol=np.spacing(np.float32(1)))
    keras = lstm_layouts.keras_from_article(kernel, bias)
    again = lstm_layouts.keras_from_article(*lstm_layouts.article_from_keras(**keras))
    assert np.array_equal(again["kernel"], keras["kernel"])
    assert np.array_equal(again["recurrent_kernel"], keras["recurrent_kernel"])
    np.testing.assert_allclose(again["bias"], keras["bias"], rtol=0,
                               atol=np.spacing(np.float32(2)))


@pytest.mark.parametrize("call, complaint", [
    (lambda: lstm_layouts.keras_from_article(np.zeros((36, 32)), np.zeros(30)),
     "an LSTM's bias holds 4 gates of n values, not [30]"),
    (lambda: lstm_layouts.keras_from_article(np.zeros((36, 16)), np.zeros(32)),
     "a kernel [inputs + 8, 32] goes with a bias of 32, not [36, 16]"),
    (lambda: lstm_layouts.keras_from_article(np.zeros((8, 32)), np.zeros(32)),
     "a kernel [inputs + 8, 32] goes with a bias of 32, not [8, 32]"),
    (lambda: lstm_layouts.article_from_keras(np.zeros((28, 32)), np.zeros((4, 32)),
                                             np.zeros(32)),
     "Keras' LSTM of 8 units has a kernel [inputs, 32] and a recurrent kernel [8, 32], not "
     "[28, 32] and [4, 32]"),
    (lambda: lstm_layouts.article_from_keras(np.zeros(28), np.zeros((8, 32)), np.zeros(32)),
     "Keras' LSTM of 8 units has a kernel [inputs, 32] and a recurrent kernel [8, 32], not "
     "[28] and [8, 32]"),
])
def test_weights_whose_shapes_do_not_fit_are_refused_in_one_line(call, complaint):
    with pytest.raises(ValueError) as refused:
        call()
    assert str(refused.value) == complaint
