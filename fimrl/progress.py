"""Progress of long work: a rich bar on a terminal, one plain line per update in a pipe.

A bar redraws in place, which a log file or CI output turns into noise; a pipe gets the same
information as lines that read well in ``less`` and ``grep``.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["StepBar"]


class StepBar:
    """Counts ``total`` steps of one named phase; ``update`` also prints its line in a pipe.

    Used as a context manager; the bar is removed when the phase ends.
    """

    def __init__(self, console: Console, label: str, total: int) -> None:
        self.console = console
        self.label = label
        self.total = total
        self._progress: Progress | None = None
        self._task = None

    def __enter__(self) -> StepBar:
        if self.console.is_terminal:
            self._progress = Progress(
                TextColumn(f"[bold]{self.label}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("", total=self.total)
        return self

    def update(self, done: int, line: str) -> None:
        """``done`` of ``total`` steps finished; ``line`` says how the last one went."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done, description=line)
            self._progress.console.print(line, highlight=False)
        else:
            self.console.print(line, highlight=False, soft_wrap=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
