"""Configuration errors of derived fields, reported as diagnostics as well as raised.

A module shape whose derived fields form a cycle or have two writers for one field is refused (nothing is applied)
and reported with code `field_kernel::config_error`, its meta `kind` naming the error:
`field_kernel_config_error:CYCLE_DETECTED` or `field_kernel_config_error:MULTIPLE_WRITERS`, and `fields` the paths
involved (docs/rules/converge.md).
"""

from __future__ import annotations

from runtime.debug.sink import DebugSink
from runtime.errors import FieldConfigError

__all__ = ["CONFIG_ERROR_CODE", "report_config_error"]

CONFIG_ERROR_CODE = "field_kernel::config_error"


def report_config_error(sink: DebugSink, err: FieldConfigError, instance_id: str) -> None:
    """Report `err`, met while building the shape of an instance of `err.module_id` called `instance_id`."""
    sink.diagnostic(
        module_id=err.module_id, instance_id=instance_id, code=CONFIG_ERROR_CODE, severity="error", message=str(err),
        hint="give each field one writer and break the dependency cycle", error=err,
        extra={"kind": f"field_kernel_config_error:{err.code}", "fields": list(err.fields)},
    )
