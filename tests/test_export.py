"""make export (rnn_mnist/exports.py, issue 35): a checkpoint as a .keras file, a SavedModel, ONNX
and a PyTorch state_dict. Each file is read here with its own library, apart from the export's
own check, and must give the article graph's probabilities on the 10,000 test images. The tests
that need tf2onnx, onnxruntime and torch are marked export: `make test-export` installs them."""

import os
import subprocess
import sys

import numpy as np
import pytest

import input_data
from conftest import ROOT
from rnn_mnist import article_graph, exports

PROG = "python -m rnn_mnist.exports"
EVERY_FILE = ["model.keras", "model.onnx", "model_torch.pt", "saved_model"]
# Each file's probabilities against the article graph's: the bound, as the export's.
PROBABILITY_TOLERANCE = 1e-5

# Each file, read as a user of that library reads it; the probabilities of the test images.
READ_BACK = r'''
import os, sys
import numpy as np
os.environ.pop("TF_USE_LEGACY_KERAS", None)
kind, path, images = sys.argv[1], sys.argv[2], np.load(sys.argv[3])
def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
if kind == "model.keras":
    import keras
    found = softmax(np.asarray(keras.saving.load_model(path).predict(images, verbose=0)))
elif kind == "saved_model":
    import tensorflow as tf
    serve = tf.saved_model.load(path).signatures["serving_default"]
    found = serve(images=tf.constant(images))["probabilities"].numpy()
elif kind == "model.onnx":
    import onnxruntime
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["images"]
    found = session.run(["probabilities"], {"images": images})[0]
else:
    import torch
    state = torch.load(path, weights_only=True)
    units = state["dense.weight"].shape[1]
    lstm, dense = torch.nn.LSTM(28, units, batch_first=True), torch.nn.Linear(units, 10)
    lstm.load_state_dict({name[5:]: value for name, value in state.items()
                          if name.startswith("lstm.")})
    dense.load_state_dict({name[6:]: value for name, value in state.items()
                           if name.startswith("dense.")})
    with torch.no_grad():
        found = softmax(dense(lstm(torch.from_numpy(images))[0][:, -1]).numpy())
np.save(sys.argv[4], found)
'''


def run_export(*flags):
    return subprocess.run([sys.executable, "-m", "rnn_mnist.exports", *map(str, flags)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})


def read_back(kind, path, tmp_path):
    images = input_data.flatten_and_scale(input_data.load_npz(input_data.EMBEDDED_MNIST)[
        "x_test"]).reshape(-1, 28, 28)
    np.save(tmp_path / "images.npy", images)
    result = subprocess.run([sys.executable, "-c", READ_BACK, kind, str(path),
                             str(tmp_path / "images.npy"), str(tmp_path / "found.npy")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr
    return np.load(tmp_path / "found.npy")


def check_every_file(checkpoint, tmp_path):
    """Export every format, then read each back here: the article graph's probabilities."""
    folder = tmp_path / "export"
    result = run_export("--checkpoint", checkpoint, "--output-dir", folder)
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(folder)) == EVERY_FILE  # nothing unfinished left
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{PROG}: the model of step ") and len(lines) == 5
    for line, name in zip(lines[1:], ["model.keras", "saved_model", "model.onnx",
                                      "model_torch.pt"]):
        assert line.startswith(f"{PROG}: {folder / name}: probabilities within ")
        assert float(line.split("within ")[1].split()[0]) <= PROBABILITY_TOLERANCE
    graph = article_graph.checkpoint_reading_in_a_child(checkpoint)["probabilities"]
    assert graph.shape == (10000, 10)
    for name in EVERY_FILE:
        found = read_back(name, folder / name, tmp_path)
        assert found.shape == graph.shape, name
        assert np.abs(found - graph).max() <= PROBABILITY_TOLERANCE, name
        assert np.array_equal(found.argmax(1), graph.argmax(1)), name


@pytest.mark.export
def test_every_file_of_a_tiny_checkpoint_reads_the_test_images_as_its_graph(tiny_checkpoint,
                                                                            tmp_path):
    check_every_file(tiny_checkpoint, tmp_path)


@pytest.mark.export
@pytest.mark.slow
def test_every_file_of_the_articles_model_reads_the_test_images_as_its_graph(article_checkpoint,
                                                                            tmp_path):
    check_every_file(article_checkpoint, tmp_path)


# ---------------------------------------------------------------------------------------------
# What the export refuses, in one line; these need none of its packages


def test_an_existing_file_is_not_replaced_unless_asked(tmp_path):
    (tmp_path / "model.onnx").write_text("the user's own", encoding="utf-8")
    result = run_export("--output-dir", tmp_path, "--formats", "keras,onnx")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"{PROG}: error: {tmp_path / 'model.onnx'} exists: add --overwrite " \
                            "to replace it\n"
    assert (tmp_path / "model.onnx").read_text(encoding="utf-8") == "the user's own"


@pytest.mark.parametrize("formats, named", [("keras,tflite", "'tflite'"), ("", "''")])
def test_an_unknown_format_is_refused(formats, named, tmp_path):
    result = run_export("--output-dir", tmp_path, "--formats", formats)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].endswith(
        f"argument --formats: {named} is not one of keras, savedmodel, onnx, torch")
    assert list(tmp_path.iterdir()) == []


