"""``python -m newswatch.cli``: the same command as the ``newswatch`` script."""

from newswatch.cli import main

main()
