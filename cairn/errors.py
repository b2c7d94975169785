"""The one error root of Cairn, and its subclasses.

Every error a user can see derives from :class:`CairnError`. The server maps each subclass to an
HTTP status in one table (``cairn.server.errors``); messages say what is wrong and what to do.
"""

from __future__ import annotations

from typing import Any


class CairnError(Exception):
    """Base of every Cairn error; ``str(err)`` is a message written for the user."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInputError(CairnError, ValueError):
    """The caller passed something malformed: a bad filter, a bad batch, a bad name."""


class NotFoundError(CairnError, LookupError):
    """The named project, run, key or file does not exist."""


class ConflictError(CairnError):
    """The request conflicts with stored state (a name taken, an offset gap)."""


class OffsetGapError(ConflictError):
    """A batch starts past the acknowledged offset; resend from ``expected_offset``."""

    def __init__(self, message: str, expected_offset: int) -> None:
        super().__init__(message, expected_offset=expected_offset)
        self.expected_offset = expected_offset


class PayloadTooLargeError(InvalidInputError):
    """A request body exceeds the documented limit."""


class AuthenticationError(CairnError):
    """No valid credentials were presented."""


class PermissionDeniedError(CairnError):
    """The caller is known but lacks the role this action needs."""


class TooBusyError(CairnError):
    """The server sheds load: try again after ``retry_after_s`` seconds (HTTP 429)."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message, retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s


class TooManyAttemptsError(TooBusyError):
    """Too many failed sign-ins for an account or from an address: wait ``retry_after_s``."""


class SchemaVersionError(CairnError):
    """The database schema is newer than this Cairn knows; upgrade Cairn."""


class WireVersionError(InvalidInputError):
    """A batch or run log uses a wire version this Cairn cannot read."""
