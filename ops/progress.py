"""Progress of long CLI work (`seed-demo`, `replay`) on stderr: done/total, the real rate and the ETA.

Why two renderings: on a terminal a tqdm bar redraws in place; under `make`, CI, `nohup` or a pipe a redrawn bar is
either invisible until the end or one endless line of carriage returns, so there a plain line is printed when a phase
starts and every `every` seconds, and a last one when the work ends."""

from __future__ import annotations

import sys
import time
from typing import Final, TextIO

from tqdm import tqdm

#: Seconds between two plain progress lines when stderr is not a terminal.
PLAIN_EVERY: Final = 5.0


def clock(seconds: float) -> str:
    """`h:mm:ss` (the form tqdm uses for elapsed time and ETA)."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class Progress:
    """Work counted in `unit`s whose total may grow (each phase plans its own), shown on `stream`."""

    def __init__(self, label: str, unit: str, *, stream: TextIO | None = None, enabled: bool = True,
                 every: float = PLAIN_EVERY) -> None:
        self.label, self.unit, self.every, self.enabled = label, unit, every, enabled
        self.stream = stream or sys.stderr
        self.done = self.total = 0
        self.phase = self.note = ""
        self.started = self.last_line = time.perf_counter()
        self.bar = tqdm(total=0, unit=unit, file=self.stream, dynamic_ncols=True, mininterval=0.5, desc=label,
                        bar_format="{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                                   "[{elapsed}<{remaining}, {rate_fmt}{postfix}]") \
            if enabled and self.stream.isatty() else None

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def plan(self, phase: str, more: int) -> None:
        """`more` units of work in `phase` are now known; a plain line closes the phase before (its figures)."""
        if self.bar is None and phase != self.phase and self.done:
            self._print()
        self.total += more
        self.phase = phase
        if self.bar is not None:
            self.bar.set_description_str(f"{self.label} {phase}".strip())
            self.bar.total = self.total
            self.bar.refresh()

    def advance(self, units: int = 1) -> None:
        self.done += units
        if self.bar is not None:
            self.bar.update(units)
        elif time.perf_counter() - self.last_line >= self.every:
            self._print()

    def reach(self, done: int, total: int) -> None:
        """Absolute progress: `done` of `total` (a replay's position and its goal)."""
        self.total = total
        if self.bar is not None:
            self.bar.total = total
        self.advance(done - self.done)

    def annotate(self, note: str) -> None:
        """Extra figures shown after the rate (seed-demo's stored events/s)."""
        self.note = note
        if self.bar is not None:
            self.bar.set_postfix_str(note, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            self._print()

    def line(self) -> str:
        """`label phase: done/total unit (pct%), rate unit/s[, note], elapsed h:mm:ss, ETA h:mm:ss`."""
        elapsed = self.elapsed
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = max(self.total - self.done, 0)
        eta = clock(left / rate) if rate > 0 else "?"
        share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        head = f"{self.label} {self.phase}".strip()
        note = f", {self.note}" if self.note else ""
        return (f"{head}: {self.done:,}/{self.total:,} {self.unit}{share}, {rate:,.0f} {self.unit}/s{note}, "
                f"elapsed {clock(elapsed)}, ETA {eta}")

    def _print(self) -> None:
        if not self.enabled:
            return
        self.last_line = time.perf_counter()
        print(self.line(), file=self.stream, flush=True)
