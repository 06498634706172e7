"""Jinja2 templates for reports and starter projects, shipped as ``advisor.templates``."""
