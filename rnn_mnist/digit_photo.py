"""From a picture of one digit (a phone photo, a scan, a drawing) to the 28x28 image the model
reads, made the way MNIST's images were made. predict_digit.py uses it.

A photo is not a drawing: the paper is not white, the light falls off across it, the sensor adds
noise, and the ink may be any colour. So the ink is first separated from the paper:

1. the paper's colour is estimated everywhere, under the ink too, as a smooth surface fitted to
   the pixels that are paper (light varies slowly across a page), and the ink is left out;
2. each pixel's contrast is its distance in colour from the paper under it, so a red digit on
   blue paper stands out as well as black on white;
3. the ink threshold is chosen from the image itself (Otsu's method); specks much smaller than
   the digit are dropped, and so is what lies along the picture's edge beyond the paper (the
   table, the page's edge);
4. a digit on a transparent background is read by its alpha: transparent is paper, opaque ink.

Then MNIST's own steps: the ink as light strokes with grey edges on black, fitted into a 20x20
box keeping its aspect ratio, and centred by its centre of mass in a 28x28 frame.
"""

from dataclasses import dataclass

import numpy as np

from rnn_mnist.cli import one_line

DIGIT_BOX = 20  # MNIST fitted each digit into 20x20 pixels...
FRAME = 28  # ...and centred it by its centre of mass in 28x28.
WORK_SIZE = 256  # a larger photo is shrunk to this longer side first; the digit ends at 20 pixels
ROUNDS = 3  # the paper's colour is fitted this many times, each without the ink the last found
MIN_CONTRAST = 25.0  # ink differs from the paper by at least 10% of full scale, or there is none
FAINT = 0.2  # ink this faint (of the stroke's full contrast) still belongs to a digit it touches
SPECK = 1 / 20  # a blob of ink smaller than this fraction of the largest one is not the digit
MIN_DIGIT = 1 / 50  # the digit spans at least this fraction of the image's longer side
BEYOND_PAPER = 0.1  # ink along this fraction of the picture's edge is not on the paper
SIDE_BY_SIDE = 0.5  # a second column of ink this tall, beside the first, is a second digit


class ImageError(Exception):
    """A picture that cannot be read as one digit; the message names the file and the problem."""


@dataclass
class Reading:
    """What was done to a picture, for predict_digit.py --show-preprocessing."""
    photo: np.ndarray  # the picture as read, RGB 0..255, shrunk to at most WORK_SIZE
    ink: np.ndarray  # how much of each pixel is the digit's ink, 0..1
    dropped: np.ndarray  # ink not part of the digit: specks, and what lies beyond the paper
    box: tuple  # the digit's rows and columns in `photo`: (top, bottom, left, right), inclusive
    image: np.ndarray  # the 28x28 image the model reads, 0..255, light on black like MNIST's
    frames: int  # how many frames the file holds; the first is read


# ---------------------------------------------------------------------------------------------
# Reading the file


