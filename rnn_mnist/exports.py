"""A checkpoint of the article's model written for use elsewhere, each file checked (issue 35).

    make export                                       # runs/article, the model `make run` keeps
    make export ARGS="--checkpoint runs/mine --output-dir runs/mine-export --formats onnx"

Into the output folder (runs/export by default):

    model.keras      Keras 3: the Keras script's model (LSTM(n), Dense(10)), giving logits
    saved_model/     a SavedModel: its serving_default signature takes "images" [N, 28, 28]
                     float32 in [0, 1] (pixel / 255) and returns "probabilities" [N, 10]
    model.onnx       that signature as ONNX (tf2onnx, opset OPSET): input "images", output
                     "probabilities"
    model_torch.pt   a PyTorch state_dict for TorchRNN below: nn.LSTM(28, n, batch_first=True)
                     as "lstm", nn.Linear(n, 10) as "dense"; it gives logits

The weights are mapped once, by rnn_mnist/lstm_layouts.py. Each file is written under a
temporary name, read back with its own library and run on the embedded test set's 10,000 images:
its probabilities must be those of the article's graph restored from the checkpoint (read in a
Python of its own, rnn_mnist/article_graph.py) within TOLERANCE, or the file is removed and the
export fails. Only then is it renamed into place. An existing file is replaced only with
--overwrite. tf2onnx, onnxruntime and torch come from requirements/export.txt, which `make export`
installs: `make run` does not need them.
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

# The project's package first: outside the venv it says in one line what to install.
from rnn_mnist import article_graph, checkpoints, lstm_layouts, tensorflow_v1
import numpy as np

import input_data
from input_data import NUM_CLASSES, NUM_PIXELS, NUM_ROWS
from rnn_mnist.cli import fail, keep_output_printable, system_reason
# The Keras script's model, its weights' loading and its imports: one place for each.
from train_rnn_mnist_keras import RNN, load_article_weights, today_tensorflow

PROG = "python -m rnn_mnist.exports"
DEFAULT_OUTPUT = checkpoints.KEPT_MODEL.parent / "export"
FORMATS = {"keras": "model.keras", "savedmodel": "saved_model", "onnx": "model.onnx",
           "torch": "model_torch.pt"}
OPSET = 15  # tf2onnx 1.17's default; onnxruntime reads it from version 1.10 on
TOLERANCE = 1e-5  # the largest difference allowed in any of the 10,000 x 10 probabilities


class ExportError(Exception):
    """A format that cannot be written or does not give the checkpoint's probabilities."""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Write a checkpoint's model as a .keras file, a SavedModel, ONNX and a "
                    "PyTorch state_dict, each checked on the 10,000 test images.")
    parser.add_argument("--checkpoint", type=Path, default=checkpoints.KEPT_MODEL, metavar="DIR",
                        help="a folder written by train_rnn_mnist.py --save-dir; by default the "
                        "model that `make run` keeps")
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT, metavar="DIR",
                        help="the folder to write into (made if missing)")
    parser.add_argument("--formats", type=formats_list, default=",".join(FORMATS),
                        help=f"which to write, comma-separated, of {', '.join(FORMATS)}")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace files of these names in the output folder")
    return parser.parse_args(argv)


def formats_list(text):
    chosen = [word.strip() for word in text.split(",") if word.strip()]
    unknown = [word for word in chosen if word not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"{unknown[0] if unknown else text!r} is not one of {', '.join(FORMATS)}")
    return list(dict.fromkeys(chosen))


# ---------------------------------------------------------------------------------------------
# The model in each library, from the checkpoint's four variables


def keras_model(keras, weights):
    model = RNN(keras, weights["Variable"].shape[0])
    load_article_weights(model, weights)
    return model


def serving_function(tf, model):
    """The SavedModel's and ONNX's signature: images [N, 28, 28] to the ten probabilities."""
    @tf.function(input_signature=[tf.TensorSpec([None, NUM_ROWS, NUM_PIXELS], tf.float32,
                                                name="images")])
    def serve(images):
        return {"probabilities": tf.nn.softmax(model(images))}
    return serve


def torch_rnn(torch, num_hidden):
    """TorchRNN: the article's model in PyTorch, for model_torch.pt's state_dict."""
    class TorchRNN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(NUM_PIXELS, num_hidden, batch_first=True)
            self.dense = torch.nn.Linear(num_hidden, NUM_CLASSES)

        def forward(self, images):  # [N, 28 rows, 28 pixels] -> logits [N, 10]
            outputs, _ = self.lstm(images)
            return self.dense(outputs[:, -1])
    return TorchRNN()


def torch_state_dict(torch, weights):
    lstm = lstm_layouts.keras_from_article(weights["rnn/basic_lstm_cell/kernel"],
                                           weights["rnn/basic_lstm_cell/bias"])
    arrays = {f"lstm.{name}": value for name, value in lstm_layouts.torch_from_keras(
        lstm["kernel"], lstm["recurrent_kernel"], lstm["bias"]).items()}
    arrays["dense.weight"] = np.ascontiguousarray(weights["Variable"].T)
    arrays["dense.bias"] = weights["Variable_1"]
    return {name: torch.from_numpy(np.array(value, np.float32)) for name, value in arrays.items()}


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------------------------------
# Each format: written to `path`, then read back and run on the test images


