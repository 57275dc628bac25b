"""Classify a handwritten digit with a model that train_rnn_mnist.py saved, and show how the
LSTM's answer forms as it reads the image row by row.

    make run                                   # train, and keep the model in runs/article
    python predict_digit.py my_digit.png       # read with that model (or --checkpoint DIR)
    python predict_digit.py digit.jpg --show-preprocessing how.png
    python predict_digit.py --test-index 0 --rows-plot rows.png
    python predict_digit.py --test-index 0 --rows-gif rows.gif

A picture of any size, a phone photo included, is first made to look like an MNIST image
(digit_photo.py): the ink is separated from the paper, whatever their colours and however the
light falls, then fitted into a 20x20 box keeping its aspect ratio and centred by its centre of
mass in a 28x28 frame, light on black, as MNIST's were made. --show-preprocessing FILE.png shows
each step. --test-index N takes image N of the embedded test set instead, as it is, and prints
its label.
"""

import argparse
import sys
from pathlib import Path

# The project's package first: outside the venv it says in one line what to install.
from rnn_mnist import checkpoints, tensorflow_v1
import numpy as np

import input_data
from input_data import NUM_CLASSES, flatten_and_scale
from rnn_mnist.cli import fail, gif_path, keep_output_printable, non_negative_int, png_path
from rnn_mnist.digit_photo import FRAME, ImageError, read_digit
from rnn_mnist.tensorflow_v1 import tf
from train_rnn_mnist import RNN, placeholders  # the article's model

PROG = "predict_digit.py"

SURE = 0.9  # the rows plot marks where the answer's probability stays above this
ROW_SECONDS, HOLD_SECONDS = 0.25, 2.5  # the rows GIF: each row's frame, then the last one held


# ---------------------------------------------------------------------------------------------
# The input: an image of the test set, as it is (a picture goes through digit_photo.py)


def mnist_test_image(index):
    """Image `index` of the embedded test set (0..255) and its label."""
    arrays = input_data.load_npz(input_data.EMBEDDED_MNIST)
    count = len(arrays["x_test"])
    if not 0 <= index < count:
        raise ImageError(f"--test-index {index} is out of range: the test set has {count} "
                         f"images, 0 to {count - 1}")
    return arrays["x_test"][index].astype(np.float32), int(arrays["y_test"][index])


# ---------------------------------------------------------------------------------------------
# The model: the article's graph, restored, read out after every row


def probabilities_by_row(checkpoint, images):
    """The class probabilities of each image after each of the 28 rows: an array [n, 28, 10]."""
    with tf.Graph().as_default():
        x, _ = placeholders()
        logits_by_row = RNN(x, checkpoint.settings["flags"]["num_hidden"], every_row=True)
        probabilities = tf.nn.softmax(tf.stack(logits_by_row, axis=1))
        saver = checkpoints.model_saver()  # the model's variables; Adam's slots stay unread
        with tf.Session() as sess:
            checkpoints.restore_variables(sess, saver, checkpoint)
            # Scaled exactly as the training images were.
            scaled = flatten_and_scale(images).reshape(-1, FRAME, FRAME)
            return sess.run(probabilities, feed_dict={x: scaled})


def sure_from_row(probabilities, digit):
    """The first row from which `digit` keeps a probability of at least SURE, or None."""
    sure = probabilities[:, digit] >= SURE
    if not sure[-1]:
        return None
    unsure_rows = np.nonzero(~sure)[0]
    return 1 if len(unsure_rows) == 0 else int(unsure_rows[-1]) + 2


