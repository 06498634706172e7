"""Errors the repository functions raise."""


class AlreadyExistsError(Exception):
    """An item with this key exists already."""


class NotFoundError(LookupError):
    """The item, or the parent item it belongs to, does not exist."""


class ConflictError(Exception):
    """The stored item changed since it was read, so the write was refused."""
