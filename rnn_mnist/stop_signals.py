"""Stopping a run with Ctrl-C, SIGTERM or a closed terminal (SIGHUP; Ctrl-Break on Windows), or
when its log can no longer be written: between steps, never inside one.

    with held_stop_signals() as stop:    # before TensorFlow is imported
        ...
        if stop.requested():             # between steps: finish, save, exit stop.exit_status

Each system gets the way it can have, chosen once below by what its `signal` module offers:

- Linux: the signals are held (masked) in every thread, and looked for with sigtimedwait().
- macOS: held the same way; it has no sigtimedwait(), so sigpending() looks and sigwait()
  takes what is pending, which returns at once.
- Windows: there are no signal masks, and none are needed. Ctrl-C and Ctrl-Break run the
  console's handler on a thread of their own, and CPython only notes them there; the Python
  handler below runs in the main thread between bytecodes, never on a kernel's stack. SIGTERM
  there is TerminateProcess: no handler runs, so only --save-every's checkpoints keep the work.
"""

import errno
import signal
import sys
from contextlib import contextmanager

from rnn_mnist.cli import GuardedOutput, system_reason

# SIGBREAK exists on Windows alone: Ctrl-Break. SIGHUP, a closed terminal, everywhere else; under
# nohup it is ignored, and stays so.
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM} | ({signal.SIGBREAK}
                                                 if hasattr(signal, "SIGBREAK") else set())
if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) != signal.SIG_IGN:
    STOP_SIGNALS.add(signal.SIGHUP)
# The status a shell shows for a process that a broken pipe ends (`... | head -1`): 141.
BROKEN_PIPE_STATUS = 128 + getattr(signal, "SIGPIPE", 13)


def _taken_by_sigtimedwait():
    """A held stop signal taken off the queue, or None: a poll, never a wait (Linux)."""
    taken = signal.sigtimedwait(STOP_SIGNALS, 0)
    return None if taken is None else taken.si_signo


def _taken_by_sigwait():
    """The same with what macOS has: sigwait() takes a signal that sigpending() saw, at once."""
    pending = signal.sigpending() & STOP_SIGNALS
    return signal.sigwait(pending) if pending else None


if hasattr(signal, "sigtimedwait"):
    take_held_signal = _taken_by_sigtimedwait
elif hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigpending"):
    take_held_signal = _taken_by_sigwait
else:
    take_held_signal = None  # no signal masks (Windows): the handler alone notes a stop
HOLDS_SIGNALS = take_held_signal is not None


class StopRequest:
    """A stop signal, or a log that cannot be written, noted between training steps; the run
    stops after the step under way.

    See held_stop_signals() for why the signal is looked for rather than caught.
    """

    def __init__(self):
        self.signal_number = None
        self.output_error = None  # the OSError that writing the log (stdout) raised

    def __call__(self, signal_number, frame):
        # Python runs a handler in the main thread between bytecodes, never inside an op. Where
        # signals are held, it is called only for a signal that reached a thread started before
        # they were held (NumPy's BLAS threads; TensorFlow's own with --data keras): those run
        # no oneDNN kernel. Where they cannot be held (Windows), every stop comes this way.
        if self.signal_number is None:
            self.signal_number = signal_number

    def requested(self):
        """Whether a stop has come; the first check after a signal takes it off the queue."""
        if self.signal_number is None and HOLDS_SIGNALS:
            # A poll, never a wait: the signal may instead go to a thread that started before it
            # was held (NumPy's BLAS threads), and then reaches __call__ above, which Python may
            # run while the poll is under way: the poll's None must not overwrite what it noted
            # (it did, and one Ctrl-C in five was lost when the machine was busy).
            taken = take_held_signal()
            if self.signal_number is None:
                self.signal_number = taken
        return self.signal_number is not None or self.output_error is not None

    @property
    def exit_status(self):
        """As a shell reports the stop: 128 + the signal (130 for Ctrl-C, 143 for SIGTERM, 129
        for SIGHUP), 141 for a broken pipe, 1 for another failed write (a full disk)."""
        if self.signal_number is not None:
            return 128 + self.signal_number
        return BROKEN_PIPE_STATUS if self.output_error.errno == errno.EPIPE else 1

    @property
    def cause(self):
        """What stopped the run, for its last line: '' for a signal, which the user sent."""
        if self.signal_number is not None:
            return ""
        return f"the log (stdout) cannot be written ({system_reason(self.output_error)}); "


@contextmanager
def held_stop_signals():
    """Hold the stop signals back in every thread while TensorFlow works; yield a StopRequest.

    A signal is delivered on the stack of the thread it interrupts. oneDNN's JIT GEMM kernels
    point the stack pointer into the heap while they run (oneDNN issue #4845, fixed upstream
    after the oneDNN in TensorFlow 2.21), so a handler called in one writes its frame over heap
    memory: the process aborts ("corrupted size vs. prev_size") or trains on, and saves, NaN.
    Held back, a signal waits in the queue until StopRequest.requested() looks between steps,
    when no kernel runs. It is blocked before TensorFlow is imported because every thread that
    TensorFlow starts inherits the mask of the thread that starts it. Where there are no masks
    (Windows), no signal lands on a kernel's stack either (the module's docstring says why).

    stdout and stderr are guarded meanwhile (GuardedOutput): a log piped into `head` or written
    to a full disk stops the run like a signal, and a terminal that is gone ends no save.
    """
    stop = StopRequest()
    handlers = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS) if HOLDS_SIGNALS else None
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = GuardedOutput(sys.stdout, stop), GuardedOutput(sys.stderr)
    try:
        yield stop
    finally:
        sys.stdout, sys.stderr = streams
        # Once a stop is under way a second Ctrl-C changes nothing; any other signal still
        # queued is delivered as usual when the mask is restored (a KeyboardInterrupt).
        while HOLDS_SIGNALS and stop.signal_number is not None and take_held_signal():
            pass
        for number, handler in handlers.items():
            signal.signal(number, handler)
        if HOLDS_SIGNALS:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def exit_interrupted(prog, stop=None):
    """Stopped where there is nothing to save: before training, or during the test."""
    cause = "" if stop is None else stop.cause
    print(f"{prog}: {cause}interrupted", file=sys.stderr, flush=True)
    # As a shell reports it: 130 for SIGINT (a KeyboardInterrupt, when `stop` is None), 143 for
    # SIGTERM.
    sys.exit(128 + signal.SIGINT if stop is None else stop.exit_status)