def write_keras(path, weights, images, libraries):
    keras, _ = libraries
    keras_model(keras, weights).save(path)
    return softmax(keras.saving.load_model(path).predict_on_batch(images))


def write_savedmodel(path, weights, images, libraries):
    keras, tf = libraries
    module = tf.Module()
    module.model = keras_model(keras, weights)
    module.serve = serving_function(tf, module.model)
    tf.saved_model.save(module, str(path), signatures={"serving_default": module.serve})
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    return serve(images=tf.constant(images))["probabilities"].numpy()


def write_onnx(path, weights, images, libraries):
    keras, tf = libraries
    import onnxruntime
    import tf2onnx

    serve = serving_function(tf, keras_model(keras, weights))
    with tensorflow_v1.stderr_held_back(show=False):  # tf2onnx's progress notices
        tf2onnx.convert.from_function(serve, input_signature=serve.input_signature,
                                      opset=OPSET, output_path=str(path))
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["probabilities"], {"images": images})[0]


def write_torch(path, weights, images, libraries):
    import torch

    torch.save(torch_state_dict(torch, weights), path)
    model = torch_rnn(torch, weights["Variable"].shape[0])
    model.load_state_dict(torch.load(path, weights_only=True))
    with torch.no_grad():
        return softmax(model(torch.from_numpy(images)).numpy())


WRITERS = {"keras": write_keras, "savedmodel": write_savedmodel, "onnx": write_onnx,
           "torch": write_torch}
PACKAGES = {"onnx": ("onnxruntime", "tf2onnx", "onnx"), "torch": ("torch",)}


def remove(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def export(kind, folder, reading, images, libraries):
    """Write one format into `folder`, checked; the largest difference from the checkpoint's
    probabilities."""
    final = folder / FORMATS[kind]
    unfinished = folder / f".unfinished.{FORMATS[kind]}"  # the suffix kept: Keras asks for it
    remove(unfinished)  # an export stopped before it got here
    try:
        probabilities = WRITERS[kind](unfinished, reading, images, libraries)
    except Exception as error:  # a library's own error: named in one line, the file removed
        remove(unfinished)
        raise ExportError(f"{kind}: {final.name} could not be written "
                          f"({type(error).__name__}: {system_reason(error)})") from None
    difference = float(np.abs(probabilities - reading["probabilities"]).max()) \
        if probabilities.shape == reading["probabilities"].shape else float("inf")
    if not difference <= TOLERANCE:
        remove(unfinished)
        raise ExportError(f"{kind}: {final.name} read back gives probabilities up to "
                          f"{difference:.2g} from the checkpoint's, more than {TOLERANCE:g}: "
                          "not written")
    remove(final)
    os.replace(unfinished, final)
    return final, difference


def main(argv=None):
    keep_output_printable()
    args = parse_args(argv)
    folder = args.output_dir
    existing = [folder / FORMATS[kind] for kind in args.formats
                if os.path.lexists(folder / FORMATS[kind])]
    if existing and not args.overwrite:
        fail(PROG, f"{existing[0]} exists: add --overwrite to replace it")
    missing = [name for kind in args.formats for name in PACKAGES.get(kind, ())
               if not importable(name)]
    if missing:
        fail(PROG, f"--formats {','.join(args.formats)} needs {missing[0]}, which this Python "
                   "has not: `make export` (Windows: py tasks.py export) installs it")
    if folder.exists() and not folder.is_dir():
        fail(PROG, f"--output-dir {folder} is not a folder")
    try:  # the checkpoint first, so that a wrong one is said before anything is written
        reading = article_graph.checkpoint_reading_in_a_child(args.checkpoint)
    except article_graph.ArticleGraphError as error:
        fail(PROG, str(error))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(PROG, f"--output-dir {folder} cannot be made ({system_reason(error)})")
    images = input_data.flatten_and_scale(input_data.load_npz(input_data.EMBEDDED_MNIST)[
        "x_test"]).reshape(-1, NUM_ROWS, NUM_PIXELS)
    libraries = today_tensorflow()
    print(f"{PROG}: the model of step {int(reading['step'])} of {args.checkpoint}, each file "
          f"checked on the {len(images):,} test images against the article's graph", flush=True)
    for kind in args.formats:
        try:
            path, difference = export(kind, folder, reading, images, libraries)
        except ExportError as error:
            fail(PROG, str(error))
        print(f"{PROG}: {path}: probabilities within {difference:.1e} of the checkpoint's",
              flush=True)


def importable(name):
    import importlib.util

    return importlib.util.find_spec(name) is not None


if __name__ == "__main__":
    sys.exit(main())
