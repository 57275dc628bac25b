"""Write the model of a checkpoint into the file that the browser page (web/index.html) loads,
with a few test images to pick from beside the drawing.

    make run                                   # the article's run, kept in runs/article
    python export_page_model.py --output web/model.js --overwrite   # (or --checkpoint DIR)

The page is opened from disk (file://), where a browser lets a page load scripts but not read
files, so the model is a script: it sets window.RNN_MNIST_MODEL to the LSTM's kernel and bias and
the dense layer's weight and bias, each as float32 numbers in base64 (little-endian), which keeps
the article's 81,674 numbers under half a megabyte and exactly as TensorFlow saved them.
"""

import argparse
import base64
import json
import os
from pathlib import Path

# The project's package first: outside the venv it says in one line what to install.
from rnn_mnist import checkpoints, tensorflow_v1
import numpy as np

import input_data
from rnn_mnist.cli import fail, keep_output_printable, output_path, system_reason
from rnn_mnist.safe_files import NotOwnFile, replace_own_file

PROG = "export_page_model.py"
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "web" / "model.js"
GLOBAL_NAME = "RNN_MNIST_MODEL"

# The checkpoint's names for the article's four variables (checkpoints.saved_name), and the
# page's: the cell's are BasicLSTMCell's own, the dense layer's are the article's
# weights['out'] and biases['out'].
VARIABLES = {"kernel": "rnn/basic_lstm_cell/kernel", "bias": "rnn/basic_lstm_cell/bias",
             "weightOut": "Variable", "biasOut": "Variable_1"}


def float32_base64(values):
    return base64.b64encode(np.asarray(values, dtype="<f4").tobytes()).decode("ascii")


def examples(arrays):
    """The first test image of each digit 0 to 9: its index, label and 784 pixels 0..255."""
    labels = arrays["y_test"]
    found = []
    for digit in range(input_data.NUM_CLASSES):
        index = int(np.argmax(labels == digit))
        pixels = arrays["x_test"][index].astype(np.uint8).tobytes()
        found.append({"index": index, "label": digit,
                      "pixelsBase64": base64.b64encode(pixels).decode("ascii")})
    return found


def page_model(checkpoint, arrays):
    """What the page's script holds: the checkpoint's run, its variables, the examples."""
    values = checkpoints.read_model(checkpoint)
    num_hidden = checkpoints.check_article_model(values, checkpoint.folder)
    flags = {name: value for name, value in checkpoint.settings["flags"].items()
             if name != "data"}  # a path on the machine that trained it
    return {
        "about": {"step": checkpoint.step, "flags": flags,
                  "data_sha256": checkpoint.settings.get("data_sha256"),
                  "versions": checkpoint.settings.get("versions")},
        "numHidden": num_hidden,
        "shapes": {key: list(values[name].shape) for key, name in VARIABLES.items()},
        "float32Base64": {key: float32_base64(values[name]) for key, name in VARIABLES.items()},
        "examples": examples(arrays),
    }


def script_text(model):
    return (f"// The model the page reads with: written by {PROG} from a checkpoint of\n"
            "// train_rnn_mnist.py (see its 'about'), not by hand.\n"
            f"window.{GLOBAL_NAME} = {json.dumps(model, indent=1)};\n")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Write a checkpoint's model into the browser page's model file.")
    parser.add_argument("--checkpoint", type=Path, default=checkpoints.KEPT_MODEL, metavar="DIR",
                        help="a folder written by train_rnn_mnist.py --save-dir; by default the "
                        "model that `make run` keeps")
    parser.add_argument("--output", type=output_path(".js"), default=DEFAULT_OUTPUT,
                        metavar="FILE.js", help="the model file to write")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the model file if it exists")
    return parser.parse_args(argv)


def main(argv=None):
    keep_output_printable()
    args = parse_args(argv)
    if os.path.lexists(args.output) and not args.overwrite:
        fail(PROG, f"{args.output} exists: add --overwrite to replace it")
    try:
        checkpoint = checkpoints.load(args.checkpoint)
        tensorflow_v1.load()
        try:
            model = page_model(checkpoint, input_data.load_npz(input_data.EMBEDDED_MNIST))
        finally:
            checkpoint.release()
    except (checkpoints.CheckpointError, input_data.DataError) as error:
        fail(PROG, str(error))
    try:  # renamed into place whole: a page opened meanwhile reads the old or the new
        replace_own_file(args.output, script_text(model).encode("utf-8"))
    except (OSError, NotOwnFile) as error:
        fail(PROG, f"cannot write {args.output}: {system_reason(error)}")
    print(f"{PROG}: the model of step {checkpoint.step} written to {args.output} "
          f"({args.output.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
