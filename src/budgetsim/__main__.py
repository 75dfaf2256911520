"""``python -m budgetsim`` runs the command line."""

from budgetsim.cli import main

main()
