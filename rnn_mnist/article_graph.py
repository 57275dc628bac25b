"""The article's graph in a Python of its own, for a process that runs Keras 3: the graph's
initial weights for a seed (train_rnn_mnist_keras.py --same-start), and a checkpoint's weights
with the probabilities its graph gives each test image (the exports' check, rnn_mnist/exports.py).

    python -m rnn_mnist.article_graph start --seed 0 --num-hidden 128 --output start.npz
    python -m rnn_mnist.article_graph read --checkpoint runs/article --output read.npz

The article's graph needs TensorFlow in graph mode (rnn_mnist/tensorflow_v1.py), which a process
cannot leave once in it, and Keras 3 needs eager mode: so the graph is built here. Each .npz
holds the four variables under their checkpoint names (checkpoints.saved_name); `read` adds
"probabilities" [10000, 10] and "step". A checkpoint that cannot be read is one line on stderr
and exit 1, which the parent's ArticleGraphError carries.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


class ArticleGraphError(Exception):
    """The child could not do its part; the message is its last line."""


def initial_weights(seed, num_hidden):
    """{checkpoint name: array} of the article's graph right after its initializer ran."""
    import train_rnn_mnist
    from rnn_mnist import checkpoints
    from rnn_mnist.tensorflow_v1 import load, session_config

    tf = load()
    with tf.Graph().as_default():
        train_rnn_mnist.set_seed(seed)  # as the trainer does, just before its graph
        train_rnn_mnist.build_graph(num_hidden, learning_rate=0.001)  # the rate draws nothing
        with tf.Session(config=session_config()) as session:
            session.run(tf.global_variables_initializer())
            return {checkpoints.saved_name(variable): session.run(variable)
                    for variable in tf.trainable_variables()}  # the model's four, not Adam's


def checkpoint_reading(folder):
    """The checkpoint's four variables, its step, and the probabilities that the article's graph
    restored from it gives each of the embedded test set's 10,000 images after their last row
    (predict_digit.py's reading)."""
    import input_data
    import predict_digit
    from rnn_mnist import checkpoints

    checkpoint = checkpoints.load(folder)
    try:
        values = checkpoints.read_model(checkpoint)
        images = input_data.load_npz(input_data.EMBEDDED_MNIST)["x_test"]
        # Its restore checks the model's shapes before the graph runs (check_article_model).
        probabilities = predict_digit.probabilities_by_row(checkpoint, images)[:, -1]
    finally:
        checkpoint.release()
    return {**{name: values[name] for name in checkpoints.article_model_shapes(1)},
            "probabilities": probabilities, "step": np.int64(checkpoint.step)}


def in_a_child(*args):
    """This module run with -m in a Python of its own, with `args`: the arrays it wrote."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "out.npz"
        result = subprocess.run([sys.executable, "-m", "rnn_mnist.article_graph", *map(str, args),
                                 "--output", str(output)], cwd=ROOT, capture_output=True,
                                text=True)
        if result.returncode != 0:
            raise ArticleGraphError((result.stderr.strip().splitlines() or ["no message"])[-1])
        with np.load(output) as saved:
            return {name: saved[name] for name in saved.files}


def initial_weights_in_a_child(seed, num_hidden):
    return in_a_child("start", "--seed", seed, "--num-hidden", num_hidden)


def checkpoint_reading_in_a_child(folder):
    return in_a_child("read", "--checkpoint", Path(folder).resolve())


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnn_mnist.article_graph",
                                     description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="the graph's initial weights for a seed")
    start.add_argument("--seed", type=int, required=True)
    start.add_argument("--num-hidden", type=int, required=True)
    read = commands.add_parser("read", help="a checkpoint's weights and test probabilities")
    read.add_argument("--checkpoint", type=Path, required=True)
    for command in (start, read):
        command.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "start":
        arrays = initial_weights(args.seed, args.num_hidden)
    else:
        import input_data
        from rnn_mnist import checkpoints

        try:
            arrays = checkpoint_reading(args.checkpoint)
        except (checkpoints.CheckpointError, input_data.DataError) as error:
            sys.exit(str(error))
    np.savez(args.output, **arrays)


if __name__ == "__main__":
    main()
