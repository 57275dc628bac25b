"""predict_digit.py: classifying a picture or a test image, the rows plot and GIF, bad input.
(How a picture is made MNIST-like is tested in test_digit_photo.py.)"""

import json
import shutil

import numpy as np
import pytest
from PIL import Image

import input_data
import predict_digit
from conftest import run_main, run_script
from rnn_mnist import checkpoints, digit_photo, tensorflow_v1


def test_sure_from_row():
    probabilities = np.full((28, 10), 0.1)
    probabilities[20:, 3] = 0.95
    probabilities[5, 3] = 0.99  # sure early, then not: only the last stretch counts
    assert predict_digit.sure_from_row(probabilities, 3) == 21
    assert predict_digit.sure_from_row(probabilities, 4) is None


def save_digit_picture(path, mnist_arrays, index=0):
    """Test image `index` as a photo-like picture: dark on light, larger, not square."""
    sheet = np.full((260, 200), 230, dtype=np.uint8)
    sheet[20:244, 10:178] = np.kron(255 - mnist_arrays["x_test"][index], np.ones((8, 6),
                                                                                  np.uint8))
    Image.fromarray(sheet).convert("RGB").save(path)
    return path


def test_predicting_a_test_image_prints_digit_label_and_probabilities(tiny_checkpoint, tmp_path):
    plot = tmp_path / "rows.png"
    result = run_script("predict_digit.py", "--checkpoint", tiny_checkpoint, "--test-index", "0",
                        "--rows-plot", plot, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # the TF wheel's lines are held back; --verbose shows them
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Predicted digit: ") and lines[0][-1].isdigit()
    assert lines[1] == "True label: 7"
    assert lines[2] == "Probabilities after the 28th row:"
    probabilities = [float(line.split(": ")[1]) for line in lines[3:13]]
    assert [line.split(":")[0].strip() for line in lines[3:13]] == [str(d) for d in range(10)]
    assert sum(probabilities) == pytest.approx(1, abs=0.002)
    assert int(lines[0][-1]) == int(np.argmax(probabilities))
    assert lines[13] == f"Rows plot written to {plot}"
    with Image.open(plot) as image:
        assert image.format == "PNG" and image.width > 500 and image.height > 400
        assert len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)) > 50


def test_predicting_a_picture_agrees_with_the_models_own_input(tiny_checkpoint, mnist_arrays,
                                                                tmp_path):
    # The picture of test image 3, made MNIST-like, gives the probabilities of test image 3.
    picture = save_digit_picture(tmp_path / "digit.jpg", mnist_arrays, index=3)
    checkpoint = checkpoints.load(tiny_checkpoint)
    from_picture = predict_digit.probabilities_by_row(
        checkpoint, digit_photo.read_digit(picture).image[np.newaxis])[0]
    image, label = predict_digit.mnist_test_image(3)
    from_test_set = predict_digit.probabilities_by_row(checkpoint, image[np.newaxis])[0]
    assert from_picture.shape == (28, 10)
    np.testing.assert_allclose(from_picture.sum(axis=1), 1, atol=1e-5)
    assert np.argmax(from_picture[-1]) == np.argmax(from_test_set[-1])
    # Let go before predict_digit.main holds it in this same process: Windows' byte-range locks
    # belong to a handle, so a second handle's hold is refused as if a run were removing it.
    checkpoint.release()

    result = run_main(predict_digit.main, "--checkpoint", tiny_checkpoint, picture)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"Predicted digit: {np.argmax(from_picture[-1])}"
    assert "True label" not in result.stdout


def test_a_test_image_goes_to_the_model_as_it_is(tiny_checkpoint, mnist_arrays):
    """--test-index bypasses digit_photo.py: its probabilities are the model's on the raw image."""
    result = run_main(predict_digit.main, "--checkpoint", tiny_checkpoint, "--test-index", "3")
    assert result.returncode == 0, result.stderr
    printed = [float(line.split(": ")[1]) for line in result.stdout.splitlines()[3:13]]
    raw = mnist_arrays["x_test"][3].astype(np.float32)[np.newaxis]
    expected = predict_digit.probabilities_by_row(checkpoints.load(tiny_checkpoint), raw)[0, -1]
    np.testing.assert_allclose(printed, expected, atol=0.00005)
    through_photo_steps = digit_photo.digit_from_pixels(
        np.repeat(raw[0, ..., np.newaxis], 3, axis=-1)).image
    assert not np.array_equal(through_photo_steps, raw[0])  # so the test can tell the two apart


