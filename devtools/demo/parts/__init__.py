"""The demo's parts. Registered here, in mount order: the dashboard reads the form, the todos and the sensor."""

from ..core import register_part
from . import dashboard, form, search, sensor, todos

PARTS_IN_ORDER = (form.PART, sensor.PART, todos.PART, search.PART, dashboard.PART)

for _part in PARTS_IN_ORDER:
    register_part(_part)

__all__ = ["PARTS_IN_ORDER"]
