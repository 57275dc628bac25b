"""The article's LSTM weights in the layouts of today's libraries, and back: written once here
for every script that moves a model between them (issue 35).

The article's `BasicLSTMCell(num_hidden, forget_bias=1.0)` keeps two variables:

    kernel  [28 + n, 4n]   one matrix over [x, h]: the row's 28 pixels, then the last output h
    bias    [4n]
    gates   i, j, f, o     input, new input (j), forget, output: four blocks of n columns
    and at run time adds forget_bias (1.0) to the forget gate: c = c * sigmoid(f + 1) + ...

Keras 3's `LSTM(n)` keeps three, with the gates in another order and no run-time forget bias:

    kernel            [28, 4n]   over x
    recurrent_kernel  [n, 4n]    over h
    bias              [4n]
    gates             i, f, c, o     (c is BasicLSTMCell's j)

So the kernel is cut after its 28th row, the blocks reordered i, j, f, o -> i, f, j, o, and the
forget bias moved into the forget gate's bias. PyTorch's `nn.LSTM(28, n)` has Keras' gate order
(i, f, g, o) with its matrices transposed, and two biases that it adds (bias_ih + bias_hh).

Both cells compute the same otherwise: sigmoid gates, tanh on the new input and on the cell
state, h = o * tanh(c). Only float rounding differs: (x @ W + b) + 1 against x @ W + (b + 1).
"""

import numpy as np

FORGET_BIAS = 1.0  # BasicLSTMCell(forget_bias=1.0), the article's
ARTICLE_GATES = "ijfo"
KERAS_GATES = "ifjo"  # the same gates in Keras' (and PyTorch's) order, by the article's names


def units_of(bias):
    """n, from a bias of the four gates' 4n values."""
    if bias.ndim != 1 or bias.shape[0] % 4 or not bias.shape[0]:
        raise ValueError(f"an LSTM's bias holds 4 gates of n values, not {list(bias.shape)}")
    return bias.shape[0] // 4


def reordered(array, source, target):
    """The four gate blocks of the last axis, from the order `source` to the order `target`."""
    blocks = dict(zip(source, np.split(array, 4, axis=-1)))
    return np.concatenate([blocks[gate] for gate in target], axis=-1)


def keras_from_article(kernel, bias, forget_bias=FORGET_BIAS):
    """BasicLSTMCell's kernel [28 + n, 4n] and bias [4n] as Keras' LSTM weights: a dict of
    kernel [28, 4n], recurrent_kernel [n, 4n] and bias [4n] (set_weights takes them in that
    order), the same dtype."""
    n = units_of(bias)
    if kernel.ndim != 2 or kernel.shape[1] != 4 * n or kernel.shape[0] <= n:
        raise ValueError(f"a kernel [inputs + {n}, {4 * n}] goes with a bias of {4 * n}, not "
                         f"{list(kernel.shape)}")
    inputs = kernel.shape[0] - n
    moved = bias.copy()
    moved[2 * n:3 * n] += np.asarray(forget_bias, bias.dtype)  # f: third in i, j, f, o
    kernel = reordered(kernel, ARTICLE_GATES, KERAS_GATES)
    return {"kernel": kernel[:inputs], "recurrent_kernel": kernel[inputs:],
            "bias": reordered(moved, ARTICLE_GATES, KERAS_GATES)}


def article_from_keras(kernel, recurrent_kernel, bias, forget_bias=FORGET_BIAS):
    """Keras' LSTM weights as BasicLSTMCell's: (kernel [28 + n, 4n], bias [4n]), with the
    forget bias that the cell adds at run time taken out of the forget gate's bias."""
    n = units_of(bias)
    if recurrent_kernel.shape != (n, 4 * n) or kernel.ndim != 2 or kernel.shape[1] != 4 * n:
        raise ValueError(f"Keras' LSTM of {n} units has a kernel [inputs, {4 * n}] and a "
                         f"recurrent kernel [{n}, {4 * n}], not {list(kernel.shape)} and "
                         f"{list(recurrent_kernel.shape)}")
    moved = reordered(bias, KERAS_GATES, ARTICLE_GATES)
    moved[2 * n:3 * n] -= np.asarray(forget_bias, bias.dtype)
    return (reordered(np.concatenate([kernel, recurrent_kernel]), KERAS_GATES, ARTICLE_GATES),
            moved)


def torch_from_keras(kernel, recurrent_kernel, bias):
    """Keras' LSTM weights as PyTorch's nn.LSTM's state_dict arrays (one layer): the same gate
    order, the matrices transposed; the bias whole in bias_ih, bias_hh zeros."""
    return {"weight_ih_l0": np.ascontiguousarray(kernel.T),
            "weight_hh_l0": np.ascontiguousarray(recurrent_kernel.T),
            "bias_ih_l0": bias.copy(), "bias_hh_l0": np.zeros_like(bias)}
