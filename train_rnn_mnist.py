"""TensorFlow MNISTをRNNでやってみる ("MNIST with an RNN in TensorFlow"), runnable today.

    make run                               # create .venv, install the pins, run the article
    python train_rnn_mnist.py              # the article's run (inside the venv)
    python train_rnn_mnist.py > run.log    # stdout is the log alone, like data/article_log.txt
    python train_rnn_mnist.py --help       # every flag; the defaults are the article's values
    python train_rnn_mnist.py --save-dir runs/mine   # keep the model (Ctrl-C saves too)

A 128-unit LSTM reads each 28x28 MNIST digit one row per timestep (28 timesteps of 28 pixels)
and classifies it from its last output. Graph, training loop and log lines are the article's
TensorFlow 1.x code, run through tf.compat.v1 in graph mode.

Where this code departs from the article, and why:
- `tf.contrib.rnn.BasicLSTMCell` and `static_rnn` become their `tf.compat.v1.nn` twins:
  tf.contrib was removed in TensorFlow 2.0. Since TensorFlow 2.16 that cell lives only in
  tf-keras (Keras 2), so TF_USE_LEGACY_KERAS=1 is set before TensorFlow is first imported.
- `tensorflow.examples.tutorials.mnist.input_data` is gone too: input_data.py, beside this
  file, is that module rebuilt (validation split, scaling, one-hot labels, shuffled batches),
  and reads data/mnist.npz, offline.
- The article's listing uses `preds` without defining it; it is `RNN(x)`, as here.
- The run is seeded (--seed), so its log repeats byte for byte on the same machine.
- One line more at the end: the accuracy on all 10,000 test images (of 128, one moves it 0.8%).
- TensorFlow's deprecation warnings are hidden (--verbose shows them): this API is deprecated,
  and using it is the point.
- Beyond the article, each in a module of its own in rnn_mnist/: checkpoints and resuming,
  stopping on Ctrl-C between steps, TensorBoard's event files, the log's grammar, timing.
- How it runs, not what it computes: one TensorFlow thread, loss and accuracy from one session
  run, batches scaled as taken (bench/README.md); the log is byte-identical either way.
"""

import argparse
import gc
import random
import sys
from collections import namedtuple
from pathlib import Path

# The project's package first: outside the venv it says in one line what to install.
from rnn_mnist import checkpoints, tensorboard_events, tensorflow_v1
import numpy as np

import input_data
from input_data import NUM_CLASSES, NUM_PIXELS, NUM_ROWS
from rnn_mnist.cli import (MAX_NUM_HIDDEN, check_data_fits, check_steps, data_source, fail,
                           full_flag_names, int_up_to, keep_output_printable, non_negative_int,
                           positive_float32, positive_int, seed_value)
from rnn_mnist.log_lines import (format_full_test_line, format_log_line, format_test_line,
                                 format_timing)
from rnn_mnist.stop_signals import exit_interrupted, held_stop_signals
from rnn_mnist.tensorflow_v1 import session_config, tf
from rnn_mnist.timing import PhaseClock

PROG = "train_rnn_mnist.py"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog=PROG,
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
    parser.add_argument("--learning-rate", type=positive_float32, default=0.001,
                        help="Adam's learning rate")
    parser.add_argument("--num-hidden", type=int_up_to(MAX_NUM_HIDDEN), default=128,
                        help=f"units in the LSTM cell, 1 to {MAX_NUM_HIDDEN}")
    parser.add_argument("--test-len", type=positive_int, default=128,
                        help="test images for the article's 'Test Accuracy' line")
    parser.add_argument("--seed", type=seed_value, default=0,
                        help="seeds Python's random, NumPy and TensorFlow's graph")
    parser.add_argument("--data", type=data_source, default=input_data.EMBEDDED_MNIST,
                        help="an .npz in the layout of tf.keras.datasets.mnist (x_train, y_train, "
                        "x_test, y_test), or 'keras' to download it with that module")
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's log and deprecation warnings")
    parser.add_argument("--save-dir", type=Path, default=None,
                        help="save a checkpoint here every --save-every steps, at the end of "
                        "training, and when stopped by Ctrl-C or SIGTERM")
    parser.add_argument("--save-every", type=non_negative_int, default=100, metavar="N",
                        help="with --save-dir, also save every N steps (0: only at the end)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint in --save-dir, exactly where it stopped")
    parser.add_argument("--logdir", type=Path, default=None,
                        help="write TensorBoard event files here: the log's numbers and the graph")
    parser.add_argument("--overwrite", action="store_true",
                        help="start a new run in a --save-dir that holds a checkpoint, "
                        "replacing it")
    args = parser.parse_args(argv)
    # The flags as given, each by its full name, for the command that resumes this run.
    args.argv = full_flag_names(parser, sys.argv[1:] if argv is None else argv)
    if args.resume and args.save_dir is None:
        parser.error("--resume needs --save-dir, the folder to resume from")
    if args.resume and args.overwrite:
        parser.error("--resume continues the checkpoint that --overwrite would replace: not both")
    check_steps(parser, args)
    return args


def set_seed(seed):
    """Seed every source of randomness: Keras 2's initializers draw from Python's `random`."""
    random.seed(seed)
    np.random.seed(seed)
    tf.set_random_seed(seed)  # the default graph's seed: call it inside the graph's context


