"""Fixtures of the end-to-end tests: an inspected application in its own process."""

from __future__ import annotations

import pytest
from attach_support import AppProcess


@pytest.fixture
def inspected_app():
    app = AppProcess(token="e2e-token")
    app.start()
    yield app
    app.stop()
