"""Placeholder: the `classify` command is being written."""