def test_the_last_row_is_the_articles_prediction(tiny_checkpoint, mnist_arrays):
    """every_row=True adds readouts; the 28th is the article's output, from the same weights."""
    import train_rnn_mnist as trm

    tf = tensorflow_v1.load()
    checkpoint = checkpoints.load(tiny_checkpoint)
    image, _ = predict_digit.mnist_test_image(5)
    by_row = predict_digit.probabilities_by_row(checkpoint, image[np.newaxis])[0]
    with tf.Graph().as_default():
        graph = trm.build_graph(num_hidden=128, learning_rate=0.001)
        with tf.Session() as session:
            checkpoints.model_saver().restore(session, checkpoint.model_prefix)
            scaled = input_data.flatten_and_scale(image[np.newaxis]).reshape(1, 28, 28)
            article = session.run(tf.nn.softmax(graph.preds), feed_dict={graph.x: scaled})[0]
    np.testing.assert_allclose(by_row[-1], article, rtol=1e-5, atol=1e-7)


def write_bytes(path, data):
    path.write_bytes(data)
    return path


def blank_png(path):
    Image.new("L", (40, 40), 255).save(path)
    return path


@pytest.mark.parametrize("make_image, complaint", [
    (lambda tmp: tmp / "nowhere.png", "no such file"),
    (lambda tmp: write_bytes(tmp / "empty.png", b""), "not an image that Pillow can read"),
    (lambda tmp: write_bytes(tmp / "notes.png", b"a digit, honestly"),
     "not an image that Pillow can read"),
    (lambda tmp: blank_png(tmp / "blank.png"), "no digit found (the image is blank)"),
], ids=["missing", "empty file", "not an image", "blank"])
def test_a_bad_image_is_one_clear_line(make_image, complaint, tiny_checkpoint, tmp_path):
    path = make_image(tmp_path)
    result = run_script("predict_digit.py", "--checkpoint", tiny_checkpoint, path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"predict_digit.py: error: {path}: {complaint}"]


