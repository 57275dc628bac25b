"""What the benchmark's peers share: the article's data, settings and output lines."""

import argparse
import sys

import numpy as np

import input_data
from input_data import NUM_PIXELS, NUM_ROWS
from rnn_mnist.cli import positive_int
from rnn_mnist.log_lines import (format_full_test_line, format_log_line, format_test_line,
                                 format_timing)
from rnn_mnist.timing import PhaseClock

BATCH_SIZE = 128
DISPLAY_STEP = 10
TEST_LEN = 128


def start_clock():
    """Phases timed as train_rnn_mnist.py times its own, for the same timing line."""
    return PhaseClock()


def print_timing(prog, clock, steps):
    print(format_timing(clock.phases, steps, prog), file=sys.stderr, flush=True)


def parse_args(prog, argv=None):
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--training-iters", type=positive_int, default=100000,
                        help="as train_rnn_mnist.py: 781 steps of 128 by default")
    return parser.parse_args(argv)


def article_data():
    """The batches train_rnn_mnist.py trains on with its default seed."""
    # As read_data_sets() reads it, without the checksums that only the trainer records.
    arrays = input_data.load_npz(input_data.EMBEDDED_MNIST)
    return input_data.data_sets_from_arrays(arrays, one_hot=True, seed=0)


def next_batch(mnist):
    batch_x, batch_y = mnist.train.next_batch(BATCH_SIZE)
    return batch_x.reshape((BATCH_SIZE, NUM_ROWS, NUM_PIXELS)), batch_y


def test_images(mnist):
    return mnist.test.images.reshape((-1, NUM_ROWS, NUM_PIXELS))


def print_step(step, loss, acc):
    print(format_log_line(step, loss, acc), flush=True)


def print_test(logits, mnist):
    correct = np.argmax(logits, axis=1) == np.argmax(mnist.test.labels, axis=1)
    print(format_test_line(np.float32(correct[:TEST_LEN].mean())), flush=True)
    print(format_full_test_line(len(correct), correct.mean()), flush=True)
