"""``python -m pipeline`` is the ``sociallisten`` command."""

from pipeline.cli import main

main()
