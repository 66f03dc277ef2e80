"""Qt item models and the columnar event store the devtools panes read."""
