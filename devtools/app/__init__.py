"""The Qt shell the panes stand on: the window context, the binder, settings on disk, recording, time travel and the
remote session of an attached window. The host that opens windows over it lives above the views (devtools.host)."""
