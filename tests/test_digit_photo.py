"""digit_photo.py: a picture of one digit, a phone photo included, made into the 28x28 image the
model reads; predict_digit.py --show-preprocessing; and the accuracy on photo-like pictures."""

import numpy as np
import pytest
from PIL import Image

import photo_digits
import predict_digit
from conftest import run_main, run_script
from photo_digits import on_paper
from rnn_mnist import checkpoints, digit_photo
from rnn_mnist.digit_photo import ImageError, digit_from_pixels


def rgb(gray):
    return np.repeat(np.asarray(gray, dtype=np.float32)[..., np.newaxis], 3, axis=-1)


def centre_of_mass(image):
    rows, columns = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (columns * image).sum() / image.sum()


def ink_box(image):
    rows, columns = np.nonzero(image > 0.1 * 255)
    return rows.max() - rows.min() + 1, columns.max() - columns.min() + 1


def correlation(first, second):
    return np.corrcoef(first.ravel(), second.ravel())[0, 1]


def luma(colour):
    return 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]


# ---------------------------------------------------------------------------------------------
# MNIST's steps


def test_a_dark_digit_on_light_paper_becomes_light_on_black():
    paper = np.full((60, 60), 240.0)
    paper[10:50, 25:35] = 20.0  # a thick dark "1"
    image = digit_from_pixels(rgb(paper)).image
    assert image.shape == (28, 28)
    assert image[0, 0] == 0 and image.max() == pytest.approx(255, abs=1)
    assert image[14, 14] > 200  # the stroke is light, in the middle


def test_a_light_digit_on_dark_is_kept():
    dark = np.zeros((40, 40))
    dark[5:35, 18:22] = 200.0
    image = digit_from_pixels(rgb(dark)).image
    assert image[14, 14] > 200 and image[0, 0] == 0


def test_an_off_centre_digit_is_centred_by_its_centre_of_mass():
    canvas = np.zeros((100, 100))
    canvas[5:30, 60:75] = 255.0  # top right
    canvas[25:30, 60:90] = 255.0  # a foot that pulls the mass right and down
    row, column = centre_of_mass(digit_from_pixels(rgb(canvas)).image)
    assert abs(row - 14) <= 0.5 and abs(column - 14) <= 0.5


@pytest.mark.parametrize("height, width, expected_box", [
    (30, 90, (7, 20)),  # wide: the width becomes 20
    (120, 40, (20, 7)),  # tall: the height becomes 20
    (5, 5, (20, 20)),  # small: scaled up
])
def test_the_digit_is_fitted_into_20_by_20_keeping_its_aspect(height, width, expected_box):
    canvas = np.zeros((200, 200))
    canvas[40:40 + height, 30:30 + width] = 255.0
    box = ink_box(digit_from_pixels(rgb(canvas)).image)
    assert abs(box[0] - expected_box[0]) <= 1 and abs(box[1] - expected_box[1]) <= 1


def test_an_enlarged_mnist_digit_comes_back_as_itself(mnist_arrays):
    for index in range(20):
        original = mnist_arrays["x_test"][index].astype(np.float32)
        # Dark on white, 8 times larger, placed off-centre on a bigger sheet.
        sheet = np.full((300, 300), 255.0)
        sheet[10:234, 60:284] = np.kron(255 - original, np.ones((8, 8)))
        again = digit_from_pixels(rgb(sheet)).image
        assert correlation(again, original) > 0.95, index


# ---------------------------------------------------------------------------------------------
# Separating the ink from the paper


def test_light_falling_off_across_the_page_is_not_ink(mnist_arrays):
    original = mnist_arrays["x_test"][0].astype(np.float32)
    coverage = np.zeros((280, 360))
    coverage[40:264, 100:324] = np.kron(original / 255, np.ones((8, 8)))
    rows, columns = np.mgrid[0:280, 0:360]
    # Bright on the left, half as bright on the right, darker still towards the corners.
    light = 1 - 0.5 * columns / 359 - 0.3 * ((rows / 280 - 0.5) ** 2 + (columns / 360 - 0.5) ** 2)
    photo = on_paper(coverage, (20, 20, 20), (235, 235, 230)) * light[..., np.newaxis]
    reading = digit_from_pixels(photo)
    assert correlation(reading.image, original) > 0.9
    assert reading.ink[:, :100].max() == 0  # none of the dark side is taken for ink


@pytest.mark.parametrize("ink, paper", [
    ((200, 40, 40), (40, 70, 255)),  # red on blue: almost the same brightness
    ((235, 200, 0), (250, 250, 250)),  # yellow on white
    ((30, 50, 160), (190, 192, 195)),  # blue ballpoint on grey
    ((230, 230, 225), (40, 55, 50)),  # chalk on a blackboard
], ids=["red on blue", "yellow on white", "blue on grey", "chalk"])
def test_ink_of_any_colour_on_paper_of_any_colour(ink, paper, mnist_arrays):
    original = mnist_arrays["x_test"][1].astype(np.float32)
    coverage = np.kron(original / 255, np.ones((6, 6)))
    image = digit_from_pixels(on_paper(coverage, ink, paper)).image
    assert correlation(image, original) > 0.9


