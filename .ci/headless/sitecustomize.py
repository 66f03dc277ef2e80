"""Imported by every Python started with this folder on PYTHONPATH: the test run and the processes its tests start
(a recorder, an inspected application, pytester's runs) all see Qt as missing."""

import qt_blocker

qt_blocker.install()
