"""Qt item models over the pure models of devtools.model."""