def test_red_on_blue_has_little_contrast_in_brightness():
    # Why contrast is measured in colour: in grayscale this digit is hardly there.
    assert abs(luma((200, 40, 40)) - luma((40, 70, 255))) < 10


@pytest.mark.parametrize("colour", [(255, 255, 255), (0, 0, 0), (220, 30, 30)])
def test_on_a_transparent_background_the_opaque_pixels_are_the_ink(colour, mnist_arrays, tmp_path):
    original = mnist_arrays["x_test"][0]
    pixels = np.zeros((224, 224, 4), np.uint8)
    pixels[..., :3] = colour
    pixels[..., 3] = np.asarray(Image.fromarray(original).resize((224, 224)))
    path = tmp_path / "drawing.png"
    Image.fromarray(pixels, mode="RGBA").save(path)
    assert correlation(digit_photo.read_digit(path).image, original.astype(np.float32)) > 0.9


def test_a_transparent_picture_is_shown_on_mid_grey_as_eight_bit_pixels():
    """The photo a reading shows: each pixel's colour over mid-grey (128) by its alpha, so a
    transparent part stays visible whatever the ink's colour; uint8, as an image is saved."""
    rgb = np.full((40, 40, 3), 200.0)
    rgb[10:30, 17:23] = (10, 20, 30)
    alpha = np.zeros((40, 40))
    alpha[10:30, 17:23] = 1.0
    alpha[0, 0] = 0.5
    photo = digit_from_pixels(rgb, alpha).photo
    assert photo.dtype == np.uint8
    assert photo[20, 20].tolist() == [10, 20, 30]  # opaque: its own colour
    assert photo[5, 5].tolist() == [128, 128, 128]  # transparent: the grey
    assert photo[0, 0].tolist() == [164, 164, 164]  # half: 200 / 2 + 128 / 2


def test_a_picture_with_a_few_transparent_parts_is_read_on_white(mnist_arrays, tmp_path):
    original = mnist_arrays["x_test"][0]
    pixels = np.zeros((224, 224, 4), np.uint8)
    pixels[..., :3] = 255 - np.asarray(Image.fromarray(original).resize((224, 224)))[..., None]
    pixels[..., 3] = 255
    pixels[:12, :] = 0  # a transparent strip along the top, outside the drawing
    path = tmp_path / "drawing.png"
    Image.fromarray(pixels, mode="RGBA").save(path)
    assert correlation(digit_photo.read_digit(path).image, original.astype(np.float32)) > 0.9
    # Transparent parts, black underneath as a drawing program leaves them, are white paper:
    # the digit reads as on an all-white page, not beside a dark blob.
    white = 255 - np.asarray(Image.fromarray(original).resize((224, 224)), np.float32)
    on_white = digit_photo.digit_from_pixels(np.repeat(white[..., None], 3, axis=2))
    transparent = np.zeros((224, 224), bool)
    transparent[:12, :] = transparent[100:140, 180:215] = True
    rgb = np.repeat(np.where(transparent, 0, white)[..., None], 3, axis=2)
    patched = digit_photo.digit_from_pixels(rgb, np.where(transparent, 0.0, 1.0))
    assert patched.box == on_white.box and np.array_equal(patched.image, on_white.image)


def test_specks_are_dropped(mnist_arrays):
    original = mnist_arrays["x_test"][4].astype(np.float32)
    sheet = np.full((300, 400), 240.0)
    sheet[38:262, 88:312] = 240 - np.kron(original, np.ones((8, 8))) * 0.9
    for row, column in [(5, 5), (290, 390), (10, 380), (150, 20)]:  # dust on the paper
        sheet[row:row + 6, column:column + 6] = 30
    reading = digit_from_pixels(rgb(sheet))
    assert reading.dropped[6:10, 6:10].all() and reading.dropped[291:295, 391:395].all()
    top, bottom, left, right = reading.box
    assert top >= 38 and bottom < 262 and left >= 88 and right < 312
    assert reading.ink[5:11, 5:11].max() == 0
    assert correlation(reading.image, original) > 0.95


def on_a_table(photo, side, rng):
    """The photo with its paper ending at a slanted edge, a dark brown table beyond it."""
    photo = np.asarray(photo, dtype=np.float32).copy()
    height, width = photo.shape[:2]
    rows, columns = np.mgrid[0:height, 0:width]
    table = columns < 40 + 0.15 * rows if side == "left" else rows > height - 35 + 0.05 * columns
    photo[table] = np.array([90, 60, 40]) + rng.normal(0, 6, (table.sum(), 3))
    return np.clip(photo, 0, 255), table