def read_picture(path):
    """The picture at `path` as RGB 0..255 and alpha 0..1 (None when it is all opaque), at most
    WORK_SIZE on its longer side, and its number of frames."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not path.is_file():
        raise ImageError(f"{path}: no such file")
    try:
        with Image.open(path) as image:
            image.load()  # the first frame of an animated file
            frames = getattr(image, "n_frames", 1)
            # A phone stores a photo as its sensor saw it and says in EXIF how to turn it upright.
            image = eight_bits(ImageOps.exif_transpose(image)).convert("RGBA")
            # Averaging whole blocks of pixels also averages out part of the sensor noise.
            image.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.BOX, reducing_gap=None)
            pixels = np.asarray(image, dtype=np.float32)
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image that Pillow can read") from None
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise ImageError(f"{path}: cannot be read ({one_line(error)})") from None
    if pixels.size == 0:
        raise ImageError(f"{path}: the image has no pixels")
    alpha = pixels[..., 3] / 255
    return pixels[..., :3], (None if alpha.min() > 0.99 else alpha), frames


def eight_bits(image):
    """A greyscale picture of more than 8 bits (a 16-bit PNG: Pillow's modes I;16 and I) as 8
    bits, scaled from its bit depth: Pillow's own convert() would clip every value above 255. The
    depth is what its largest value needs, at least 8: 16 bits for a full-range PNG, 12 for a
    12-bit camera's values in a 16-bit file. A floating-point one (mode F, a TIFF) is read as
    0..1 where its values are within that, else by the same depth as integers."""
    from PIL import Image

    if not image.mode.startswith(("I", "F")):
        return image
    values = np.asarray(image, dtype=np.float64)
    if not np.isfinite(values).all():
        raise ValueError("its pixels are floating-point values, and some are not numbers")
    values = np.clip(values, 0, None)
    if image.mode == "F" and values.max() <= 1:
        top = 1.0  # a floating-point picture's usual range: 0 black, 1 white
    else:
        top = 2 ** max(8, int(np.ceil(np.log2(values.max() + 1)))) - 1
    return Image.fromarray(np.round(values * (255 / top)).astype(np.uint8), "L")


# ---------------------------------------------------------------------------------------------
# Separating the ink from the paper


def box_blur(values, radius):
    """The mean over the (2 radius + 1)-pixel square around each pixel, of the pixels that are
    inside the image."""
    for axis in (0, 1):
        count = values.shape[axis]
        ends = np.clip(np.arange(count) + radius + 1, 0, count)
        starts = np.clip(np.arange(count) - radius, 0, count)
        sums = np.concatenate([np.zeros_like(values.take([0], axis)),
                               np.cumsum(values, axis=axis)], axis)
        shape = [1] * values.ndim
        shape[axis] = count
        values = (sums.take(ends, axis) - sums.take(starts, axis)) / (ends - starts).reshape(shape)
    return values


def smooth(values, radius):
    """Three box blurs: close to a Gaussian blur, at a cost that does not grow with `radius`."""
    for _ in range(3):
        values = box_blur(values, radius)
    return values


def paper_colour(rgb, paper):
    """The paper's colour at every pixel: a smooth surface (a cubic in the row and column, one
    per colour channel) fitted to the pixels that are paper. Light that falls off across a page
    or towards its corners is such a surface; the ink, left out of the fit, does not bend it."""
    height, width = paper.shape
    rows, columns = np.mgrid[0:height, 0:width]
    y, x = rows / max(height - 1, 1) * 2 - 1, columns / max(width - 1, 1) * 2 - 1
    terms = np.stack([x ** i * y ** j for i in range(4) for j in range(4 - i)], axis=-1)
    # A few thousand pixels fix ten coefficients: every step-th row and column is enough.
    step = max(1, round(np.sqrt(paper.size / 8000)))
    sample = paper[::step, ::step]
    if sample.sum() < terms.shape[-1] * 10:  # too few pixels for a surface: one colour
        flat = rgb[paper] if paper.any() else rgb.reshape(-1, 3)
        return np.broadcast_to(flat.mean(axis=0), rgb.shape)
    coefficients, *_ = np.linalg.lstsq(terms[::step, ::step][sample],
                                       rgb[::step, ::step][sample], rcond=None)
    return terms @ coefficients


def otsu_threshold(values):
    """The threshold that best splits `values` into two classes (Otsu, 1979)."""
    counts, edges = np.histogram(values, bins=256, range=(0, max(float(values.max()), 1e-6)))
    centres = (edges[:-1] + edges[1:]) / 2
    weight_low = np.cumsum(counts)
    weight_high = weight_low[-1] - weight_low
    mass_low = np.cumsum(counts * centres)
    mean_low = mass_low / np.maximum(weight_low, 1)
    mean_high = (mass_low[-1] - mass_low) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    return float(edges[np.argmax(between) + 1])


def contrast_with_paper(rgb):
    """Each pixel's distance in colour from the paper under it, and the ink threshold."""
    # A light blur against sensor noise, on photos; a small drawing has none, and no pixel to lose.
    rgb = smooth(rgb, 1) if max(rgb.shape[:2]) >= 128 else rgb
    # First guess: the paper is the picture's most common colour, its median (the ink, or a
    # table beside the page, would bend a surface fitted to every pixel).
    colour = np.median(rgb.reshape(-1, 3), axis=0)
    for _ in range(ROUNDS):  # each round's paper, without the ink it found, gives a better fit
        contrast = np.linalg.norm(rgb - colour, axis=-1)
        # On paper with no ink, Otsu's threshold splits the sensor noise: a floor keeps it off.
        threshold = max(otsu_threshold(contrast), MIN_CONTRAST)
        # The grey edge around each stroke is not paper either.
        paper = ~grow(contrast > threshold / 2)
        colour = paper_colour(rgb, paper)
    contrast = np.linalg.norm(rgb - colour, axis=-1)
    return contrast, max(otsu_threshold(contrast), MIN_CONTRAST)