def test_a_checkpoint_that_cannot_be_read_is_named_and_nothing_is_written(tmp_path):
    result = run_export("--checkpoint", tmp_path / "none", "--output-dir", tmp_path / "out",
                        "--formats", "keras")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr == f"{PROG}: error: {tmp_path / 'none'}: no such folder\n"
    assert not (tmp_path / "out").exists()


def test_a_missing_package_says_which_command_installs_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(exports, "importable", lambda name: name != "torch")
    with pytest.raises(SystemExit) as stopped:
        exports.main(["--output-dir", str(tmp_path), "--formats", "keras,torch"])
    assert stopped.value.code == 1
    assert capsys.readouterr().err == (
        f"{PROG}: error: --formats keras,torch needs torch, which this Python has not: `make "
        "export` (Windows: py tasks.py export) installs it\n")


@pytest.fixture
def stand_in_export(monkeypatch, tmp_path):
    """The export with a stand-in checkpoint reading and stand-in writers: how it checks,
    names, places and removes files, without TensorFlow."""
    graph = np.full((10000, 10), 0.1, np.float32)
    monkeypatch.setattr(exports.article_graph, "checkpoint_reading_in_a_child",
                        lambda folder: {"probabilities": graph, "step": np.int64(7)})
    monkeypatch.setattr(exports, "today_tensorflow", lambda: {})
    monkeypatch.setattr(exports, "importable", lambda name: True)
    writers = {}
    monkeypatch.setattr(exports, "WRITERS", writers)
    return writers, graph


def test_a_file_whose_probabilities_differ_is_removed_and_the_export_fails(
        stand_in_export, tmp_path, capsys):
    writers, graph = stand_in_export

    def off_by(difference):
        def write(path, weights, images, libraries):
            path.write_text("written")
            assert images.shape == (10000, 28, 28) and images.dtype == np.float32
            return graph + np.float32(difference)
        return write

    writers.update(keras=off_by(1e-6), onnx=off_by(3e-5))
    with pytest.raises(SystemExit):
        exports.main(["--output-dir", str(tmp_path), "--formats", "keras,onnx"])
    out, err = capsys.readouterr()
    assert out.splitlines()[1] == (f"{PROG}: {tmp_path / 'model.keras'}: probabilities within "
                                   "1.0e-06 of the checkpoint's")
    assert err == (f"{PROG}: error: onnx: model.onnx read back gives probabilities up to 3e-05 "
                   "from the checkpoint's, more than 1e-05: not written\n")
    assert sorted(os.listdir(tmp_path)) == ["model.keras"]


