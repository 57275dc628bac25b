"""Classify a handwritten digit with a model that train_rnn_mnist.py saved, and show how the
LSTM's answer forms as it reads the image row by row.

    python train_rnn_mnist.py --save-dir checkpoints/article      # train, and keep the model
    python predict_digit.py --checkpoint checkpoints/article my_digit.png
    python predict_digit.py --checkpoint checkpoints/article --test-index 0 --rows-plot rows.png
    python predict_digit.py --checkpoint checkpoints/article --test-index 0 --rows-gif rows.gif

A picture of any size is first made to look like an MNIST image, the way MNIST's were made:
grayscale, inverted when its background is light (MNIST digits are light on black), the digit
fitted into a 20x20 box keeping its aspect ratio, and centred by its centre of mass in a 28x28
frame. --test-index N takes image N of the embedded test set instead, and prints its label.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

# Importing the project's modules must not write a __pycache__ into the repository.
sys.dont_write_bytecode = True
import checkpoints  # noqa: E402
import input_data  # noqa: E402
import tensorflow_v1  # noqa: E402
from cli import fail, gif_path, non_negative_int, one_line, png_path  # noqa: E402
from input_data import NUM_CLASSES, flatten_and_scale  # noqa: E402
from tensorflow_v1 import tf  # noqa: E402
from train_rnn_mnist import RNN, placeholders  # noqa: E402  (the article's model)

PROG = "predict_digit.py"

DIGIT_BOX = 20  # MNIST fitted each digit into 20x20 pixels...
FRAME = 28  # ...and centred it by its centre of mass in 28x28.
INK_THRESHOLD = 0.1  # a pixel is part of the digit above 10% of the darkest ink
SURE = 0.9  # the rows plot marks where the answer's probability stays above this
ROW_SECONDS, HOLD_SECONDS = 0.25, 2.5  # the rows GIF: each row's frame, then the last one held


class ImageError(Exception):
    """An image that cannot be classified; the message names the file and the problem."""


# ---------------------------------------------------------------------------------------------
# The input: a picture made MNIST-like, or an image of the test set


def read_image(path):
    """The picture at `path` as grayscale pixels 0..255 (transparent parts count as white)."""
    from PIL import Image, UnidentifiedImageError

    if not path.is_file():
        raise ImageError(f"{path}: no such file")
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                white = Image.new("RGBA", image.size, "white")
                image = Image.alpha_composite(white, image.convert("RGBA"))
            gray = np.asarray(image.convert("L"), dtype=np.float32)
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image that Pillow can read") from None
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise ImageError(f"{path}: cannot be read ({one_line(error)})") from None
    if gray.size == 0:
        raise ImageError(f"{path}: the image has no pixels")
    return gray


def mnist_like(gray, source="image"):
    """A 28x28 image in MNIST's style (digit 0..255 on 0) from grayscale pixels of any size."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = np.median(border)
    if background > 127:  # a dark digit on light paper: MNIST's digits are light on black
        gray, background = 255 - gray, 255 - background
    ink = np.clip(gray - background, 0, None)
    if ink.max() < 255 * INK_THRESHOLD:
        raise ImageError(f"{source}: no digit found (the image is blank)")
    ink *= 255 / ink.max()

    rows, columns = np.nonzero(ink > 255 * INK_THRESHOLD)
    digit = ink[rows.min(): rows.max() + 1, columns.min(): columns.max() + 1]
    fitted = fit_into_box(digit, DIGIT_BOX)
    return centre_by_mass(fitted, FRAME)


def fit_into_box(digit, size):
    """Scale so that the longer side is `size` pixels, keeping the aspect ratio."""
    from PIL import Image

    height, width = digit.shape
    scale = size / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(digit.astype(np.float32)).resize(
        new_size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized), 0, 255)


def centre_by_mass(digit, size):
    """Place `digit` in a size x size frame so that its centre of mass is the frame's centre."""
    rows, columns = np.indices(digit.shape)
    mass = digit.sum()
    centre_row = (rows * digit).sum() / mass
    centre_column = (columns * digit).sum() / mass
    # MNIST's digits have their centre of mass at pixel (14, 14): over its first 500 test images
    # the mean is (13.98, 14.01).
    top = int(round(size / 2 - centre_row))
    left = int(round(size / 2 - centre_column))

    frame = np.zeros((size, size), dtype=np.float32)
    # The part of the digit that falls inside the frame (all of it, unless it is very lopsided).
    frame_top, frame_left = max(top, 0), max(left, 0)
    digit_top, digit_left = frame_top - top, frame_left - left
    height = min(digit.shape[0] - digit_top, size - frame_top)
    width = min(digit.shape[1] - digit_left, size - frame_left)
    frame[frame_top:frame_top + height, frame_left:frame_left + width] = \
        digit[digit_top:digit_top + height, digit_left:digit_left + width]
    return frame


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


def probabilities_by_row(checkpoint, image):
    """The class probabilities after each of the 28 rows: an array [28, 10]."""
    with tf.Graph().as_default():
        x, _ = placeholders()
        logits_by_row = RNN(x, checkpoint.settings["flags"]["num_hidden"], every_row=True)
        probabilities = tf.nn.softmax(tf.stack(logits_by_row, axis=1))
        saver = checkpoints.model_saver()  # the model's variables; Adam's slots stay unread
        with tf.Session() as sess:
            checkpoints.restore_variables(sess, saver, checkpoint)
            # Scaled exactly as the training images were.
            scaled = flatten_and_scale(image[np.newaxis]).reshape(1, FRAME, FRAME)
            return sess.run(probabilities, feed_dict={x: scaled})[0]


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
    parser.add_argument("--checkpoint", type=Path, required=True, metavar="DIR",
                        help="a folder written by train_rnn_mnist.py --save-dir")
    parser.add_argument("--test-index", type=non_negative_int, metavar="N",
                        help="classify image N of the embedded MNIST test set instead")
    parser.add_argument("--rows-plot", type=png_path, metavar="FILE.png",
                        help="draw the image beside the class probabilities after each row")
    parser.add_argument("--rows-gif", type=gif_path, metavar="FILE.gif",
                        help="animate the reading: one frame per row, the image down to that row "
                        "beside the class probabilities after it")
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's own messages and warnings")
    args = parser.parse_args(argv)
    if (args.image is None) == (args.test_index is None):
        parser.error("give either IMAGE or --test-index N")
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        checkpoint = checkpoints.load(args.checkpoint)
        if args.test_index is None:
            image, label = mnist_like(read_image(args.image), args.image), None
            name = str(args.image)
        else:
            image, label = mnist_test_image(args.test_index)
            name = f"test image {args.test_index}"
        tensorflow_v1.load(args.verbose)
        probabilities = probabilities_by_row(checkpoint, image)
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
    for path, draw, what in [(args.rows_plot, plot_rows, "Rows plot"),
                             (args.rows_gif, rows_gif, "Rows GIF")]:
        if path:
            try:
                draw(image, probabilities, title, path)
            except OSError as error:
                fail(PROG, f"cannot write {path}: {error.strerror}")
            print(f"{what} written to {path}")


if __name__ == "__main__":
    main()
