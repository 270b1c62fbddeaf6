"""``python -m pipeline`` is the ``siaga`` command."""

from pipeline.cli import main

main()
