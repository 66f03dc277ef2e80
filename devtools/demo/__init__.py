"""The embedded demo application and its loopback backend."""
