"""Errors the repository functions raise."""


class AlreadyExistsError(Exception):
    """An item with this key exists already."""


class NotFoundError(LookupError):
    """The item, or the parent item it belongs to, does not exist."""