def test_a_library_that_fails_is_named_in_one_line_and_leaves_nothing(stand_in_export,
                                                                        tmp_path, capsys):
    writers, _ = stand_in_export

    def fails(path, weights, images, libraries):
        path.mkdir()
        (path / "half").write_text("half written")
        raise ValueError("the converter's\nreason")

    writers.update(savedmodel=fails)
    with pytest.raises(SystemExit):
        exports.main(["--output-dir", str(tmp_path), "--formats", "savedmodel"])
    assert capsys.readouterr().err == (f"{PROG}: error: savedmodel: saved_model could not be "
                                       "written (ValueError: the converter's)\n")  # a library's first line
    assert os.listdir(tmp_path) == []


def test_overwrite_replaces_the_files_and_folders_of_the_export_alone(stand_in_export, tmp_path):
    writers, graph = stand_in_export

    def writes(path, weights, images, libraries):
        if path.name.endswith("saved_model"):
            path.mkdir()
            (path / "saved_model.pb").write_text("new")
        else:
            path.write_text("new")
        return graph

    writers.update(keras=writes, savedmodel=writes)
    (tmp_path / "saved_model").mkdir()
    (tmp_path / "saved_model" / "old.pb").write_text("old")
    (tmp_path / "model.keras").write_text("old")
    (tmp_path / "notes.txt").write_text("the user's")
    exports.main(["--output-dir", str(tmp_path), "--formats", "keras,savedmodel",
                  "--overwrite"])
    assert sorted(os.listdir(tmp_path)) == ["model.keras", "notes.txt", "saved_model"]
    assert os.listdir(tmp_path / "saved_model") == ["saved_model.pb"]
    assert (tmp_path / "model.keras").read_text() == "new"


def test_the_torch_state_dict_holds_keras_gates_transposed_and_the_dense_layer(monkeypatch):
    """Without torch: a stand-in whose from_numpy keeps the arrays."""
    class StandIn:
        @staticmethod
        def from_numpy(array):
            return array

    rng = np.random.default_rng(0)
    weights = {"rnn/basic_lstm_cell/kernel": rng.normal(size=(28 + 3, 12)).astype(np.float32),
               "rnn/basic_lstm_cell/bias": rng.normal(size=12).astype(np.float32),
               "Variable": rng.normal(size=(3, 10)).astype(np.float32),
               "Variable_1": rng.normal(size=10).astype(np.float32)}
    state = exports.torch_state_dict(StandIn, weights)
    assert sorted(state) == ["dense.bias", "dense.weight", "lstm.bias_hh_l0", "lstm.bias_ih_l0",
                             "lstm.weight_hh_l0", "lstm.weight_ih_l0"]
    assert np.array_equal(state["dense.weight"], weights["Variable"].T)
    assert np.array_equal(state["dense.bias"], weights["Variable_1"])
    kernel = weights["rnn/basic_lstm_cell/kernel"]
    # BasicLSTMCell's i, j, f, o as PyTorch's i, f, g, o; the forget bias moved into bias_ih.
    i, j, f, o = np.split(kernel, 4, axis=1)
    assert np.array_equal(state["lstm.weight_ih_l0"], np.concatenate([i, f, j, o], 1)[:28].T)
    assert np.array_equal(state["lstm.weight_hh_l0"], np.concatenate([i, f, j, o], 1)[28:].T)
    bi, bj, bf, bo = np.split(weights["rnn/basic_lstm_cell/bias"], 4)
    assert np.array_equal(state["lstm.bias_ih_l0"], np.concatenate([bi, bf + 1, bj, bo]))
    assert not state["lstm.bias_hh_l0"].any()
    assert all(value.dtype == np.float32 and value.flags.c_contiguous
               for value in state.values())