def test_a_truncated_image_is_one_clear_line(tiny_checkpoint, mnist_arrays, tmp_path):
    whole = save_digit_picture(tmp_path / "whole.png", mnist_arrays).read_bytes()
    path = write_bytes(tmp_path / "cut.png", whole[: len(whole) // 2])
    result = run_script("predict_digit.py", "--checkpoint", tiny_checkpoint, path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"predict_digit.py: error: {path}: cannot be read (")
    assert len(result.stderr.splitlines()) == 1


def test_a_test_index_out_of_range(tiny_checkpoint):
    result = run_script("predict_digit.py", "--checkpoint", tiny_checkpoint, "--test-index",
                        "10000")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "predict_digit.py: error: --test-index 10000 is out of range: the test set has 10000 "
        "images, 0 to 9999"]


@pytest.mark.parametrize("args, complaint", [
    (["--test-index", "-1"], "argument --test-index: must be 0 or more, not -1"),
    (["--test-index", "x"], "argument --test-index: 'x' is not a whole number"),
    ([], "give either IMAGE or --test-index N"),
    (["digit.png", "--test-index", "3"], "give either IMAGE or --test-index N"),
    (["--test-index", "3", "--rows-plot", "no/folder/rows.png"],
     "argument --rows-plot: folder 'no/folder' does not exist"),
])
def test_bad_arguments_are_usage_errors(args, complaint, tiny_checkpoint):
    result = run_script("predict_digit.py", "--checkpoint", tiny_checkpoint, *args)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"predict_digit.py: error: {complaint}"


def test_without_checkpoint_it_reads_with_the_model_make_run_kept_or_says_to_run_it(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(checkpoints, "KEPT_MODEL", tmp_path / "runs" / "article")
    assert predict_digit.parse_args(["--test-index", "0"]).checkpoint == checkpoints.KEPT_MODEL
    with pytest.raises(SystemExit) as stopped:
        predict_digit.main(["--test-index", "0"])
    assert stopped.value.code == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("predict_digit.py: error: no model in ") and "`make run`" in line


@pytest.fixture
def copied_checkpoint(tiny_checkpoint, tmp_path):
    folder = tmp_path / "checkpoint"
    shutil.copytree(tiny_checkpoint, folder)
    return folder, checkpoints.load(folder).folder


def truncate_variables(folder, inner):
    data = next(inner.glob("model.data-*"))
    data.write_bytes(data.read_bytes()[:100])
    return f"{data}: damaged or cut short ("


def other_num_hidden(folder, inner):
    settings = json.loads((inner / "settings.json").read_text(encoding="utf-8"))
    settings["flags"]["num_hidden"] = 64
    (inner / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    return ("the model cannot be restored (its rnn/basic_lstm_cell/kernel has shape [156, 512], "
            "this graph's [92, 256]: was it made with another --num-hidden?)")


def garbled_settings(folder, inner):
    (inner / "settings.json").write_text("{ not json", encoding="utf-8")
    return "settings.json: not readable JSON ("


def no_latest(folder, inner):
    (folder / "LATEST").unlink()
    return "no checkpoint in this folder (no LATEST file)"


def latest_points_nowhere(folder, inner):
    (folder / "LATEST").write_text("step-0000099-gone\n", encoding="utf-8")
    return "LATEST names 'step-0000099-gone', which is not a checkpoint in this folder"


def variables_missing(folder, inner):
    (inner / "model.index").unlink()
    return f"{inner / 'model.index'}: missing"


def nan_weights(folder, inner):
    """The checkpoint of a run that diverged: the dense layer's weight is NaN."""
    tf = tensorflow_v1.load()
    prefix = str(inner / "model")
    reader = tf.train.load_checkpoint(prefix)
    values = {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}
    values["Variable"] = np.full_like(values["Variable"], np.nan)
    with tf.Graph().as_default():
        variables = {name: tf.Variable(value) for name, value in values.items()}
        with tf.Session() as session:
            session.run(tf.global_variables_initializer())
            tf.train.Saver(variables).save(session, prefix, write_meta_graph=False,
                                           write_state=False)
    return "the model's values are not finite (NaN or infinite): it cannot be used"


@pytest.mark.parametrize("damage", [truncate_variables, other_num_hidden, garbled_settings,
                                    no_latest, latest_points_nowhere, variables_missing,
                                    nan_weights])
def test_a_bad_checkpoint_is_one_clear_line(damage, copied_checkpoint):
    folder, inner = copied_checkpoint
    complaint = damage(folder, inner)
    result = run_main(predict_digit.main, "--checkpoint", folder, "--test-index", "0")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("predict_digit.py: error: ") and complaint in last
    assert result.stdout == ""


def test_a_missing_checkpoint_folder(tmp_path):
    result = run_script("predict_digit.py", "--checkpoint", tmp_path / "none", "--test-index", "0")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"predict_digit.py: error: {tmp_path / 'none'}: no such folder"]


def test_the_rows_gif_has_a_frame_per_row_revealing_the_image(tiny_checkpoint, tmp_path):
    gif = tmp_path / "rows.gif"
    result = run_main(predict_digit.main, "--checkpoint", tiny_checkpoint, "--test-index", "0",
                      "--rows-gif", gif)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"Rows GIF written to {gif}"
    assert gif.stat().st_size < 1_000_000
    with Image.open(gif) as animation:
        assert animation.format == "GIF" and animation.n_frames == 28
        frames, durations = [], []
        for index in range(animation.n_frames):
            animation.seek(index)
            durations.append(animation.info["duration"])
            frames.append(np.asarray(animation.convert("L"), dtype=np.int32))
    # Each row shows for the same time, and the last frame is held longer.
    assert len(set(durations[:-1])) == 1 and durations[-1] > 2 * durations[0]
    # Test image 0 (a 7) has no ink in its first rows: the first frames differ only in their
    # titles and bars; as its rows are read, ever more of the picture changes.
    changed = [np.count_nonzero(frame != frames[0]) for frame in frames]
    assert changed[-1] > changed[13] > changed[1] > 0


def test_a_rows_gif_that_is_not_a_gif_is_refused(tiny_checkpoint, tmp_path):
    result = run_script("predict_digit.py", "--checkpoint", tiny_checkpoint, "--test-index", "0",
                        "--rows-gif", tmp_path / "rows.png", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].endswith(f"'{tmp_path / 'rows.png'}' does not end in .gif")
