"""The wall time of each phase of a run, for the timing line on stderr (log_lines.format_timing)."""

import time


class PhaseClock:
    """Laps: each lap's time goes to the phase named when it ends; a phase named twice adds up."""

    def __init__(self):
        self.phases = {}
        self._last = time.perf_counter()

    def lap(self, phase):
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - self._last
        self._last = now
