"""Bad flags and bad data files: one clear line, a non-zero exit, no traceback."""

import io
import zipfile

import numpy as np
import pytest

import train_rnn_mnist as trm
from conftest import run_script


@pytest.mark.parametrize("flag, value, complaint", [
    ("--training-iters", "0", "must be a positive whole number"),
    ("--training-iters", "-5", "must be a positive whole number"),
    ("--training-iters", "1e5", "is not a whole number"),
    ("--batch-size", "0", "must be a positive whole number"),
    ("--batch-size", "many", "is not a whole number"),
    ("--display-step", "0", "must be a positive whole number"),
    ("--display-step", "2.5", "is not a whole number"),
    ("--learning-rate", "0", "must be a positive number"),
    ("--learning-rate", "-0.001", "must be a positive number"),
    ("--learning-rate", "nan", "must be a positive number"),
    ("--learning-rate", "inf", "must be a positive number"),
    ("--learning-rate", "fast", "is not a number"),
    ("--learning-rate", "1e39", "1e39 is infinite in float32"),
    ("--learning-rate", "1e-50", "1e-50 is 0 in float32"),
    ("--num-hidden", "100000", "must be at most 4096, not 100000"),
    ("--num-hidden", "0", "must be a positive whole number"),
    ("--num-hidden", "-128", "must be a positive whole number"),
    ("--test-len", "0", "must be a positive whole number"),
    ("--test-len", "x", "is not a whole number"),
    ("--seed", "-1", "must be between 0 and 4294967295"),
    ("--seed", "4294967296", "must be between 0 and 4294967295"),
    ("--seed", "one", "is not a whole number"),
])
def test_a_bad_flag_is_a_usage_error_naming_the_flag(flag, value, complaint, capsys):
    with pytest.raises(SystemExit) as exit_info:
        trm.parse_args([flag, value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    error_line = err.splitlines()[-1]
    assert error_line.startswith(f"train_rnn_mnist.py: error: argument {flag}: ")
    assert complaint in error_line
    assert err.startswith("usage: train_rnn_mnist.py")


def test_a_bad_flag_from_the_shell_exits_2_without_a_traceback():
    result = run_script("train_rnn_mnist.py", "--batch-size", "0")
    assert result.returncode == 2
    assert "argument --batch-size: must be a positive whole number, not 0" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_an_unknown_flag_is_a_usage_error():
    result = run_script("train_rnn_mnist.py", "--batchsize", "64")
    assert result.returncode == 2
    assert "unrecognized arguments: --batchsize 64" in result.stderr


def save_npz(path, arrays, **changes):
    arrays = dict(arrays, **changes)
    np.savez(path, **{key: value for key, value in arrays.items() if value is not None})
    return path


def missing_file(tmp_path, arrays):
    return tmp_path / "nowhere.npz"


def a_folder(tmp_path, arrays):
    return tmp_path


def text_file(tmp_path, arrays):
    path = tmp_path / "notes.npz"
    path.write_text("these are not the digits you are looking for\n", encoding="utf-8")
    return path


def single_npy(tmp_path, arrays):
    path = tmp_path / "x_train.npz"
    with open(path, "wb") as file:
        np.save(file, arrays["x_train"])
    return path


def truncated(tmp_path, arrays):
    whole = save_npz(tmp_path / "whole.npz", arrays).read_bytes()
    path = tmp_path / "truncated.npz"
    path.write_bytes(whole[: len(whole) // 2])
    return path


def corrupted_member(tmp_path, arrays):
    path = tmp_path / "corrupted.npz"
    np.savez_compressed(path, **arrays)
    data = bytearray(path.read_bytes())
    middle = len(data) // 3
    data[middle:middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    return path


def missing_key(tmp_path, arrays):
    return save_npz(tmp_path / "no_labels.npz", arrays, y_test=None)


def missing_keys(tmp_path, arrays):
    return save_npz(tmp_path / "no_test_set.npz", arrays, x_test=None, y_test=None)


def pickled_images(tmp_path, arrays):
    # Python objects, which NumPy stores pickled: loading them could run any code.
    images = np.empty(len(arrays["x_test"]), dtype=object)
    images[:] = list(arrays["x_test"])
    return save_npz(tmp_path / "pickled.npz", arrays, x_test=images)


def flat_images(tmp_path, arrays):
    return save_npz(tmp_path / "flat.npz", arrays,
                    x_train=arrays["x_train"].reshape(-1, 784))


def wrong_image_size(tmp_path, arrays):
    return save_npz(tmp_path / "small.npz", arrays, x_test=arrays["x_test"][:, :27, :27])


def string_pixels(tmp_path, arrays):
    return save_npz(tmp_path / "strings.npz", arrays,
                    x_test=arrays["x_test"].astype("U3"))


def float_labels(tmp_path, arrays):
    return save_npz(tmp_path / "float_labels.npz", arrays,
                    y_train=arrays["y_train"].astype(np.float32))


def label_ten(tmp_path, arrays):
    labels = arrays["y_test"].copy()
    labels[7] = 10
    return save_npz(tmp_path / "label_ten.npz", arrays, y_test=labels)


def negative_label(tmp_path, arrays):
    labels = arrays["y_train"].astype(np.int16)
    labels[9] = -1
    return save_npz(tmp_path / "negative_label.npz", arrays, y_train=labels)


def nan_pixel(tmp_path, arrays):
    images = arrays["x_test"].astype(np.float32)
    images[3, 14, 14] = np.nan
    return save_npz(tmp_path / "nan.npz", arrays, x_test=images)


def pixel_256(tmp_path, arrays):
    images = arrays["x_train"].astype(np.uint16)
    images[0, 0, 0] = 256
    return save_npz(tmp_path / "bright.npz", arrays, x_train=images)


def negative_pixel(tmp_path, arrays):
    images = arrays["x_test"].astype(np.int16)
    images[0, 0, 0] = -1
    return save_npz(tmp_path / "dark.npz", arrays, x_test=images)


def counts_differ(tmp_path, arrays):
    return save_npz(tmp_path / "counts.npz", arrays, y_train=arrays["y_train"][:-1])


def empty_test_set(tmp_path, arrays):
    return save_npz(tmp_path / "empty.npz", arrays,
                    x_test=arrays["x_test"][:0], y_test=arrays["y_test"][:0])


def scaled_images(tmp_path, arrays):
    return save_npz(tmp_path / "scaled.npz", arrays,
                    x_train=arrays["x_train"].astype(np.float32) / 255)


def only_validation_images(tmp_path, arrays):
    return save_npz(tmp_path / "too_few.npz", arrays,
                    x_train=arrays["x_train"][:5000], y_train=arrays["y_train"][:5000])


def with_member(tmp_path, arrays, name, key, change):
    """The archive of `arrays` with `key`'s .npy member replaced by change(its bytes)."""
    path = save_npz(tmp_path / name, arrays)
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members[f"{key}.npy"] = change(members[f"{key}.npy"])
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def with_header(tmp_path, arrays, name, key, shape, version=None):
    """The archive with `key`'s header declaring `shape` over its real data: a file that lies
    about its size, as NumPy would believe it. Version (2, 0) is the header NumPy writes for
    arrays whose description passes 64 KB."""
    real = f"{tuple(arrays[key].shape)}".encode()

    def declaring_shape(member):
        if version is not None:
            written = io.BytesIO()
            np.lib.format.write_array(written, arrays[key], version=version)
            member = written.getvalue()
        return member.replace(real, f"{shape}".encode().ljust(len(real)), 1)
    return with_member(tmp_path, arrays, name, key, declaring_shape)


def with_npy_header(tmp_path, arrays, name, key, descr, shape):
    """The archive with `key`'s member a header of type `descr` and `shape` over its real data:
    for what NumPy's own writer cannot be made to declare."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": descr, "fortran_order": False,
                                                  "shape": shape})
    return with_member(tmp_path, arrays, name, key,
                       lambda member: header.getvalue() + arrays[key].tobytes())


def billion_images_declared(tmp_path, arrays):
    return with_header(tmp_path, arrays, "billion.npz", "x_test", (10**9, 28, 28))


def more_images_declared_than_held(tmp_path, arrays):
    return with_header(tmp_path, arrays, "cut.npz", "x_test", (900, 28, 28))


def more_images_declared_in_a_version_2_header(tmp_path, arrays):
    return with_header(tmp_path, arrays, "cut2.npz", "x_test", (900, 28, 28), version=(2, 0))


def more_labels_declared_than_held(tmp_path, arrays):
    return with_header(tmp_path, arrays, "cut_labels.npz", "y_test", (900,))


def a_size_past_64_bits_declared(tmp_path, arrays):
    # 2^32 x 2^32 one-byte pixels: 2^64 bytes, which a product in int64 wraps round to 0.
    return with_npy_header(tmp_path, arrays, "wraps.npz", "x_test", "|u1", (2**32, 2**32))


def one_value_past_a_gigabyte_declared(tmp_path, arrays):
    # No shape, so no count of images to name: a single value of a type 1.05 GB wide (shown
    # to one decimal: 1.1 GB).
    return with_npy_header(tmp_path, arrays, "one_value.npz", "x_test", "|V1050000000", ())


def one_value_of_exactly_a_gigabyte_declared(tmp_path, arrays):
    # The most this loader reads: refused only because the file does not hold it.
    return with_npy_header(tmp_path, arrays, "one_gigabyte.npz", "x_test", "|V1000000000", ())


BAD_FILES = [
    (missing_file, "no such file"),
    (billion_images_declared, "x_test declares 1,000,000,000 images (784.0 GB), more than "
                              "MNIST-like data holds (this loader reads 1 GB an array at most)"),
    (more_images_declared_than_held, "x_test declares 900 images (705,600 bytes) but holds "
                                     "156,928 bytes: the file is cut short or lies"),
    (more_images_declared_in_a_version_2_header, "x_test declares 900 images (705,600 bytes) "
                                                 "but holds 156,928 bytes: the file is cut "
                                                 "short or lies"),
    (more_labels_declared_than_held, "y_test declares 900 labels (900 bytes) but holds 328 "
                                     "bytes: the file is cut short or lies"),
    (a_size_past_64_bits_declared, "x_test declares 4,294,967,296 images "
                                   "(18,446,744,073.7 GB), more than MNIST-like data holds"),
    (one_value_past_a_gigabyte_declared, "x_test declares it (1.1 GB), more than MNIST-like "
                                         "data holds"),
    (one_value_of_exactly_a_gigabyte_declared, "x_test declares it (1,000,000,000 bytes) but "
                                               "holds 156,928 bytes: the file is cut short or "
                                               "lies"),
    (a_folder, "not a file"),
    (text_file, "not an .npz archive (it does not start like a zip file)"),
    (single_npy, "not an .npz archive (a single .npy array)"),
    (truncated, "not a readable .npz archive (File is not a zip file)"),
    (corrupted_member, "not a readable .npz archive (Bad CRC-32 for file 'x_train.npy')"),
    (missing_key, "missing key(s) y_test"),
    (missing_keys, "missing key(s) x_test, y_test"),
    (pickled_images, "not a readable .npz archive (Object arrays cannot be loaded when "
                     "allow_pickle=False)"),
    (flat_images, "x_train has shape (5300, 784), expected (N, 28, 28)"),
    (wrong_image_size, "x_test has shape (200, 27, 27), expected (N, 28, 28)"),
    (string_pixels, "x_test has dtype <U3, expected uint8"),
    (float_labels, "y_train has dtype float32, expected uint8"),
    (label_ten, "y_test has labels outside 0..9 (min 0, max 10)"),
    (negative_label, "y_train has labels outside 0..9 (min -1, max 9)"),
    (nan_pixel, "x_test has pixels that are not finite"),
    (pixel_256, "x_train has pixels outside 0..255 (min 0, max 256)"),
    (negative_pixel, "x_test has pixels outside 0..255 (min -1, max 255)"),
    (counts_differ, "x_train has 5300 images but y_train has 5299 labels"),
    (empty_test_set, "x_test is empty"),
    (scaled_images, "x_train looks scaled to [0, 1] already (max 1.0); give pixels 0..255, as "
                    "tf.keras.datasets.mnist does (multiply by 255)"),
    (only_validation_images, "x_train has 5000 images; the article's loader keeps the first 5000 "
                             "for validation and needs more"),
]


def labels_in_a_column(tmp_path, arrays):
    return save_npz(tmp_path / "column.npz", arrays, y_test=arrays["y_test"].reshape(-1, 1))


def unlabelled_test_images(tmp_path, arrays):
    return save_npz(tmp_path / "unlabelled.npz", arrays, y_test=arrays["y_test"][:-5])


@pytest.mark.parametrize("make_bad_file, complaint", BAD_FILES + [
    (labels_in_a_column, "y_test has shape (200, 1), expected (N,)"),
    (unlabelled_test_images, "x_test has 200 images but y_test has 195 labels"),
], ids=[make.__name__ for make, _ in BAD_FILES] + ["labels_in_a_column", "unlabelled"])
def test_a_bad_data_file_is_named_in_process(make_bad_file, complaint, tmp_path, tiny_arrays):
    import input_data

    path = make_bad_file(tmp_path, tiny_arrays)
    with pytest.raises(input_data.DataError) as refused:
        input_data.load_mnist_arrays(path)
    assert str(refused.value).startswith(f"{path}: {complaint}")


@pytest.mark.parametrize("make_bad_file, complaint", BAD_FILES,
                         ids=[make.__name__ for make, _ in BAD_FILES])
def test_a_bad_data_file_is_one_line_naming_it(make_bad_file, complaint, tmp_path, tiny_arrays):
    path = make_bad_file(tmp_path, tiny_arrays)
    result = run_script("train_rnn_mnist.py", "--data", path, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("train_rnn_mnist.py: error: ")
    assert complaint in lines[0]
    assert str(path) in lines[0]


@pytest.mark.parametrize("pixels", [
    pytest.param(lambda x: (x > 127).astype(np.uint8), id="whole_numbers_0_and_1"),
    pytest.param(lambda x: x.astype(np.float32) / 170, id="floats_up_to_1.5"),
])
def test_pixels_that_only_look_small_are_not_taken_for_scaled_ones(pixels, tmp_path,
                                                                   tiny_arrays):
    # Only floats of at most 1 are what a division by 255 gives; whole numbers of at most 1 are
    # black-and-white pixels, odd but not scaled.
    import input_data

    path = save_npz(tmp_path / "small.npz", tiny_arrays, x_train=pixels(tiny_arrays["x_train"]))
    assert input_data.load_mnist_arrays(path)["x_train"].max() == pixels(np.array(255))


@pytest.mark.parametrize("flags, complaint", [
    (["--batch-size", "301"], "--batch-size 301 is more than the 300 training images"),
    (["--test-len", "201"], "--test-len 201 is more than the 200 test images"),
])
def test_flags_that_ask_more_than_the_data_holds(flags, complaint, tiny_npz):
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, *flags)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"train_rnn_mnist.py: error: {complaint}"]


def test_the_corrupted_member_case_really_is_a_zip_with_a_bad_member(tmp_path, tiny_arrays):
    # Guards the case above: the archive must open, so that reading a member is what fails.
    path = corrupted_member(tmp_path, tiny_arrays)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is not None


@pytest.mark.parametrize("flags, complaint", [
    (["--training-iters", "128"], "--training-iters 128 trains no step: the loop runs while "
                                  "step * batch size < training iters, so it must exceed "
                                  "--batch-size 128"),
    (["--training-iters", "64", "--batch-size", "100"], "--training-iters 64 trains no step"),
    (["--save-dir", "ck", "--resume", "--overwrite"],
     "--resume continues the checkpoint that --overwrite would replace: not both"),
])
def test_flags_that_cannot_go_together_are_a_usage_error(flags, complaint, capsys):
    with pytest.raises(SystemExit) as exit_info:
        trm.parse_args(flags)
    assert exit_info.value.code == 2
    assert complaint in capsys.readouterr().err.splitlines()[-1]


def test_a_huge_num_hidden_is_refused_before_tensorflow_loads():
    result = run_script("train_rnn_mnist.py", "--num-hidden", "100000", timeout=60)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "train_rnn_mnist.py: error: argument --num-hidden: must be at most 4096, not 100000")
    assert "tensorflow" not in result.stderr.lower()


@pytest.mark.trains
def test_a_diverging_run_stops_at_the_first_non_finite_loss(tiny_npz, tmp_path):
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, "--training-iters", str(32 * 41),
                        "--batch-size", "32", "--display-step", "1", "--learning-rate", "1e38",
                        "--test-len", "8", "--save-dir", tmp_path / "ck", "--save-every", "1",
                        cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last_line = result.stdout.splitlines()[-1]
    step = int(last_line.split()[1])
    assert last_line.split()[4] in ("nan", "inf", "-inf"), result.stdout
    assert result.stderr.splitlines()[-1].startswith(
        f"train_rnn_mnist.py: error: the loss is {last_line.split()[4]} at step {step}: training "
        "diverged (is --learning-rate 1e+38 too large?)")
    assert "Test Accuracy" not in result.stdout
    # What was saved before is finite, and nothing was saved from the diverged step.
    from test_signals import all_finite

    from rnn_mnist import checkpoints
    if (tmp_path / "ck" / "LATEST").exists():
        saved = checkpoints.load(tmp_path / "ck")
        assert saved.step < step and all_finite(saved)


def test_a_zip_bomb_is_refused_before_it_is_inflated(tiny_arrays, tmp_path, monkeypatch):
    """A few kilobytes that inflate to far more than MNIST: refused from the header alone. (The
    limit is lowered so that the bomb is small enough to make here; a real one is 2.4 MB that
    inflates to 2.4 GB.)"""
    import input_data

    monkeypatch.setattr(input_data, "MAX_ARRAY_BYTES", 20 * 784 * 1000)
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, **dict(tiny_arrays, x_train=np.zeros((30000, 28, 28), np.uint8),
                                     y_train=np.zeros(30000, np.uint8)))
    assert path.stat().st_size < 100_000
    read = []
    monkeypatch.setattr(input_data.np.lib.format, "read_array",
                        lambda *args, **kwargs: read.append(args) or 1 / 0)
    with pytest.raises(input_data.DataError, match=r"x_train declares 30,000 images \(0.0 GB\), "
                       "more than MNIST-like data holds"):
        input_data.load_npz(path)
    assert not read  # no array was read


# ---------------------------------------------------------------------------------------------
# cli.py's pieces, each checked at its edges: the flag types, the one-line errors, the text
# shown from files.

@pytest.mark.parametrize("kind, text, value", [
    ("whole_number", "-3", -3), ("positive_int", "1", 1), ("non_negative_int", "0", 0),
    ("non_negative_int", "7", 7), ("seed_value", "0", 0), ("seed_value", "4294967295", 2**32 - 1),
    ("positive_float", "1e-3", 0.001), ("positive_float32", "3.4028234663852886e38",
                                        3.4028234663852886e38),
    ("positive_float32", "1.4e-45", 1.4e-45),
])
def test_flag_values_at_the_edges_are_taken(kind, text, value):
    from rnn_mnist import cli

    assert getattr(cli, kind)(text) == value


@pytest.mark.parametrize("kind, text, complaint", [
    ("whole_number", "2.0", "'2.0' is not a whole number"),
    ("positive_int", "0", "must be a positive whole number, not 0"),
    ("non_negative_int", "-1", "must be 0 or more, not -1"),
    ("non_negative_int", "x", "'x' is not a whole number"),
    ("seed_value", "-1", "must be between 0 and 4294967295, not -1"),
    ("seed_value", "4294967296", "must be between 0 and 4294967295, not 4294967296"),
    ("positive_float", "fast", "'fast' is not a number"),
    ("positive_float", "-inf", "must be a positive number, not -inf"),
    ("positive_float32", "3.5e38", "3.5e38 is infinite in float32 (at most 3.4e+38)"),
    ("positive_float32", "1e-46", "1e-46 is 0 in float32 (at least 1.4e-45)"),
])
def test_a_flag_value_out_of_its_range_says_why(kind, text, complaint):
    import argparse

    from rnn_mnist import cli

    with pytest.raises(argparse.ArgumentTypeError) as refused:
        getattr(cli, kind)(text)
    assert str(refused.value) == complaint


def test_a_bounded_flag_takes_its_bound_and_refuses_one_more():
    import argparse

    from rnn_mnist import cli

    checked = cli.int_up_to(4096)
    assert checked("4096") == 4096
    with pytest.raises(argparse.ArgumentTypeError, match="^must be at most 4096, not 4097$"):
        checked("4097")


def test_an_output_path_needs_its_suffix_and_an_existing_folder(tmp_path):
    import argparse

    from rnn_mnist import cli

    assert cli.png_path(str(tmp_path / "plot.PNG")) == tmp_path / "plot.PNG"
    assert cli.gif_path(str(tmp_path / "rows.gif")) == tmp_path / "rows.gif"
    with pytest.raises(argparse.ArgumentTypeError) as refused:
        cli.png_path(str(tmp_path / "plot.gif"))
    assert str(refused.value) == f"'{tmp_path / 'plot.gif'}' does not end in .png"
    with pytest.raises(argparse.ArgumentTypeError) as refused:
        cli.png_path(str(tmp_path / "gone" / "plot.png"))
    assert str(refused.value) == f"folder '{tmp_path / 'gone'}' does not exist"


def test_abbreviated_flags_are_written_out_and_the_rest_left_as_typed():
    import argparse

    from rnn_mnist import cli

    parser = argparse.ArgumentParser()
    for flag in ("--overwrite", "--save-dir", "--save-every", "--seed"):
        parser.add_argument(flag)
    # --save and --s could be two flags or more: argparse refuses them, so they stay as typed.
    assert cli.full_flag_names(parser, ["--overw", "1", "--save-d=ck", "--save", "x", "--se",
                                        "--s", "-s", "--", "--overw"]) == [
        "--overwrite", "1", "--save-dir=ck", "--save", "x", "--seed", "--s", "-s", "--",
        "--overw"]


@pytest.mark.parametrize("error, line", [
    (ValueError("first line\nsecond line"), "first line"),
    (ValueError("\n  padded first\nnext"), "padded first"),
    (ValueError(""), "ValueError"),
    (KeyError(), "KeyError"),
])
def test_one_line_is_an_errors_first_line_or_its_name(error, line):
    from rnn_mnist import cli

    assert cli.one_line(error) == line


def test_the_reason_for_a_failed_write_is_the_systems_words():
    import errno
    import os

    from rnn_mnist import cli

    assert cli.system_reason(OSError(errno.ENOSPC, "No space left on device")) == \
        "No space left on device"
    deep = RuntimeError(f"Graph execution error:\n ... model.data-00000-of-00001.tempstate; "
                        f"{os.strerror(errno.EROFS)} [Op:SaveV2]")
    assert cli.system_reason(deep) == os.strerror(errno.EROFS)
    assert cli.system_reason(RuntimeError("step failed\nat op X")) == "step failed"
    assert cli.system_reason(OSError("no errno")) == "no errno"


@pytest.mark.parametrize("value, shown", [
    ("plain", "plain"), ("日本語 フォルダ", "日本語 フォルダ"), ("a\x1b[31mred", "a\\x1b[31mred"),
    ("tab\there", "tab\\there"), ("line\nbreak", "line\\nbreak"), ("\u202eevil", "\\u202eevil"),
    (42, "42"),
])
def test_printable_escapes_what_a_terminal_would_act_on(value, shown):
    from rnn_mnist import cli

    assert cli.printable(value) == shown


def test_fail_is_one_line_and_exit_1(capsys):
    from rnn_mnist import cli

    with pytest.raises(SystemExit) as exited:
        cli.fail("prog.py", "it went wrong")
    assert exited.value.code == 1
    assert capsys.readouterr().err == "prog.py: error: it went wrong\n"


def test_data_is_a_path_or_keras():
    from pathlib import Path

    from rnn_mnist import cli

    assert cli.data_source("keras") == "keras"
    assert cli.data_source("keras.npz") == Path("keras.npz")


def test_output_that_the_code_page_cannot_show_is_escaped(monkeypatch):
    import io

    from rnn_mnist import cli

    streams = [io.TextIOWrapper(io.BytesIO(), encoding="cp1252") for _ in range(2)]
    monkeypatch.setattr(cli.sys, "stdout", streams[0])
    monkeypatch.setattr(cli.sys, "stderr", streams[1])
    cli.keep_output_printable()
    for stream in streams:
        stream.write("テスト ok")
        stream.flush()
        assert stream.buffer.getvalue() == b"\\u30c6\\u30b9\\u30c8 ok"


@pytest.mark.parametrize("windows, words, command", [
    (False, ["python", "my run.py", "--seed", "3"], "python 'my run.py' --seed 3"),
    (True, ["C:\\py\\python.exe", "train.py", "--save-dir", "ck/a-b_c.d:e=f+g"],
     "C:\\py\\python.exe train.py --save-dir ck/a-b_c.d:e=f+g"),
    (True, ["C:\\My Path\\python.exe", "train.py", "it's"],
     "& 'C:\\My Path\\python.exe' train.py 'it''s'"),
    (True, ["python", "a;b", "$x", "100%", "a&b", "a|b", ""], "& python 'a;b' '$x' '100%' 'a&b' "
                                                               "'a|b' ''"),
])
def test_a_command_line_is_quoted_for_the_systems_shells(windows, words, command, monkeypatch):
    from rnn_mnist import cli

    monkeypatch.setattr(cli, "WINDOWS_SHELLS", windows)
    assert cli.shell_command(words) == command


def test_a_batch_or_test_of_exactly_the_data_s_size_is_allowed():
    """--batch-size 300 on 300 training images, --test-len 100 on 100 test images: they fit."""
    from types import SimpleNamespace

    from rnn_mnist import cli
    mnist = SimpleNamespace(train=SimpleNamespace(num_examples=300),
                            test=SimpleNamespace(num_examples=100))
    cli.check_data_fits("train_rnn_mnist.py", mnist, SimpleNamespace(batch_size=300,
                                                                      test_len=100))
