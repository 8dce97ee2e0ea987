"""Named exit codes and the one exception type that carries a user-facing failure."""

from __future__ import annotations

from wizard.vocab import Code
from wizard.vocab import ExitCode as ExitCode  # re-exported: commands name it from here


class WizardError(Exception):
    """A failure the user can act on: a short message, the fix, and the exit code.

    Messages must never contain a key: callers pass fingerprints only.
    """

    def __init__(
        self,
        message: str,
        *,
        fix: str | None = None,
        code: ExitCode = ExitCode.ERROR,
        diagnosis: Code | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.code = code
        self.diagnosis = diagnosis


class UsageError(WizardError):
    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message, fix=fix, code=ExitCode.USAGE)


class FilesError(WizardError):
    def __init__(self, message: str, *, fix: str | None = None, diagnosis: Code | None = None):
        super().__init__(message, fix=fix, code=ExitCode.FILES, diagnosis=diagnosis)


class Cancelled(WizardError):
    def __init__(
        self, message: str = "Cancelled: nothing was written.", *, fix: str | None = None
    ) -> None:
        super().__init__(message, fix=fix, code=ExitCode.CANCELLED)


class Declined(Cancelled):
    """The person answered no: a choice, said as such (not "error:"), with what to do next;
    the exit code stays the contract's for a cancel."""
