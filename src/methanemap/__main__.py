"""`python -m methanemap` runs the command line."""

from methanemap.cli import main

main()