@pytest.mark.parametrize("side", ["left", "bottom"])
@pytest.mark.parametrize("index", [0, 1, 4])
def test_the_table_beside_the_paper_is_not_the_digit(side, index, mnist_arrays):
    coverage = photo_digits.digit_coverage(mnist_arrays["x_test"][index], 200)
    rng = np.random.default_rng(index)
    photo = photo_digits.photograph(coverage, (20, 20, 20), (230, 230, 225), rng)
    with_table, table = on_a_table(photo, side, rng)
    reading = digit_from_pixels(with_table)
    top, bottom, left, right = reading.box
    assert not table[top:bottom + 1, left:right + 1].any()
    assert reading.dropped[table].mean() > 0.9  # shown as not the digit
    # The digit is read as it is from the same photo with no table in it.
    assert correlation(reading.image, digit_from_pixels(np.asarray(photo, np.float32)).image) > 0.95


def test_a_drawing_edge_to_edge_is_still_the_digit():
    canvas = np.zeros((28, 28))
    canvas[0:4, 2:27] = 255  # the bar of a 7 along the top edge...
    canvas[4:28, 20:24] = 255  # ...and its stem down to the bottom edge
    reading = digit_from_pixels(rgb(canvas))
    assert reading.box == (0, 27, 2, 26)


def test_a_digit_in_two_pieces_is_one_digit():
    canvas = np.zeros((100, 100))
    canvas[10:16, 30:70] = 255  # the bar of a 5, not touching...
    canvas[20:90, 30:38] = 255  # ...the rest of it
    canvas[50:56, 30:70] = 255
    canvas[50:90, 64:70] = 255
    reading = digit_from_pixels(rgb(canvas))
    assert reading.box == (10, 89, 30, 69)


# ---------------------------------------------------------------------------------------------
# Pictures that are not one digit


def test_a_blank_image_has_no_digit():
    with pytest.raises(ImageError, match=r"^blank.png: no digit found \(the image is blank\)$"):
        digit_from_pixels(rgb(np.full((30, 30), 255.0)), source="blank.png")


@pytest.mark.parametrize("seed", range(5))
def test_a_photo_of_blank_paper_has_no_digit(seed, tmp_path):
    # Uneven light, blur, sensor noise and JPEG, but no ink.
    rng = np.random.default_rng(seed)
    photo = photo_digits.photograph(np.zeros((10, 10)), (20, 20, 20), (200, 200, 195), rng)
    path = tmp_path / "paper.png"
    photo.save(path)
    with pytest.raises(ImageError, match="no digit found"):
        digit_photo.read_digit(path)


def test_paper_with_only_dust_on_it_has_no_digit():
    sheet = np.full((300, 400), 235.0)
    for row, column in [(40, 50), (200, 300), (120, 220)]:
        sheet[row:row + 4, column:column + 4] = 40
    with pytest.raises(ImageError, match=r"^dust.png: no digit found \(only specks, no larger "
                       r"mark\)$"):
        digit_from_pixels(rgb(sheet), source="dust.png")


@pytest.mark.parametrize("indices", [(0, 1), (2, 3, 4)])
def test_several_digits_side_by_side_are_refused(indices, mnist_arrays, tmp_path):
    coverage = np.concatenate([photo_digits.digit_coverage(mnist_arrays["x_test"][index], 120)
                               for index in indices], axis=1)
    photo = photo_digits.photograph(coverage, (20, 20, 20), (230, 230, 225),
                                    np.random.default_rng(0))
    path = tmp_path / "digits.png"
    photo.save(path)
    with pytest.raises(ImageError, match=rf"^{path}: {len(indices)} digits side by side; crop "
                       "the picture to one digit$"):
        digit_photo.read_digit(path)


def test_a_large_photo_is_shrunk_before_it_is_read(tmp_path, mnist_arrays):
    coverage = photo_digits.digit_coverage(mnist_arrays["x_test"][0], 1200)
    path = tmp_path / "large.jpg"
    photo_digits.photograph(coverage, (20, 20, 20), (230, 230, 225), np.random.default_rng(1),
                            size=(2000, 1500)).save(path)
    reading = digit_photo.read_digit(path)
    assert reading.photo.shape == (192, 256, 3)
    assert correlation(reading.image, mnist_arrays["x_test"][0].astype(np.float32)) > 0.8


def test_a_phone_photo_is_turned_upright_as_its_exif_says(mnist_arrays, tmp_path):
    original = mnist_arrays["x_test"][0]
    upright = Image.fromarray(255 - original).resize((224, 224))
    # The sensor's view, turned a quarter; EXIF orientation 6: turn 90 degrees clockwise to show.
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    upright.transpose(Image.Transpose.ROTATE_90).save(path, exif=exif)
    image = digit_photo.read_digit(path).image
    assert correlation(image, original.astype(np.float32)) > 0.9


# ---------------------------------------------------------------------------------------------
# The command line: what was done, said


def save_animation(path, mnist_arrays):
    frames = [Image.fromarray(255 - mnist_arrays["x_test"][index]).resize((112, 112))
              for index in (0, 1, 2)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=200)
    return path


