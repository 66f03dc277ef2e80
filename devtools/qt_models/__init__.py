"""Qt item models: thin adapters that map Protocols the pure models satisfy (devtools.model) onto Qt's model API."""