def pyplot():
    """matplotlib.pyplot without a display, imported only when a picture is asked for."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_rows(image, probabilities, title, path):
    plt = pyplot()
    digit = int(np.argmax(probabilities[-1]))
    figure, (image_axis, heat_axis) = plt.subplots(
        1, 2, sharey=True, figsize=(8.5, 5.4), gridspec_kw={"width_ratios": [FRAME, 10]})
    image_axis.imshow(image, cmap="gray", vmin=0, vmax=255)
    image_axis.set_title("the image, one row per timestep")
    image_axis.set_xticks([])
    row_ticks = [0, 4, 9, 14, 19, 24, 27]
    image_axis.set_yticks(row_ticks, [str(row + 1) for row in row_ticks])
    image_axis.set_ylabel("row")

    # Square cells on the image's scale, so each row of the heatmap lines up with its pixel row.
    heat = heat_axis.imshow(probabilities, cmap="viridis", vmin=0, vmax=1)
    heat_axis.set_title("P(digit) after the row")
    heat_axis.set_xticks(range(NUM_CLASSES))
    heat_axis.set_xlabel("digit")
    figure.colorbar(heat, cax=heat_axis.inset_axes([1.08, 0, 0.1, 1]), label="probability")

    sure_row = sure_from_row(probabilities, digit)
    if sure_row is not None:
        for axis in (image_axis, heat_axis):
            axis.axhline(sure_row - 1.5, color="tab:red", linewidth=1.5)
        image_axis.text(0.5, sure_row - 2, f"P({digit}) ≥ {SURE} from row {sure_row} on",
                        color="tab:red", fontsize=10, va="bottom",
                        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
    figure.suptitle(title)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)


def plot_preprocessing(reading, title, path):
    """The picture, the ink found in it and the 28x28 image the model reads, side by side."""
    plt = pyplot()
    figure, (photo_axis, ink_axis, image_axis) = plt.subplots(
        1, 3, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1, 1, 0.75]})
    top, bottom, left, right = reading.box
    photo_axis.imshow(reading.photo)
    photo_axis.set_title("the picture")
    ink = np.repeat(reading.ink[..., np.newaxis], 3, axis=-1)
    ink[reading.dropped] = [1, 0.2, 0.2]
    ink_axis.imshow(ink)
    ink_axis.set_title("the ink found (red: not the digit)")
    for axis, colour in [(photo_axis, "tab:red"), (ink_axis, "tab:orange")]:
        axis.add_patch(plt.Rectangle((left - 0.5, top - 0.5), right - left + 1, bottom - top + 1,
                                     fill=False, edgecolor=colour, linewidth=1.5))
    image_axis.imshow(reading.image, cmap="gray", vmin=0, vmax=255)
    image_axis.set_title(f"what the model reads ({FRAME}x{FRAME})")
    for axis in (photo_axis, ink_axis, image_axis):
        axis.set_xticks([])
        axis.set_yticks([])
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(figure)


def rows_gif(image, probabilities, title, path):
    """The article's GIF, made from the model: one frame per row, the image read down to that
    row beside the class probabilities after it; the last frame is held."""
    from PIL import Image

    plt = pyplot()

    figure, (image_axis, bar_axis) = plt.subplots(
        1, 2, figsize=(6.4, 3.2), dpi=80, gridspec_kw={"width_ratios": [1, 1.3]})
    figure.suptitle(title, fontsize=11)
    shown = image_axis.imshow(np.zeros_like(image), cmap="gray", vmin=0, vmax=255)
    reading = image_axis.axhline(-0.5, color="tab:red", linewidth=2)
    image_axis.set_xticks([])
    image_axis.set_yticks([])
    bars = bar_axis.bar(range(NUM_CLASSES), probabilities[0], color="tab:blue")
    bar_axis.set_ylim(0, 1)
    bar_axis.set_xticks(range(NUM_CLASSES))
    bar_axis.set_xlabel("digit")
    bar_axis.set_ylabel("probability")
    figure.tight_layout()

    frames = []
    for row in range(1, FRAME + 1):
        read = np.zeros_like(image)
        read[:row] = image[:row]
        shown.set_data(read)
        reading.set_ydata([row - 0.5, row - 0.5])
        image_axis.set_title(f"row {row} of {FRAME}", fontsize=10)
        best = int(np.argmax(probabilities[row - 1]))
        for digit, bar in enumerate(bars):
            bar.set_height(probabilities[row - 1, digit])
            bar.set_color("tab:red" if digit == best else "tab:blue")
        bar_axis.set_title(f"after row {row}: {best} ({probabilities[row - 1, best]:.2f})",
                           fontsize=10)
        figure.canvas.draw()
        frame = Image.frombuffer("RGBA", figure.canvas.get_width_height(),
                                 figure.canvas.buffer_rgba())
        frames.append(frame.convert("RGB").quantize(colors=64))
    plt.close(figure)
    durations = [int(ROW_SECONDS * 1000)] * (FRAME - 1) + [int(HOLD_SECONDS * 1000)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=durations, loop=0,
                   optimize=True)


# ---------------------------------------------------------------------------------------------
# Command line


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Classify a handwritten digit with a checkpoint of train_rnn_mnist.py "
        "--save-dir: a picture (PNG, JPEG, any size) or an image of the MNIST test set.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("image", nargs="?", type=Path, metavar="IMAGE",
                        help="a picture of one digit, dark on light or light on dark")
    parser.add_argument("--checkpoint", type=Path, default=checkpoints.KEPT_MODEL, metavar="DIR",
                        help="a folder written by train_rnn_mnist.py --save-dir; by default the "
                        "model that `make run` keeps")
    parser.add_argument("--test-index", type=non_negative_int, metavar="N",
                        help="classify image N of the embedded MNIST test set instead")
    parser.add_argument("--rows-plot", type=png_path, metavar="FILE.png",
                        help="draw the image beside the class probabilities after each row")
    parser.add_argument("--rows-gif", type=gif_path, metavar="FILE.gif",
                        help="animate the reading: one frame per row, the image down to that row "
                        "beside the class probabilities after it")
    parser.add_argument("--show-preprocessing", type=png_path, metavar="FILE.png",
                        help="draw how IMAGE was read: the picture, the ink found in it and the "
                        "28x28 image the model reads")
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's own messages and warnings")
    args = parser.parse_args(argv)
    if (args.image is None) == (args.test_index is None):
        parser.error("give either IMAGE or --test-index N")
    if args.show_preprocessing and args.image is None:
        parser.error("--show-preprocessing shows how IMAGE is read; the test set's images are "
                     "read as they are")
    return args


def main(argv=None):
    keep_output_printable()
    args = parse_args(argv)
    try:
        checkpoint = checkpoints.load(args.checkpoint)
        if args.test_index is None:
            reading = read_digit(args.image)
            image, label = reading.image, None
            name = str(args.image)
            if reading.frames > 1:
                print(f"{PROG}: {args.image} is animated ({reading.frames} frames); the first "
                      f"frame was read", file=sys.stderr)
        else:
            reading = None
            image, label = mnist_test_image(args.test_index)
            name = f"test image {args.test_index}"
        tensorflow_v1.load(args.verbose)
        probabilities = probabilities_by_row(checkpoint, image[np.newaxis])[0]
    except (ImageError, checkpoints.CheckpointError, input_data.DataError) as error:
        fail(PROG, str(error))

    digit = int(np.argmax(probabilities[-1]))
    print(f"Predicted digit: {digit}")
    if label is not None:
        print(f"True label: {label}")
    print("Probabilities after the 28th row:")
    for candidate, probability in enumerate(probabilities[-1]):
        print(f"  {candidate}: {probability:.4f}")
    title = f"{name}: predicted {digit}" + ("" if label is None else f", label {label}")
    for path, draw, what in [
            (args.show_preprocessing, lambda path: plot_preprocessing(reading, title, path),
             "Preprocessing"),
            (args.rows_plot, lambda path: plot_rows(image, probabilities, title, path),
             "Rows plot"),
            (args.rows_gif, lambda path: rows_gif(image, probabilities, title, path), "Rows GIF")]:
        if path:
            try:
                draw(path)
            except OSError as error:
                fail(PROG, f"cannot write {path}: {error.strerror}")
            print(f"{what} written to {path}")


if __name__ == "__main__":
    main()
