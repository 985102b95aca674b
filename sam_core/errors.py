"""Named errors. Pages catch only these and show their message; anything else is a bug."""


class SamError(Exception):
    """Base of every error the product explains to its user."""


class WorkbookError(SamError):
    """The file cannot be read as a workbook (not a spreadsheet, protected, too large...)."""


class ValidationFailed(SamError):
    """A workbook has errors; `report` lists them all, nothing was changed."""

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class PermissionDenied(SamError):
    """The user's role or ownership does not allow the action."""


class ConflictError(SamError):
    """Another change got there first; try again."""


class EditConflict(ConflictError):
    """Somebody changed what the user was editing after they opened it; nothing was saved.
    `changes` lists the other person's change: what, field, when opened, now, who, when."""

    def __init__(self, message: str, changes=None):
        super().__init__(message)
        self.changes = changes


class NotFound(SamError):
    """The thing asked for does not exist."""
