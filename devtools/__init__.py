"""tickscope devtools: the Qt application and the `tickscope` command line. Headless commands never import Qt."""
