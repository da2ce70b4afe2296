"""`python -m polegraph` runs the command line."""

from polegraph.cli import main

main()
