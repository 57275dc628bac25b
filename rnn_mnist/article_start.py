"""The article graph's initial weights for a seed, in a Python of their own, for a script that runs
Keras 3 to start from them (train_rnn_mnist_keras.py --same-start).

    python -m rnn_mnist.article_start --seed 0 --num-hidden 128 --output start.npz

The article's graph needs TensorFlow in graph mode (rnn_mnist/tensorflow_v1.py), which a process
cannot leave once in it, and Keras 3 needs eager mode: so the graph is built here, seeded as
train_rnn_mnist.py seeds it, its variables initialized and written out; nothing is trained. The
.npz holds the four variables under their checkpoint names (checkpoints.saved_name).
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


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


def initial_weights_in_a_child(seed, num_hidden):
    """initial_weights() from a Python of its own (this module run with -m), for a process in
    eager mode; a failure there is a RuntimeError with the child's last line."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "start.npz"
        result = subprocess.run([sys.executable, "-m", "rnn_mnist.article_start", "--seed",
                                 str(seed), "--num-hidden", str(num_hidden), "--output",
                                 str(output)], cwd=ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"the article's initial weights could not be made: {last}")
        with np.load(output) as saved:
            return {name: saved[name] for name in saved.files}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnn_mnist.article_start",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--num-hidden", type=int, required=True)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    np.savez(args.output, **initial_weights(args.seed, args.num_hidden))


if __name__ == "__main__":
    main()
