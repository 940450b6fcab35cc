"""The exception hierarchy of tariffscope.

Every error derives from :class:`TariffscopeError`; errors caused by bad input also derive from
:class:`ValueError`, so callers can catch either. A message names the rule, the bad value and the fix.

>>> from tariffscope.errors import InvalidHTSCodeError, TariffscopeError
>>> issubclass(InvalidHTSCodeError, ValueError) and issubclass(InvalidHTSCodeError, TariffscopeError)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class TariffscopeError(Exception):
    """Root of every tariffscope error."""


class InputError(TariffscopeError, ValueError):
    """Bad input from the user: a value, a file or an option."""


class InvalidHTSCodeError(InputError):
    """An HTS code that is malformed (wrong length, non-digits)."""


class UnknownHTSCodeError(InputError):
    """A well-formed HTS code that the schedule does not contain."""


class UnknownCountryError(InputError):
    """A country code or name that is not known."""


class DateOutOfRangeError(InputError):
    """A date outside what the schedule or timeline covers."""


class DataFileError(InputError):
    """A data file that is missing, unreadable or of the wrong layout."""


@dataclass(frozen=True)
class Problem:
    """One problem found while validating a file: where, what and how to fix it."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


class PolicyValidationError(InputError):
    """A policy or scenario file with one or more problems; all are reported at once."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in policy data:\n{lines}")


class ConvergenceError(TariffscopeError):
    """An iterative solver that did not converge; carries the last residual."""

    def __init__(self, message: str, residual: float | None = None, iterations: int | None = None):
        self.residual = residual
        self.iterations = iterations
        super().__init__(message)


class StoreError(TariffscopeError):
    """The embedded store is corrupt or cannot be written."""


class NetworkError(TariffscopeError):
    """A download that failed or timed out."""


class PolicyConflictWarning(UserWarning):
    """Two measures that overlap in scope and time and contradict each other."""
