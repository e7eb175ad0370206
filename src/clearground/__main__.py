"""``python -m clearground``: the command line."""

from clearground.cli import main

main()
