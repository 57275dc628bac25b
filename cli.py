"""What the project's command lines share: flag types that make a bad value a usage error naming
the flag, and errors that end a script in one line on stderr, with no traceback."""

import argparse
import math
import sys
from pathlib import Path


def whole_number(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def positive_int(text):
    value = whole_number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {value}")
    return value


def non_negative_int(text):
    value = whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


FLOAT32_MAX = 3.4028234663852886e38  # TensorFlow computes in float32: a larger value is infinite
FLOAT32_TINY = 1.4e-45  # and a smaller one rounds to 0


def positive_float32(text):
    value = positive_float(text)
    if value > FLOAT32_MAX:
        raise argparse.ArgumentTypeError(f"{text} is infinite in float32 (at most {FLOAT32_MAX:.3g})")
    if value < FLOAT32_TINY:
        raise argparse.ArgumentTypeError(f"{text} is 0 in float32 (at least {FLOAT32_TINY:.2g})")
    return value


def int_up_to(largest):
    """A flag type: a positive whole number, at most `largest`."""
    def checked(text):
        value = positive_int(text)
        if value > largest:
            raise argparse.ArgumentTypeError(f"must be at most {largest}, not {value}")
        return value
    return checked


def output_path(suffix):
    """A flag type: a file to write, ending in `suffix`, in a folder that exists."""
    def checked(text):
        path = Path(text)
        if path.suffix.lower() != suffix:
            raise argparse.ArgumentTypeError(f"{text!r} does not end in {suffix}")
        if not path.parent.is_dir():
            raise argparse.ArgumentTypeError(f"folder {str(path.parent)!r} does not exist")
        return path
    return checked


png_path = output_path(".png")
gif_path = output_path(".gif")


def one_line(error):
    """The first line of an exception's message: TensorFlow's go on for pages."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def fail(prog, message):
    print(f"{prog}: error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def seed_value(text):
    value = whole_number(text)
    # NumPy's legacy generator, which the old loader's shuffling used, takes 0 .. 2**32 - 1.
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and {2**32 - 1}, not {value}")
    return value


def data_source(text):
    """--data: an .npz file, or "keras" for tf.keras.datasets.mnist.load_data()."""
    return "keras" if text == "keras" else Path(text)
