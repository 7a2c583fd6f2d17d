"""Secret references: `{env: VAR}` or `{file: path}` (mode 0600), read only when needed.

PUBLIC API (re-exported by checks.inventory, where transports and the server import it from):
    Secret(env=, file=, where=)   .reveal() -> str (raises SecretError), .problem() -> str | None
    SecretError                   the message names where the secret is referenced, never its value
    file_problem(path, what)      why a file holding a secret or key may not be used, or None
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path


class SecretError(Exception):
    """A secret that cannot be read; the message names where it is referenced, never its value."""


def file_problem(path: str, what: str) -> str | None:
    """Why a file holding a secret may not be used (missing, not a file, group/world readable)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return f"{what} {path} does not exist"
    except OSError as exc:
        return f"{what} {path} cannot be read: {(exc.strerror or str(exc)).lower()}"
    if not stat.S_ISREG(info.st_mode):
        return f"{what} {path} is not a regular file"
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        return (
            f"{what} {path} is mode {mode:04o}; it must be 0600 (readable by its owner only): "
            f"chmod 600 {path}"
        )
    return None


@dataclass(frozen=True)
class Secret:
    """A reference to a secret: an environment variable or a file of mode 0600.

    It never holds the value: `reveal()` reads it each time, so neither repr(), str(), pickling
    nor a log line can leak it.
    """

    env: str | None = None
    file: str | None = None
    where: str = ""  # "inventory.yaml:3: credentials.lab-v2c.community", for error messages

    def reveal(self) -> str:
        value, problem = self._read()
        if problem is not None:
            raise SecretError(f"{self.where}: {problem}" if self.where else problem)
        return value

    def problem(self) -> str | None:
        """Why `reveal()` would fail right now, or None; the message never holds the value."""
        return self._read()[1]

    def _read(self) -> tuple[str, str | None]:
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                return "", f"environment variable {self.env} is not set"
            if not value:
                return "", f"environment variable {self.env} is empty"
            return value, None
        if self.file is not None:
            problem = file_problem(self.file, "secrets file")
            if problem is not None:
                return "", problem
            try:
                text = Path(self.file).read_text(encoding="utf-8")
            except UnicodeDecodeError:
                return "", f"secrets file {self.file} is not UTF-8 text"
            except OSError as exc:
                reason = (exc.strerror or str(exc)).lower()
                return "", f"secrets file {self.file} cannot be read: {reason}"
            # Editors end files with a newline; it is never part of a password.
            value = text.rstrip("\r\n")
            if not value:
                return "", f"secrets file {self.file} is empty"
            return value, None
        return "", "the secret names neither an environment variable nor a file"

    def __repr__(self) -> str:
        return f"Secret(env={self.env!r})" if self.env else f"Secret(file={self.file!r})"

    __str__ = __repr__
