"""What the project's command lines share: flag types that make a bad value a usage error naming
the flag, errors that end a script in one line on stderr, with no traceback, output that never
fails on the console's code page, and command lines quoted for the user's own shell."""

import argparse
import errno
import math
import os
import re
import shlex
import sys
from pathlib import Path

try:
    import msvcrt  # noqa: F401  (Windows alone has it; its shells are PowerShell and cmd)
    WINDOWS_SHELLS = True
except ImportError:
    WINDOWS_SHELLS = False


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
        raise argparse.ArgumentTypeError(f"{text} is infinite in float32 "
                                         f"(at most {FLOAT32_MAX:.3g})")
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


def full_flag_names(parser, argv):
    """argv with each flag that the user abbreviated (--overw) written out (--overwrite), as
    argparse read it: the words that a printed command line gives back to the same script."""
    words, flags = [], parser._option_string_actions
    for position, word in enumerate(argv):
        if word == "--":
            return words + list(argv[position:])
        name, equals, value = word.partition("=")
        if word.startswith("--") and name not in flags:
            matches = [flag for flag in flags if flag.startswith(name)]
            if len(matches) == 1:
                word = matches[0] + equals + value
        words.append(word)
    return words


def one_line(error):
    """The first line of an exception's message: TensorFlow's go on for pages."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


# What a failed write can report. TensorFlow puts the system's words deep in a long message
# ("Graph execution error: ... model.data-00000-of-00001.tempstate...; No space left on device").
WRITE_FAILURES = [os.strerror(number) for number in (
    errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EROFS, errno.EACCES, errno.EPERM,
    errno.EIO, errno.EFBIG, errno.ENOENT, errno.ENAMETOOLONG)]


def system_reason(error):
    """Why a write failed, in the system's words where they can be found, else one_line()."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    message = str(error)
    found = [reason for reason in WRITE_FAILURES if reason in message]
    return found[0] if found else one_line(error)


def printable(value):
    """str(value) with what a terminal would act on (escape codes, other control characters)
    written as Python escapes, for text read from a file: Japanese and the like stay as they
    are."""
    return "".join(character if character.isprintable() else
                   character.encode("unicode_escape").decode("ascii")
                   for character in str(value))


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


def keep_output_printable():
    """Print what the console's code page cannot show as escapes (\\u30c6) instead of failing.

    Under Windows' cp1252, a redirected stdout cannot encode the article's Japanese title in
    --help, nor a user's Japanese folder name in a message: print() would raise
    UnicodeEncodeError. Where the encoding is UTF-8 (Linux, macOS) nothing printed changes.
    """
    keep_stderr_optional()
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def keep_stderr_optional():
    """Let a script whose stdout works run and print its results where stderr cannot be
    written: closed (`2>&-`, as some launchers leave it) or on a full disk (`2>/dev/full`).
    What cannot be said there is lost, not fatal.

    A closed descriptor 2 is given the null device, so that no file the script opens takes it
    (TensorFlow's C++ writes its notices to descriptor 2), and Python's sys.stderr, None then,
    is made again: print(file=None) would have put the messages into the log on stdout."""
    try:
        os.fstat(2)
    except OSError:
        null = os.open(os.devnull, os.O_WRONLY)
        if null != 2:
            os.dup2(null, 2)
            os.close(null)
        sys.stderr = None
    if sys.stderr is None:
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
    if not isinstance(sys.stderr, GuardedOutput):
        sys.stderr = GuardedOutput(sys.stderr)


class GuardedOutput:
    """sys.stdout or sys.stderr, whose failed writes (a closed pipe, a full disk, a terminal
    gone) do not raise: the first is noted in `stop` for stdout, and the stream is sent to the
    null device from then on, so that nothing, not even Python's last flush, fails again."""

    def __init__(self, stream, stop=None):
        self.stream, self.stop = stream, stop

    def write(self, text):
        return self._guarded(self.stream.write, text) or len(text)

    def flush(self):
        self._guarded(self.stream.flush)

    def _guarded(self, method, *args):
        try:
            return method(*args)
        except OSError as error:
            if self.stop is not None and self.stop.output_error is None:
                self.stop.output_error = error
            try:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, self.stream.fileno())
                os.close(null)
            except (OSError, ValueError):  # a stream with no descriptor (a test's StringIO)
                self.stream = open(os.devnull, "w")
            return None

    def __getattr__(self, name):
        return getattr(self.stream, name)


# A word that PowerShell and cmd both pass on as it is: no spaces, quotes, $, %, &, |, ;, ...
PLAIN_WINDOWS_WORD = re.compile(r"[\w\-.:\\/=+]+")


def shell_command(words):
    """A command line that the user's shell runs as these words: sh on Linux and macOS; on
    Windows one that runs in both PowerShell and cmd when every word is plain, and otherwise
    in PowerShell, the Windows 10 and 11 default, with its literal single quotes."""
    if not WINDOWS_SHELLS:
        return shlex.join(words)
    quoted = [word if PLAIN_WINDOWS_WORD.fullmatch(word) else "'" + word.replace("'", "''") + "'"
              for word in words]
    if quoted == words:
        return " ".join(words)
    return "& " + " ".join(quoted)  # & runs a quoted program name


# The training flags' checks, shared by train_rnn_mnist.py and train_rnn_mnist_keras.py.
# The kernel is (28 + units) x (4 * units) floats, and Adam keeps two more of it: 4096 units take
# 0.8 GB; --num-hidden 100000 would need 480 GB and fail after minutes, so it is refused at once.
MAX_NUM_HIDDEN = 4096


def check_steps(parser, args):
    """The article's loop runs while step * batch size < training iters: flags that would train
    no step are refused."""
    if args.training_iters <= args.batch_size:
        parser.error(f"--training-iters {args.training_iters} trains no step: the loop runs while "
                     f"step * batch size < training iters, so it must exceed --batch-size "
                     f"{args.batch_size}")


def check_data_fits(prog, mnist, args):
    """A batch, and the article's test, must fit in the data: refused before TensorFlow loads."""
    if mnist.train.num_examples < args.batch_size:
        fail(prog, f"--batch-size {args.batch_size} is more than the "
             f"{mnist.train.num_examples} training images")
    if mnist.test.num_examples < args.test_len:
        fail(prog, f"--test-len {args.test_len} is more than the {mnist.test.num_examples} "
             "test images")
