"""Stores from Python's own sources: an object with a current value and a change notification (a psygnal signal,
an observable, any get/subscribe pair) and a service looked up by key, each with a stable store id and the
reference's error codes when it cannot be resolved."""

from __future__ import annotations

import pytest
from psygnal import Signal

from runtime import ExternalStoreError, Module, Runtime, external_store, from_observable, from_service, value_store


class Thermometer:
    changed = Signal(float)

    def __init__(self) -> None:
        self.celsius = 20.0

    def set(self, value: float) -> None:
        self.celsius = value
        self.changed.emit(value)


class Subject:
    """An observable the Rx way: `.value`, `subscribe(on_next)` returning a disposable."""

    class _Disposable:
        def __init__(self, subject: Subject, observer) -> None:
            self.subject, self.observer = subject, observer

        def dispose(self) -> None:
            self.subject.observers.remove(self.observer)

    def __init__(self, value) -> None:
        self.value = value
        self.observers: list = []

    def subscribe(self, on_next):
        self.observers.append(on_next)
        return Subject._Disposable(self, on_next)

    def on_next(self, value) -> None:
        self.value = value
        for observer in list(self.observers):
            observer(value)


def mirror(store) -> Module:
    return Module("mirror", {"value": None}, fields=[external_store("value", store)])


def test_a_psygnal_signal_with_a_getter_feeds_a_field():
    thermo = Thermometer()
    store = from_observable(thermo.changed, get=lambda: thermo.celsius)
    rt = Runtime()
    inst = rt.mount(mirror(store))
    assert inst.get_state()["value"] == 20.0
    thermo.set(25.5)
    assert rt.store.topic(inst).get_snapshot()["value"] == 25.5
    rt.unmount(inst)
    assert len(thermo.changed) == 0  # disconnected at unmount
    assert store.store_id == from_observable(thermo.changed, get=lambda: 0).store_id  # stable for the same signal


def test_an_observable_and_a_plain_get_subscribe_pair_feed_fields():
    subject = Subject("a")
    rt = Runtime()
    inst = rt.mount(mirror(from_observable(subject)))
    subject.on_next("b")
    assert inst.get_state()["value"] == "b"
    rt.unmount(inst)
    assert subject.observers == []  # disposed
    holder = value_store(1)
    pair = rt.mount(mirror(from_observable(get=holder.get_snapshot, changed=holder.subscribe, store_id="pair")))
    holder.set(2)
    assert pair.get_state()["value"] == 2
    (ir,) = rt.external_fields.static_ir()
    assert ir["storeId"] == "pair"


def test_an_observable_without_a_current_value_fails_at_once():
    with pytest.raises(ExternalStoreError) as info:
        from_observable(Thermometer().changed)
    assert info.value.code == "external_store::missing_initial"
    with pytest.raises(ExternalStoreError) as info:
        from_observable(object(), get=lambda: 1)
    assert info.value.code == "external_store::invalid_store"


def test_a_service_store_is_resolved_by_key_when_its_field_is_wired():
    clock = Subject(0)
    rt = Runtime(services={"clock": {"ticks": clock}})
    store = from_service("clock", select=lambda svc: svc["ticks"])
    inst = rt.mount(mirror(store))
    clock.on_next(3)
    assert inst.get_state()["value"] == 3
    (ir,) = rt.external_fields.static_ir()
    assert ir["storeId"] == store.store_id == from_service("clock").store_id  # stable: from the key
    assert store.store_id.startswith("es_")
    other = Runtime()
    other.provide("clock", {"ticks": Subject(9)})
    assert other.mount(mirror(store)).get_state()["value"] == 9


def test_an_unresolvable_service_fails_the_mount_with_the_reference_code():
    rt = Runtime()
    with pytest.raises(ExternalStoreError) as info:
        rt.mount(mirror(from_service("nowhere")))
    assert info.value.code == "external_store::unresolved" and "'nowhere'" in str(info.value)
    assert rt.instances() == []
    rt.provide("odd", 42)  # a service that gives no store
    with pytest.raises(ExternalStoreError) as info:
        rt.mount(mirror(from_service("odd")))
    assert info.value.code == "external_store::unresolved"
    with pytest.raises(ExternalStoreError) as info:
        from_service("clock").get_snapshot()  # read directly, outside a field: unresolved
    assert info.value.code == "external_store::unresolved"
    with pytest.raises(ExternalStoreError) as info:
        from_service("")
    assert info.value.code == "external_store::unresolved"
