"""`python -m retention`: the same CLI as the `retention` command."""

from retention.cli import main

main()
