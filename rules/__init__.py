"""The built-in knowledge base, shipped as data inside the wheel (``advisor.rules``)."""