def grow(mask):
    """`mask` grown by one pixel in all eight directions."""
    grown = mask.copy()
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    wide = grown.copy()
    wide[:, 1:] |= grown[:, :-1]
    wide[:, :-1] |= grown[:, 1:]
    return wide


def blobs(mask):
    """The 8-connected blobs of `mask`: an array of labels 1..n (0 off the mask), and n.

    Run by run, row by row: each run of True joins the runs it touches in the row above."""
    parent = [0]

    def root(label):
        while parent[label] != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    labels = np.zeros(mask.shape, dtype=np.int32)
    previous = []  # the runs of the row above: (start, end, label)
    for row in range(mask.shape[0]):
        edges = np.diff(np.concatenate([[0], mask[row].astype(np.int8), [0]]))
        starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
        runs = []
        for start, end in zip(starts, ends):
            label = 0
            for above_start, above_end, above in previous:
                if above_start <= end and start <= above_end:  # touching, diagonals included
                    above = root(above)
                    if label == 0:
                        label = above
                    elif above != label:  # this run joins two blobs into one
                        low, high = min(above, label), max(above, label)
                        parent[high] = label = low
            if label == 0:
                label = len(parent)
                parent.append(label)
            runs.append((start, end, label))
        for start, end, label in runs:
            labels[row, start:end] = label
        previous = runs
    roots = np.array([root(label) for label in range(len(parent))])
    _, compact = np.unique(roots, return_inverse=True)  # 0 stays 0: it is its own root
    return compact[labels], int(compact.max())


# ---------------------------------------------------------------------------------------------
# The digit


def find_digit(ink_mask, source):
    """The blobs that make the digit (a mask), and what was dropped beside them: specks, and
    what lies beyond the paper."""
    labels, count = blobs(ink_mask)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    sizes[0] = 0
    if count == 0:
        raise ImageError(f"{source}: no digit found (the image is blank)")
    # The table, or the page's edge, in a photo: dark along a long stretch of the picture's
    # edge. A digit touches the edge at most where a stroke runs off it.
    edge = np.zeros(ink_mask.shape, dtype=bool)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    beyond_paper = np.bincount(labels[edge], minlength=count + 1) > BEYOND_PAPER * edge.sum()
    beyond_paper[0] = False
    if (sizes[~beyond_paper] > 0).any():  # unless that is all there is: a drawing, edge to edge
        sizes[beyond_paper] = 0
    rows, columns = np.nonzero(labels == np.argmax(sizes))
    if max(np.ptp(rows), np.ptp(columns)) + 1 < MIN_DIGIT * max(ink_mask.shape):
        raise ImageError(f"{source}: no digit found (only specks, no larger mark)")
    kept = sizes >= SPECK * sizes.max()
    kept[0] = False
    digit = kept[labels]
    check_one_digit(labels, np.nonzero(kept)[0], source)
    return digit, ink_mask & ~digit


