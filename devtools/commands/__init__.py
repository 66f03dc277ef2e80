"""One module per `tickscope` subcommand (see devtools.cli)."""
