"""digit_photo.py: a picture of one digit, a phone photo included, made into the 28x28 image the
model reads; predict_digit.py --show-preprocessing; and the accuracy on photo-like pictures."""

import numpy as np
import pytest
from PIL import Image

import checkpoints
import digit_photo
import photo_digits
from conftest import run_script
from digit_photo import ImageError, digit_from_pixels
from photo_digits import on_paper


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


def test_a_picture_with_a_few_transparent_parts_is_read_on_white(mnist_arrays, tmp_path):
    original = mnist_arrays["x_test"][0]
    pixels = np.zeros((224, 224, 4), np.uint8)
    pixels[..., :3] = 255 - np.asarray(Image.fromarray(original).resize((224, 224)))[..., None]
    pixels[..., 3] = 255
    pixels[:12, :] = 0  # a transparent strip along the top, outside the drawing
    path = tmp_path / "drawing.png"
    Image.fromarray(pixels, mode="RGBA").save(path)
    assert correlation(digit_photo.read_digit(path).image, original.astype(np.float32)) > 0.9


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


def test_an_animated_file_says_which_frame_was_read(tiny_checkpoint, mnist_arrays, tmp_path):
    path = save_animation(tmp_path / "digits.gif", mnist_arrays)
    result = run_script("predict_digit.py", "--checkpoint", tiny_checkpoint, path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"predict_digit.py: {path} is animated (3 frames); the first frame was read"]
    first = digit_photo.read_digit(path).image
    assert correlation(first, mnist_arrays["x_test"][0].astype(np.float32)) > 0.9


def test_show_preprocessing_draws_the_picture_the_ink_and_the_28x28_image(tiny_checkpoint,
                                                                           mnist_arrays,
                                                                           tmp_path):
    picture = tmp_path / "photo.jpg"
    photo_digits.photograph(photo_digits.digit_coverage(mnist_arrays["x_test"][0], 200),
                            (30, 50, 160), (190, 192, 195), np.random.default_rng(2)).save(picture)
    steps = tmp_path / "steps.png"
    result = run_script("predict_digit.py", "--checkpoint", tiny_checkpoint, picture,
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
