"""Request validation errors as :class:`zeropark.errors.ValidationError` (422 with the field to fix)."""

from __future__ import annotations

from zeropark.errors import RowError, ValidationError


def invalid(field: str, message: str, *, where: str = "request") -> ValidationError:
    """A one-error :class:`ValidationError` naming ``field`` and what to fix."""
    return ValidationError([RowError(file=where, sheet=None, row=None, field=field, message=message)])
