"""`python -m shelfwise.cli ...` runs the `shelfwise` command."""

from shelfwise.cli import main

main()