def check_one_digit(labels, kept, source):
    """Several digits side by side are columns of ink with paper between them."""
    spans = []
    for label in kept:
        rows, columns = np.nonzero(labels == label)
        spans.append([columns.min(), columns.max(), rows.min(), rows.max()])
    spans.sort()
    columns = []  # blobs whose columns overlap belong to one digit (the bar of a 5, a 4's arms)
    for left, right, top, bottom in spans:
        if columns and left <= columns[-1][1]:
            last = columns[-1]
            columns[-1] = [last[0], max(last[1], right), min(last[2], top), max(last[3], bottom)]
        else:
            columns.append([left, right, top, bottom])
    heights = np.array([bottom - top + 1 for _, _, top, bottom in columns])
    tall = int((heights >= SIDE_BY_SIDE * heights.max()).sum())
    if tall > 1:
        raise ImageError(f"{source}: {tall} digits side by side; crop the picture to one digit")


def ink_strength(contrast, threshold, digit):
    """How much of each pixel is ink, 0..1: the strokes full, their edges grey, paper 0. Faint
    ink is kept where it joins the digit (hysteresis), so a stroke's grey edges and thin tails
    stay, and specks do not come back."""
    paper = ~grow(contrast > threshold / 2)
    paper_level = np.median(contrast[paper]) if paper.any() else 0.0
    ink_level = np.percentile(contrast[digit], 75)  # the stroke at full strength, not its noise
    strength = np.clip((contrast - paper_level) / max(ink_level - paper_level, 1e-6), 0, 1)
    labels, _ = blobs((strength > FAINT) | digit)
    joined = np.isin(labels, np.unique(labels[digit]))
    return np.where(joined, strength, 0.0), joined


def read_digit(path):
    """Read the picture at `path` as one digit: a Reading, whose .image the model reads."""
    rgb, alpha, frames = read_picture(path)
    try:
        return digit_from_pixels(rgb, alpha, path, frames)
    except ImageError as error:
        if frames == 1:
            raise
        raise ImageError(f"{error}, in the first of its {frames} frames: only that one is "
                         "read") from None


def digit_from_pixels(rgb, alpha=None, source="image", frames=1):
    """The Reading of a picture given as RGB pixels 0..255 and alpha 0..1 (None: opaque)."""
    # Shown on mid-grey, transparent parts stay visible whatever the ink's colour.
    photo = rgb if alpha is None else rgb * alpha[..., np.newaxis] + 128 * (1 - alpha[..., None])
    if alpha is not None and (alpha < 0.5).mean() > 0.5:
        # A digit on a transparent background: transparent is the paper, and whatever colour
        # the opaque pixels have, they are the ink.
        contrast, threshold = alpha * 255, 127.5
    else:
        if alpha is not None:  # a picture with a few transparent parts: those are white
            rgb = rgb * alpha[..., np.newaxis] + 255 * (1 - alpha[..., np.newaxis])
        contrast, threshold = contrast_with_paper(rgb)
    if contrast.max() < MIN_CONTRAST:
        raise ImageError(f"{source}: no digit found (the image is blank)")
    digit, dropped = find_digit(contrast > threshold, source)
    ink, digit = ink_strength(contrast, threshold, digit)
    rows, columns = np.nonzero(digit)
    box = (rows.min(), rows.max(), columns.min(), columns.max())
    return Reading(photo=photo.astype(np.uint8), ink=ink, dropped=dropped, box=box,
                   image=mnist_like(ink[box[0]:box[1] + 1, box[2]:box[3] + 1]), frames=frames)


def mnist_like(digit):
    """MNIST's steps on the digit's ink (0..1, cropped to it): fitted into 20x20, centred by
    mass in 28x28, as light strokes 0..255 on black."""
    fitted = fit_into_box(digit * 255, DIGIT_BOX)
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
    # Summed in float64: float32 sums' rounding moved a centre that lies on a half (a stroke
    # symmetric top to bottom) to one side or the other, and the page (web/mnist_steps.js) sums
    # in float64, so the two placed the same drawing a row apart.
    weights = digit.astype(np.float64)
    mass = weights.sum()
    centre_row = (rows * weights).sum() / mass
    centre_column = (columns * weights).sum() / mass
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
