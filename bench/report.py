"""Writing a benchmark's figures into its own marked section of docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path


def write_marked_section(path: Path, text: str, begin: str, end: str) -> None:
    """Replace (or append) the section between `begin` and `end`, keeping everything else."""
    block = f"{begin}\n{text}{end}\n"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        current = head + block + ("\n" + tail if tail else "")
    else:
        current = current.rstrip("\n") + "\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(current)
