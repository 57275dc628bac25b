"""What the benchmark's peers share: the article's data, settings and output lines."""

import argparse
import sys

import numpy as np

import train_rnn_mnist as trm

BATCH_SIZE = 128
DISPLAY_STEP = 10
TEST_LEN = 128


def start_clock():
    """Phases timed as train_rnn_mnist.py times its own, for the same timing line."""
    return trm.PhaseClock()


def print_timing(prog, clock, steps):
    print(trm.format_timing(clock.phases, steps, prog), file=sys.stderr, flush=True)


def parse_args(prog, argv=None):
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--training-iters", type=trm.positive_int, default=100000,
                        help="as train_rnn_mnist.py: 781 steps of 128 by default")
    return parser.parse_args(argv)


def article_data():
    """The batches train_rnn_mnist.py trains on with its default seed."""
    return trm.read_data_sets(trm.load_npz(trm.EMBEDDED_MNIST), seed=0)


def next_batch(mnist):
    batch_x, batch_y = mnist.train.next_batch(BATCH_SIZE)
    return batch_x.reshape((BATCH_SIZE, trm.NUM_ROWS, trm.NUM_PIXELS)), batch_y


def test_images(mnist):
    return mnist.test.images.reshape((-1, trm.NUM_ROWS, trm.NUM_PIXELS))


def print_step(step, loss, acc):
    print(trm.format_log_line(step, loss, acc), flush=True)


def print_test(logits, mnist):
    correct = np.argmax(logits, axis=1) == np.argmax(mnist.test.labels, axis=1)
    print(trm.TEST_LINE_FORMAT.format(np.float32(correct[:TEST_LEN].mean())), flush=True)
    print(trm.FULL_TEST_LINE_FORMAT.format(len(correct), correct.mean()), flush=True)
