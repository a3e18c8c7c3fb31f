"""Placeholder: the `evaluate` command is being written."""
