"""Naming a module instance in a runtime: an instance, a Module with exactly one instance, or a
`moduleId` / `moduleId::instanceId` string (used by declarative links and module-as-source fields)."""

from __future__ import annotations

from runtime.errors import ExternalStoreError
from runtime.kernel.instance import ModuleInstance
from runtime.kernel.kernel import Kernel
from runtime.kernel.module import Module

__all__ = ["InstanceRef", "resolve_instance"]

InstanceRef = ModuleInstance | Module | str


def resolve_instance(kernel: Kernel, source: ModuleInstance | Module | str, what: str) -> ModuleInstance:
    """The instance `source` names in `kernel`; ExternalStoreError `external_store::unresolvable_module_id`
    otherwise."""
    if isinstance(source, ModuleInstance):
        if not kernel.holds(source) or source.disposed:
            raise ExternalStoreError(
                "external_store::unresolvable_module_id",
                f"{what}: instance {source.instance_id!r} is not mounted in runtime {kernel.label!r}")
        return source
    if isinstance(source, Module):
        module_id, instance_id = source.id, None
    elif isinstance(source, str) and source:
        module_id, _, instance_id = source.partition("::")
        instance_id = instance_id or None
    else:
        raise ExternalStoreError("external_store::unresolvable_module_id",
                                 f"{what}: {source!r} names no module (give an instance, a Module or 'moduleId')")
    found = [i for i in kernel.instances() if i.module_id == module_id
             and (instance_id is None or i.instance_id == instance_id)]
    if len(found) == 1:
        return found[0]
    if not found:
        mounted = sorted({i.module_id for i in kernel.instances()}) or ["none"]
        raise ExternalStoreError(
            "external_store::unresolvable_module_id",
            f"{what}: no instance of module {module_id!r}{f' with id {instance_id!r}' if instance_id else ''} "
            f"in runtime {kernel.label!r} (mounted modules: {', '.join(mounted)})",
        )
    raise ExternalStoreError(
        "external_store::unresolvable_module_id",
        f"{what}: module {module_id!r} has {len(found)} instances ({', '.join(i.instance_id for i in found)}); "
        "name one as 'moduleId::instanceId' or pass the instance",
    )