# ---------------------------------------------------------------------------------------------
# The article: placeholders, the RNN model, cost and optimizer, evaluation, training, test


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
    with tf.name_scope("cost"):
        cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=preds, labels=y))
    with tf.name_scope("optimizer"):
        optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(cost)
    return cost, optimizer


def accuracy_of(preds, y):
    with tf.name_scope("evaluation"):
        correct_pred = tf.equal(tf.argmax(preds, 1), tf.argmax(y, 1))
        return tf.reduce_mean(tf.cast(correct_pred, tf.float32))


ArticleGraph = namedtuple("ArticleGraph", "x y preds cost optimizer accuracy")


def build_graph(num_hidden, learning_rate):
    # The scopes group the graph in TensorBoard (--logdir); they name ops, and change no number.
    with tf.name_scope("input"):
        x, y = placeholders()
    with tf.variable_scope("RNN"):
        preds = RNN(x, num_hidden)
    cost, optimizer = cost_and_optimizer(preds, y, learning_rate)
    accuracy = accuracy_of(preds, y)
    return ArticleGraph(x, y, preds, cost, optimizer, accuracy)


def train(sess, graph, mnist, args, first_step=1, stop=None, saved=None,
          events=tensorboard_events.NO_EVENTS):
    """The article's training loop; returns the last step done.

    `first_step` is above 1 when resuming; `stop`, once a stop signal has come, ends the loop
    after the step under way, so that the step is whole in a checkpoint; `saved` saves every
    --save-every steps; `events` gets each logged line's numbers for TensorBoard.
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
            events.scalars(step, loss=loss, accuracy=acc)
            if not np.isfinite(loss):
                fail(PROG, f"the loss is {loss} at step {step}: training diverged (is "
                     f"--learning-rate {args.learning_rate} too large?); nothing was saved from it")
        if saved is not None:
            saved.step_done(sess, step)
        if stop is not None and stop.requested():
            return step
        step += 1
    return step - 1


def test(sess, graph, mnist, test_len):
    test_images = mnist.test.images
    test_data = test_images[:test_len].reshape((-1, NUM_ROWS, NUM_PIXELS))
    test_label = mnist.test.labels[:test_len]
    test_acc = sess.run(graph.accuracy, feed_dict={graph.x: test_data, graph.y: test_label})
    print(format_test_line(test_acc), flush=True)

    # The article's figure counts 128 images; this one counts all of them.
    all_data = test_images.reshape((-1, NUM_ROWS, NUM_PIXELS))
    all_acc = sess.run(graph.accuracy, feed_dict={graph.x: all_data, graph.y: mnist.test.labels})
    print(format_full_test_line(mnist.test.num_examples, all_acc), flush=True)
    return test_acc, all_acc


# ---------------------------------------------------------------------------------------------
# main


def read_data(args):
    """The article's `mnist`, checked against the flags before TensorFlow loads."""
    mnist = input_data.read_data_sets(args.data, one_hot=True, seed=args.seed,
                                      verbose=args.verbose)
    check_data_fits(PROG, mnist, args)
    return mnist


def main(argv=None):
    keep_output_printable()  # a Windows console's code page cannot show every character
    try:
        run(argv)
    except (input_data.DataError, checkpoints.CheckpointError,
            tensorboard_events.LogdirError) as error:
        fail(PROG, str(error))


def run(argv):
    clock = PhaseClock()
    args = parse_args(argv)
    # The data and the checkpoint are checked before TensorFlow is imported: a bad file fails
    # in a moment.
    mnist = read_data(args)
    saved = checkpoints.RunCheckpoints(args, mnist)
    tensorboard_events.checked_logdir(args.logdir)
    resuming = f", resuming after step {saved.resumed.step}" if saved.resumed else ""
    print(f"{PROG}: seed {args.seed}, data {args.data}: {mnist.train.num_examples} training "
          f"images (after {input_data.VALIDATION_SIZE} for validation), "
          f"{mnist.test.num_examples} test images{resuming}", file=sys.stderr, flush=True)
    clock.lap("data")

    with held_stop_signals() as stop:
        tensorflow_v1.load(args.verbose)
        clock.lap("tensorflow import")
        with tf.Graph().as_default():
            set_seed(args.seed)
            graph = build_graph(args.num_hidden, args.learning_rate)
            with tf.Session(config=session_config()) as sess:
                sess.run(tf.global_variables_initializer())
                first_step = saved.start(sess)
                events = tensorboard_events.Events(args.logdir, sess.graph, first_step)
                clock.lap("graph")
                if stop.requested():
                    exit_interrupted(PROG, stop)

                last_step = train(sess, graph, mnist, args, first_step, stop, saved, events)
                clock.lap("training")
                if args.save_dir:
                    saved.save(sess, last_step)
                    clock.lap("checkpoint")
                if stop.requested():
                    saved.report_stop(last_step, stop.cause)
                    sys.exit(stop.exit_status)  # 130 for Ctrl-C, 143 for SIGTERM, 141 for a pipe

                test_acc, all_acc = test(sess, graph, mnist, args.test_len)
                events.test(last_step, test_acc, all_acc)
                clock.lap("test")
                if stop.requested():
                    exit_interrupted(PROG, stop)
    print(format_timing(clock.phases, last_step - first_step + 1), file=sys.stderr, flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C while the data loads, before TensorFlow is imported
        exit_interrupted(PROG)
    # Python's last garbage collection would walk every object TensorFlow made: half a second
    # at exit. The process is ending, so leave them to the operating system.
    gc.freeze()
