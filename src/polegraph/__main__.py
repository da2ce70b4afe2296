"""`python -m polegraph` runs the command line."""

from .cli import main

main()
