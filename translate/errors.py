"""One error family for everything a user can fix.

A ``UserError`` carries a one-line ``message`` (what is wrong, naming the file
and line where there is one) and a ``hint`` (what to do). The CLI maps every
UserError to one line on stderr and a non-zero exit in one place
(translate/cli/main), so no command needs its own try/except for them, and no
traceback reaches the user for an expected problem.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix: ``message`` says what, ``hint`` what to do."""

    exit_code = 1
    hint = ""  # a subclass may set a fixed hint here

    def __init__(self, message: str = "", hint: str = ""):
        super().__init__(message)
        self.message = message
        if hint:
            self.hint = hint

    def __str__(self) -> str:
        return self.message

    def one_line(self) -> str:
        """The message and the hint, as shown to the user."""
        if self.hint and self.hint not in self.message:
            return f"{self.message}: {self.hint}" if self.message else self.hint
        return self.message
