"""Stopping a run with Ctrl-C or SIGTERM (Ctrl-Break on Windows): between steps, never inside one.

    with held_stop_signals() as stop:    # before TensorFlow is imported
        ...
        if stop.requested():             # between steps: finish, save, exit 128 + signal

Each system gets the way it can have, chosen once below by what its `signal` module offers:

- Linux: the signals are held (masked) in every thread, and looked for with sigtimedwait().
- macOS: held the same way; it has no sigtimedwait(), so sigpending() looks and sigwait()
  takes what is pending, which returns at once.
- Windows: there are no signal masks, and none are needed. Ctrl-C and Ctrl-Break run the
  console's handler on a thread of their own, and CPython only notes them there; the Python
  handler below runs in the main thread between bytecodes, never on a kernel's stack. SIGTERM
  there is TerminateProcess: no handler runs, so only --save-every's checkpoints keep the work.
"""

import signal
import sys
from contextlib import contextmanager

# SIGBREAK exists on Windows alone: Ctrl-Break.
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM} | ({signal.SIGBREAK}
                                                 if hasattr(signal, "SIGBREAK") else set())


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
    """A stop signal, noted between training steps; the run stops after the step under way.

    See held_stop_signals() for why the signal is looked for rather than caught.
    """

    def __init__(self):
        self.signal_number = None

    def __call__(self, signal_number, frame):
        # Python runs a handler in the main thread between bytecodes, never inside an op. Where
        # signals are held, it is called only for a signal that reached a thread started before
        # they were held (NumPy's BLAS threads; TensorFlow's own with --data keras): those run
        # no oneDNN kernel. Where they cannot be held (Windows), every stop comes this way.
        if self.signal_number is None:
            self.signal_number = signal_number

    def requested(self):
        """Whether a stop signal has come; the first check after it takes it off the queue."""
        if self.signal_number is None and HOLDS_SIGNALS:
            # A poll, never a wait: the signal may instead go to a thread that started before it
            # was held (NumPy's BLAS threads), and then reaches __call__ above.
            self.signal_number = take_held_signal()
        return self.signal_number is not None


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
    """
    stop = StopRequest()
    handlers = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS) if HOLDS_SIGNALS else None
    try:
        yield stop
    finally:
        # Once a stop is under way a second Ctrl-C changes nothing; any other signal still
        # queued is delivered as usual when the mask is restored (a KeyboardInterrupt).
        while HOLDS_SIGNALS and stop.signal_number is not None and take_held_signal():
            pass
        for number, handler in handlers.items():
            signal.signal(number, handler)
        if HOLDS_SIGNALS:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def exit_interrupted(prog, signal_number=signal.SIGINT):
    """Stopped where there is nothing to save: before training, or during the test."""
    print(f"{prog}: interrupted", file=sys.stderr, flush=True)
    sys.exit(128 + signal_number)  # as a shell reports it: 130 for SIGINT, 143 for SIGTERM
