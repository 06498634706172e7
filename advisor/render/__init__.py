"""Renderers: each turns an engine :class:`~advisor.engine.Result` into a string."""
