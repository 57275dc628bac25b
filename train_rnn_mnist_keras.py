"""The article's run written as TensorFlow 2.21 teaches it: Keras 3 (issue 35).

    python train_rnn_mnist_keras.py                # today's way, from Keras' own initial weights
    python train_rnn_mnist_keras.py --same-start   # from the article graph's initial weights

The same model (an LSTM of 128 units reading a digit's 28 rows, then a dense layer to 10 logits),
the same Adam, the same batches from input_data.py and the same log lines as train_rnn_mnist.py,
which stays the article's run: this is a second script, to read beside it.

With --same-start the weights start as the article's graph starts them for --seed (made in a
Python of its own, rnn_mnist/article_graph.py) and are mapped into Keras' layout
(rnn_mnist/lstm_layouts.py): the log then follows the article script's, apart from float
rounding, which grows over the run.
"""

import argparse
import os
import sys

from rnn_mnist import article_graph, lstm_layouts, tensorflow_v1
import numpy as np

import input_data
from input_data import NUM_CLASSES, NUM_PIXELS, NUM_ROWS
from rnn_mnist.cli import (MAX_NUM_HIDDEN, check_data_fits, check_steps, data_source, fail,
                           int_up_to, keep_output_printable, positive_float32, positive_int,
                           seed_value)
from rnn_mnist.log_lines import format_full_test_line, format_log_line, format_test_line

PROG = "train_rnn_mnist_keras.py"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="The article's run in Keras 3: an LSTM reads MNIST digits row by row.")
    parser.add_argument("--training-iters", type=positive_int, default=100000,
                        help="train while step * batch size is below this: 781 steps by default")
    parser.add_argument("--batch-size", type=positive_int, default=128)
    parser.add_argument("--display-step", type=positive_int, default=10)
    parser.add_argument("--learning-rate", type=positive_float32, default=0.001)
    parser.add_argument("--num-hidden", type=int_up_to(MAX_NUM_HIDDEN), default=128,
                        help=f"units in the LSTM, 1 to {MAX_NUM_HIDDEN}")
    parser.add_argument("--test-len", type=positive_int, default=128)
    parser.add_argument("--seed", type=seed_value, default=0)
    parser.add_argument("--data", type=data_source, default=input_data.EMBEDDED_MNIST)
    parser.add_argument("--same-start", action="store_true",
                        help="start from the article graph's initial weights for --seed")
    args = parser.parse_args(argv)
    check_steps(parser, args)
    return args


def today_tensorflow():
    """Keras 3 and TensorFlow, imported as this script (and rnn_mnist/exports.py) runs them:
    Keras 3, not tf-keras (Keras 2), which the article's script asks TensorFlow for; none of
    TensorFlow's notices (its import's, a CUDA probe on a machine with no GPU); one thread, as
    the article's script runs."""
    os.environ.pop("TF_USE_LEGACY_KERAS", None)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with tensorflow_v1.stderr_held_back(show=False):
        import keras
        import tensorflow as tf
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    return keras, tf


def RNN(keras, num_hidden):
    """The article's RNN(x): keras.layers.LSTM gives the last row's output, as static_rnn's
    outputs[-1]; Dense is its `tf.matmul(outputs[-1], weight) + bias`."""
    return keras.Sequential([
        keras.Input((NUM_ROWS, NUM_PIXELS)),
        keras.layers.LSTM(num_hidden),
        keras.layers.Dense(NUM_CLASSES),
    ])


def load_article_weights(model, weights):
    """The article graph's four variables ({checkpoint name: array}) into the Keras model, the
    LSTM's mapped into Keras' layout (rnn_mnist/lstm_layouts.py)."""
    lstm = lstm_layouts.keras_from_article(weights["rnn/basic_lstm_cell/kernel"],
                                           weights["rnn/basic_lstm_cell/bias"])
    lstm_layer, dense_layer = model.layers
    lstm_layer.set_weights([lstm["kernel"], lstm["recurrent_kernel"], lstm["bias"]])
    dense_layer.set_weights([weights["Variable"], weights["Variable_1"]])


def cost_and_optimizer(keras, model, learning_rate):
    """The article's cost and optimizer: the mean softmax cross-entropy of the logits, and
    tf.train.AdamOptimizer's defaults (Keras' own epsilon is 1e-7); its accuracy."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate,
                                                  beta_1=0.9, beta_2=0.999, epsilon=1e-8),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True),
                  metrics=["categorical_accuracy"])


def train(model, mnist, args):
    """The article's loop: measured on the batch just trained on, after its update."""
    step = 1
    while step * args.batch_size < args.training_iters:
        batch_x, batch_y = mnist.train.next_batch(args.batch_size)
        batch_x = batch_x.reshape((args.batch_size, NUM_ROWS, NUM_PIXELS))
        model.train_on_batch(batch_x, batch_y)
        if step % args.display_step == 0:
            loss, acc = model.test_on_batch(batch_x, batch_y)
            print(format_log_line(step, loss, acc), flush=True)
        step += 1


def test(model, mnist, test_len):
    """The article's test line, on the first test_len test images, then all of them."""
    test_data = mnist.test.images.reshape((-1, NUM_ROWS, NUM_PIXELS))
    right = np.argmax(model.predict_on_batch(test_data), 1) == np.argmax(mnist.test.labels, 1)
    print(format_test_line(np.float32(right[:test_len].mean())), flush=True)
    print(format_full_test_line(mnist.test.num_examples, np.float32(right.mean())), flush=True)


def main(argv=None):
    keep_output_printable()
    args = parse_args(argv)
    try:
        mnist = input_data.read_data_sets(args.data, one_hot=True, seed=args.seed)
    except input_data.DataError as error:
        fail(PROG, str(error))
    check_data_fits(PROG, mnist, args)
    print(f"{PROG}: seed {args.seed}, data {args.data}, "
          f"{'the article graph' if args.same_start else 'Keras'}'s initial weights",
          file=sys.stderr, flush=True)

    keras, _ = today_tensorflow()
    keras.utils.set_random_seed(args.seed)

    model = RNN(keras, args.num_hidden)
    if args.same_start:
        try:
            start = article_graph.initial_weights_in_a_child(args.seed, args.num_hidden)
        except article_graph.ArticleGraphError as error:
            fail(PROG, f"the article's initial weights could not be made: {error}")
        load_article_weights(model, start)
    cost_and_optimizer(keras, model, args.learning_rate)
    train(model, mnist, args)
    test(model, mnist, args.test_len)


if __name__ == "__main__":
    main()