@pytest.mark.trains
def test_an_animated_file_says_which_frame_was_read(tiny_checkpoint, mnist_arrays, tmp_path):
    path = save_animation(tmp_path / "digits.gif", mnist_arrays)
    result = run_main(predict_digit.main, "--checkpoint", tiny_checkpoint, path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"predict_digit.py: {path} is animated (3 frames); the first frame was read"]
    first = digit_photo.read_digit(path).image
    assert correlation(first, mnist_arrays["x_test"][0].astype(np.float32)) > 0.9


@pytest.mark.trains
def test_show_preprocessing_draws_the_picture_the_ink_and_the_28x28_image(tiny_checkpoint,
                                                                           mnist_arrays,
                                                                           tmp_path):
    picture = tmp_path / "photo.jpg"
    photo_digits.photograph(photo_digits.digit_coverage(mnist_arrays["x_test"][0], 200),
                            (30, 50, 160), (190, 192, 195), np.random.default_rng(2)).save(picture)
    steps = tmp_path / "steps.png"
    result = run_main(predict_digit.main, "--checkpoint", tiny_checkpoint, picture,
                      "--show-preprocessing", steps)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"Preprocessing written to {steps}"
    with Image.open(steps) as image:
        assert image.format == "PNG" and image.width > 2.2 * image.height
        pixels = np.asarray(image.convert("RGB"), dtype=np.int32)
    # The third panel, the 28x28 image, is gray; the first is the bluish photo.
    first, third = pixels[:, : pixels.shape[1] // 3], pixels[:, 2 * pixels.shape[1] // 3:]
    assert (first[..., 2] - first[..., 0]).max() > 60
    assert np.abs(third[..., 0] - third[..., 2]).mean() < 3


@pytest.mark.parametrize("args, complaint", [
    (["--test-index", "0", "--show-preprocessing", "steps.png"],
     "--show-preprocessing shows how IMAGE is read; the test set's images are read as they are"),
    (["digit.png", "--show-preprocessing", "steps.jpg"],
     "argument --show-preprocessing: 'steps.jpg' does not end in .png"),
])
def test_show_preprocessing_usage_errors(args, complaint, tiny_checkpoint, tmp_path):
    result = run_script("predict_digit.py", "--checkpoint", tiny_checkpoint, *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"predict_digit.py: error: {complaint}"


@pytest.mark.parametrize("make, complaint", [
    (lambda path: Image.new("RGB", (300, 200), (200, 200, 195)).save(path),
     "no digit found (the image is blank)"),
    (lambda path: Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(path),
     "no digit found (the image is blank)"),
], ids=["grey paper", "all transparent"])
def test_a_picture_with_no_ink_is_one_clear_line(make, complaint, tiny_checkpoint, tmp_path):
    path = tmp_path / "nothing.png"
    make(path)
    result = run_script("predict_digit.py", "--checkpoint", tiny_checkpoint, path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"predict_digit.py: error: {path}: {complaint}"]


# ---------------------------------------------------------------------------------------------
# Photo-like pictures of test digits, read by the article's model


@pytest.fixture(scope="module")
def photo_results(article_checkpoint, mnist_arrays, tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    return photo_digits.measure(checkpoints.load(article_checkpoint), mnist_arrays, folder)


def test_photos_are_read_within_5_points_of_the_same_clean_digits(photo_results):
    assert len(photo_results.labels) >= 100
    clean, photos = photo_results.clean_accuracy, photo_results.photo_accuracy
    assert clean > 0.9  # the article's model, trained for the test
    assert photos >= clean - 0.05, f"photos {photos:.3f}, clean {clean:.3f}"


def test_the_issues_printed_red_on_blue_and_transparent_cases_are_read_right(photo_results):
    wrong = [f"{case.description} read as {read}"
             for case, read in zip(photo_results.cases, photo_results.case_predictions)
             if read != case.label]
    assert len(photo_results.cases) == 12 and wrong == []


@pytest.mark.parametrize("top", [1.0, 255.0, 65535.0], ids=["0..1", "0..255", "0..65535"])
def test_a_floating_point_tiff_is_read_from_its_range(top, mnist_arrays, tmp_path):
    """Issue 33: a mode F TIFF of values 0..1 was "blank", one of 0..65535 read a 7 as 1."""
    paper = 255 - np.kron(mnist_arrays["x_test"][0], np.ones((5, 5), np.uint8))
    eight = tmp_path / "eight.png"
    Image.fromarray(paper).save(eight)
    floating = tmp_path / "float.tif"
    Image.fromarray((paper.astype(np.float32) * np.float32(top / 255)), "F").save(floating)
    assert Image.open(floating).mode == "F"
    expected = digit_photo.read_digit(eight).image
    assert np.abs(digit_photo.read_digit(floating).image - expected).max() <= 1


def test_a_floating_point_picture_with_values_that_are_not_numbers_is_one_line(tmp_path):
    path = tmp_path / "nan.tif"
    Image.fromarray(np.full((40, 40), np.nan, np.float32), "F").save(path)
    with pytest.raises(ImageError) as refused:
        digit_photo.read_digit(path)
    assert str(refused.value) == (f"{path}: cannot be read (its pixels are floating-point "
                                  "values, and some are not numbers)")


@pytest.mark.parametrize("bits", [16, 12])
def test_a_16_bit_png_is_read_from_its_depth_not_clipped_at_255(bits, mnist_arrays, tmp_path):
    """Pillow's convert() clips a 16-bit PNG's values at 255: full range, every pixel would be
    paper (blank); 12-bit values in a 16-bit file would lose the strokes' shades."""
    paper = 255 - np.kron(mnist_arrays["x_test"][0], np.ones((5, 5), np.uint8))
    eight = tmp_path / "eight.png"
    Image.fromarray(paper).save(eight)
    deep = tmp_path / f"{bits}.png"
    Image.fromarray((paper.astype(np.uint32) * (2**bits - 1) // 255).astype(np.uint16)).save(deep)
    assert Image.open(deep).mode == "I;16"
    expected = digit_photo.read_digit(eight).image
    assert np.abs(digit_photo.read_digit(deep).image - expected).max() <= 1


def test_an_animated_file_whose_first_frame_is_blank_says_only_it_was_read(mnist_arrays,
                                                                           tmp_path):
    digit = Image.fromarray(255 - np.kron(mnist_arrays["x_test"][0], np.ones((4, 4), np.uint8)))
    path = tmp_path / "animated.gif"
    Image.new("L", digit.size, 255).save(path, save_all=True, append_images=[digit])
    with pytest.raises(ImageError) as error:
        digit_photo.read_digit(path)
    assert str(error.value) == (f"{path}: no digit found (the image is blank), in the first of "
                                "its 2 frames: only that one is read")


# ---------------------------------------------------------------------------------------------
# The steps one by one, each against a plain, slow way of doing the same.

def brute_box_blur(values, radius):
    height, width = values.shape[:2]
    return np.array([[values[max(row - radius, 0):row + radius + 1,
                             max(column - radius, 0):column + radius + 1].mean(axis=(0, 1))
                      for column in range(width)] for row in range(height)])


@pytest.mark.parametrize("shape, radius", [((7, 9), 1), ((6, 5), 2), ((4, 11, 3), 3), ((3, 3), 5)])
def test_box_blur_is_the_mean_of_the_square_inside_the_image(shape, radius):
    values = np.random.default_rng(sum(shape)).uniform(0, 255, shape)
    assert np.allclose(digit_photo.box_blur(values, radius), brute_box_blur(values, radius))
    three = brute_box_blur(brute_box_blur(brute_box_blur(values, radius), radius), radius)
    assert np.allclose(digit_photo.smooth(values, radius), three)


def test_grow_adds_the_eight_neighbours():
    mask = np.random.default_rng(3).random((9, 12)) > 0.9
    padded = np.pad(mask, 1)
    expected = np.zeros_like(mask)
    for row_shift in (-1, 0, 1):
        for column_shift in (-1, 0, 1):
            expected |= padded[1 + row_shift:10 + row_shift, 1 + column_shift:13 + column_shift]
    assert np.array_equal(digit_photo.grow(mask), expected)
    assert not digit_photo.grow(np.zeros((3, 3), bool)).any()


def brute_blobs(mask):
    """8-connected blobs by flood fill: the set of pixels of each."""
    seen, found = np.zeros_like(mask), []
    for start in zip(*np.nonzero(mask)):
        if seen[start]:
            continue
        blob, todo = set(), [start]
        seen[start] = True
        while todo:
            row, column = todo.pop()
            blob.add((row, column))
            for near in ((row + dr, column + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)):
                if (0 <= near[0] < mask.shape[0] and 0 <= near[1] < mask.shape[1]
                        and mask[near] and not seen[near]):
                    seen[near] = True
                    todo.append(near)
        found.append(frozenset(blob))
    return set(found)


@pytest.mark.parametrize("seed, density", [(0, 0.3), (1, 0.45), (2, 0.55), (3, 0.1)])
def test_blobs_are_the_8_connected_parts_labelled_1_to_n(seed, density):
    mask = np.random.default_rng(seed).random((23, 31)) < density
    labels, count = digit_photo.blobs(mask)
    expected = brute_blobs(mask)
    assert count == len(expected)
    assert set(np.unique(labels)) == set(range(count + 1)) and (labels[~mask] == 0).all()
    assert {frozenset(zip(*np.nonzero(labels == label))) for label in range(1, count + 1)} == \
        expected


def test_blobs_join_a_u_shape_and_runs_touching_only_at_a_corner():
    u_shape = np.array([[1, 0, 0, 1, 0, 1],
                        [1, 0, 0, 1, 0, 1],
                        [1, 1, 1, 1, 0, 1],
                        [0, 0, 0, 0, 1, 0]], dtype=bool)  # the right column's foot: a corner
    labels, count = digit_photo.blobs(u_shape)
    assert count == 1 and (labels[u_shape] == 1).all()
    assert digit_photo.blobs(np.zeros((3, 4), bool))[1] == 0


def brute_otsu_classes(values):
    """Otsu's split tried at every gap between the sorted values: the values of the low class."""
    best, low_class = -1, None
    ordered = np.unique(values)
    for cut in ordered[:-1]:
        low, high = values[values <= cut], values[values > cut]
        between = len(low) * len(high) * (low.mean() - high.mean()) ** 2
        if between > best:
            best, low_class = between, set(low.tolist())
    return low_class


@pytest.mark.parametrize("values", [
    [10.0] * 50 + [200.0] * 50,
    [0.0] * 50 + [60.0] * 10 + [100.0] * 40,
    [5.0] * 10 + [120.0] * 70 + [250.0] * 20,
    list(np.random.default_rng(4).choice([12.0, 40.0, 90.0, 180.0], 500, p=[.5, .1, .1, .3])),
])
def test_otsus_threshold_splits_where_the_classes_differ_most(values):
    values = np.array(values)
    threshold = digit_photo.otsu_threshold(values)
    assert set(values[values < threshold].tolist()) == brute_otsu_classes(values)


def test_the_paper_is_a_smooth_surface_fitted_beside_the_ink():
    rows, columns = np.mgrid[0:60, 0:80]
    y, x = rows / 59 * 2 - 1, columns / 79 * 2 - 1
    surface = np.stack([200 + 30 * x - 20 * y ** 2 + 5 * x * y, 190 - 10 * x ** 3,
                        180 + 15 * y ** 3 - 8 * x ** 2 * y], axis=-1)
    rgb = surface.copy()
    paper = np.ones((60, 80), bool)
    paper[20:40, 30:50] = False
    rgb[~paper] = 0  # the ink, left out of the fit
    assert np.allclose(digit_photo.paper_colour(rgb, paper), surface, atol=1e-6)
    # Too little paper for a surface: its mean colour; no paper at all: the picture's mean.
    few = np.zeros((60, 80), bool)
    few[0, :5] = True
    assert np.allclose(digit_photo.paper_colour(rgb, few), rgb[0, :5].mean(axis=0))
    assert np.allclose(digit_photo.paper_colour(rgb, np.zeros((60, 80), bool)),
                       rgb.reshape(-1, 3).mean(axis=0))


def test_a_digit_of_any_shape_is_centred_by_its_mass_at_14_14():
    digit = np.zeros((20, 11))
    digit[2:6, 1:10] = 255  # a top-heavy 7
    digit[6:20, 7:9] = 255
    frame = digit_photo.centre_by_mass(digit, 28)
    assert frame.shape == (28, 28) and frame.dtype == np.float32
    assert frame.sum() == digit.sum()  # nothing cut off
    rows, columns = np.indices(frame.shape)
    centre = ((rows * frame).sum() / frame.sum(), (columns * frame).sum() / frame.sum())
    assert abs(centre[0] - 14) <= 0.5 and abs(centre[1] - 14) <= 0.5
    point = digit_photo.centre_by_mass(np.ones((1, 1)), 28)
    assert point[14, 14] == 1 and point.sum() == 1


def test_a_full_frame_stays_where_it_is():
    assert np.array_equal(digit_photo.centre_by_mass(np.ones((28, 28)), 28), np.ones((28, 28)))


def test_a_digit_heavy_at_its_far_corner_is_cut_at_the_frames_top_left():
    digit = np.zeros((20, 20))
    digit[19, 19] = 1000  # its centre of mass near (19, 19): placed 5 rows and columns up
    digit[0, 0] = 1
    frame = digit_photo.centre_by_mass(digit, 28)
    assert frame[14, 14] == 1000 and frame.sum() == 1000


def test_a_lopsided_digit_is_cut_at_the_frame_not_wrapped():
    digit = np.zeros((20, 20))
    digit[0, 0] = 1000  # all the mass in a corner: the rest falls outside the frame
    digit[19, 19] = 1
    frame = digit_photo.centre_by_mass(digit, 28)
    assert frame[14, 14] == 1000 and frame.sum() == 1000


@pytest.mark.parametrize("shape, fitted", [((40, 10), (20, 5)), ((10, 40), (5, 20)),
                                           ((3, 3), (20, 20)), ((200, 1), (20, 1)),
                                           ((1, 200), (1, 20))])
def test_fit_into_box_scales_the_longer_side_to_20(shape, fitted):
    box = digit_photo.fit_into_box(np.full(shape, 255.0), 20)
    assert box.shape == fitted
    assert box.min() >= 0 and box.max() <= 255 and np.isclose(box.mean(), 255, atol=1)


@pytest.mark.parametrize("top, values, expected", [
    (65535, [0, 65535, 32768], [0, 255, 128]),  # 16 bits
    (4095, [0, 4095, 2048], [0, 255, 128]),  # a 12-bit camera's values in a 16-bit file
    (200, [0, 200, 100], [0, 200, 100]),  # at least 8 bits: not stretched
    (256, [0, 256, 128], [0, 128, 64]),  # 256 needs 9 bits
])
def test_more_than_8_bits_are_scaled_from_their_depth(top, values, expected):
    from PIL import Image

    image = Image.fromarray(np.array([values], dtype=np.uint16).astype(np.int32), "I")
    eight = digit_photo.eight_bits(image)
    assert eight.mode == "L" and np.asarray(eight).tolist() == [expected]
    rgb = Image.new("RGB", (2, 2))
    assert digit_photo.eight_bits(rgb) is rgb


def test_read_picture_gives_rgb_alpha_only_where_some_is_transparent_and_frames(tmp_path):
    from PIL import Image

    opaque = np.zeros((30, 40, 4), np.uint8)
    opaque[..., 3] = 255
    opaque[5, 5, :3] = (10, 20, 30)
    Image.fromarray(opaque, "RGBA").save(tmp_path / "opaque.png")
    rgb, alpha, frames = digit_photo.read_picture(tmp_path / "opaque.png")
    assert rgb.shape == (30, 40, 3) and rgb.dtype == np.float32 and alpha is None and frames == 1
    assert rgb[5, 5].tolist() == [10, 20, 30]
    opaque[0, 0, 3] = 0
    Image.fromarray(opaque, "RGBA").save(tmp_path / "holed.png")
    _, alpha, _ = digit_photo.read_picture(tmp_path / "holed.png")
    assert alpha.shape == (30, 40) and alpha[0, 0] == 0 and alpha[1, 1] == 1
    # A large picture is shrunk by averaging blocks (Pillow's BOX): a sharp edge stays sharp.
    edge = np.zeros((512, 1024), np.uint8)
    edge[:, 512:] = 255
    Image.fromarray(edge).save(tmp_path / "large.png")
    shrunk = digit_photo.read_picture(tmp_path / "large.png")[0]
    assert shrunk.shape == (128, 256, 3)
    assert shrunk[0, :, 0].tolist() == [0.0] * 128 + [255.0] * 128
    Image.new("L", (20, 20), 255).save(tmp_path / "still.jpg")  # no n_frames, as JPEGs
    assert digit_photo.read_picture(tmp_path / "still.jpg")[2] == 1


def cut_short_png(path):
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (50, 50), np.uint8)).save(path)
    path.write_bytes(path.read_bytes()[:200])


@pytest.mark.parametrize("make, complaint", [
    (lambda path: None, "no such file"),
    (lambda path: path.write_bytes(b"not a picture"), "not an image that Pillow can read"),
    (lambda path: cut_short_png(path), "cannot be read (image file is truncated)"),
])
def test_a_file_that_is_no_picture_is_named(make, complaint, tmp_path):
    path = tmp_path / "digit.png"
    make(path)
    with pytest.raises(digit_photo.ImageError) as refused:
        digit_photo.read_picture(path)
    assert str(refused.value).startswith(f"{path}: {complaint}")


def ink_mask(*boxes, shape=(60, 60)):
    mask = np.zeros(shape, bool)
    for top, bottom, left, right in boxes:
        mask[top:bottom, left:right] = True
    return mask


def test_find_digit_keeps_the_digit_and_drops_specks_and_the_table():
    digit = (10, 50, 20, 26)  # a 1: 40 x 6 = 240 pixels
    speck = (5, 7, 40, 42)  # 4 pixels, under 1/20 of the digit
    near = (30, 35, 40, 45)  # 25 pixels: more than 1/20, kept
    table = (0, 60, 0, 3)  # along the left edge, the whole height
    kept, dropped = digit_photo.find_digit(ink_mask(digit, speck, near, table), "photo")
    assert np.array_equal(kept, ink_mask(digit, near))
    assert np.array_equal(dropped, ink_mask(speck, table))


def test_a_drawing_that_touches_the_edge_everywhere_is_still_the_digit():
    ring = ink_mask((0, 60, 0, 60)) & ~ink_mask((3, 57, 3, 57))
    kept, dropped = digit_photo.find_digit(ring, "drawing")
    assert np.array_equal(kept, ring) and not dropped.any()


@pytest.mark.parametrize("mask, complaint", [
    (ink_mask(), "no digit found (the image is blank)"),
    (ink_mask((10, 11, 10, 11), (40, 41, 30, 31), shape=(100, 100)),
     "no digit found (only specks, no larger mark)"),
    (ink_mask((10, 50, 10, 16), (12, 48, 40, 46)), "2 digits side by side; crop the picture to "
                                                   "one digit"),
])
def test_find_digit_says_why_there_is_no_one_digit(mask, complaint):
    with pytest.raises(digit_photo.ImageError) as refused:
        digit_photo.find_digit(mask, "photo")
    assert str(refused.value) == f"photo: {complaint}"


@pytest.mark.parametrize("boxes", [
    [(10, 50, 10, 16), (12, 28, 30, 36)],  # a short mark beside: under half the height
    [(10, 14, 10, 40), (16, 50, 10, 16), (30, 50, 30, 36)],  # a 5's bar over both columns
])
def test_one_digit_in_pieces_is_one_digit(boxes):
    mask = ink_mask(*boxes)
    kept, _ = digit_photo.find_digit(mask, "photo")
    assert np.array_equal(kept, mask)


def test_an_animated_file_is_read_from_its_first_frame_and_says_how_many_it_has(mnist_arrays,
                                                                                tmp_path):
    path = save_animation(tmp_path / "digits.gif", mnist_arrays)
    reading = digit_photo.read_digit(path)
    assert reading.frames == 3
    first = digit_photo.read_digit(on_a_file(tmp_path, 255 - mnist_arrays["x_test"][0]))
    assert np.array_equal(reading.image, first.image) or correlation(reading.image,
                                                                     first.image) > 0.99


def on_a_file(folder, pixels):
    path = folder / "first.png"
    Image.fromarray(pixels).resize((112, 112)).save(path)
    return path


def test_ink_strength_is_full_on_the_stroke_graded_on_its_edge_and_zero_elsewhere():
    contrast = np.full((20, 20), 10.0)  # the paper, 10 from its own colour
    contrast[7:13, 4:16] = 60.0  # the stroke's grey edge
    contrast[8:12, 5:15] = 110.0  # the stroke
    contrast[1, 18] = 60.0  # as grey, but apart from the digit
    contrast[9, 6] = 150.0  # stronger than the stroke's 75th percentile: full, not more
    contrast[0, 5] = 0.0  # closer to the paper's colour than the paper's median: none
    stroke = contrast >= 110.0
    edge = contrast == 60.0
    edge[1, 18] = False
    strength, joined = digit_photo.ink_strength(contrast, 50.0, stroke)
    # (contrast - the paper's 10) / (the stroke's 110 - 10), from 0 to 1
    assert np.array_equal(strength[stroke], np.ones(stroke.sum()))
    assert np.allclose(strength[edge], 0.5)
    assert np.array_equal(joined, stroke | edge)
    assert strength[1, 18] == 0 and (strength[~joined] == 0).all()
    assert strength[9, 6] == 1 and strength[0, 5] == 0


def test_half_strength_ink_is_half_of_255():
    image = digit_photo.mnist_like(np.full((20, 20), 0.5))
    assert image.max() == 127.5 and image.sum() == 127.5 * 400


def test_lanczos_ringing_is_clipped_to_0_and_255():
    from PIL import Image

    step = np.zeros((40, 40), np.float32)
    step[:, 20:] = 255
    raw = np.asarray(Image.fromarray(step).resize((20, 20), Image.Resampling.LANCZOS))
    assert raw.min() < 0 and raw.max() > 255  # what the clip is for
    fitted = digit_photo.fit_into_box(step, 20)
    assert fitted.min() == 0 and fitted.max() == 255


@pytest.mark.parametrize("line", [(0, 1, 0, 60), (59, 60, 0, 60), (0, 60, 0, 1), (0, 60, 59, 60)],
                         ids=["top", "bottom", "left", "right"])
def test_a_line_along_any_edge_of_the_picture_is_beyond_the_paper(line):
    digit = (10, 50, 20, 26)
    kept, dropped = digit_photo.find_digit(ink_mask(digit, line), "photo")
    assert np.array_equal(kept, ink_mask(digit)) and np.array_equal(dropped, ink_mask(line))


def test_a_blob_of_exactly_a_twentieth_of_the_digit_is_kept():
    digit, blob = (10, 50, 20, 26), (30, 33, 40, 44)  # 240 pixels and 12
    kept, _ = digit_photo.find_digit(ink_mask(digit, blob), "photo")
    assert np.array_equal(kept, ink_mask(digit, blob))


def test_a_mark_of_a_fiftieth_of_the_picture_is_a_digit_and_a_smaller_one_is_not():
    kept, _ = digit_photo.find_digit(ink_mask((50, 52, 50, 51), shape=(100, 100)), "photo")
    assert kept.sum() == 2  # 2 pixels long: 1/50 of 100
    with pytest.raises(digit_photo.ImageError, match="only specks"):
        digit_photo.find_digit(ink_mask((50, 51, 50, 51), shape=(100, 100)), "photo")


@pytest.mark.parametrize("beside, digits", [((10, 30, 40, 46), 2), ((10, 29, 40, 46), 1)],
                         ids=["half as tall", "shorter"])
def test_a_mark_beside_the_digit_is_a_second_digit_from_half_its_height(beside, digits):
    mask = ink_mask((10, 50, 10, 16), beside)  # 40 rows tall; beside it 20 or 19
    if digits == 1:
        assert np.array_equal(digit_photo.find_digit(mask, "photo")[0], mask)
        return
    with pytest.raises(digit_photo.ImageError, match="2 digits side by side"):
        digit_photo.find_digit(mask, "photo")
