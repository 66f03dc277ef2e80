"""One file per devtools panel."""
