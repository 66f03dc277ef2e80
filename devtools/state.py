"""The devtools' own UI state, kept as a runtime module: the devtools is the runtime's first user.

Selection, filters, time range, replay cursor, time travel and settings live in one `devtools` module instance in
a runtime of their own (label `devtools`). Widgets read it through its topic facade like any other module, so a
change of selection repaints every pane in one flush at one tick. With diagnostics on for that runtime (setting
`showDevtools`), the devtools' own transactions show up in its own timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypedDict, cast, get_args

from runtime import ExternalStore, Module, Runtime

__all__ = ["DevtoolsState", "devtools_module", "DEFAULT_SETTINGS", "DIAGNOSTICS_LEVELS", "THEMES", "UiState",
           "Selection", "Filters", "Settings", "TimeTravelMark", "DiagnosticsLevel", "Theme", "TravelMode",
           "time_range_of"]

DiagnosticsLevel = Literal["off", "light", "sampled", "full"]
Theme = Literal["system", "light", "dark"]
TravelMode = Literal["before", "after"]
"""Which state of a transaction time travel shows: the one before it, or the one it committed."""
DIAGNOSTICS_LEVELS: tuple[DiagnosticsLevel, ...] = get_args(DiagnosticsLevel)
THEMES: tuple[Theme, ...] = get_args(Theme)


class Selection(TypedDict):
    """The sidebar's scope: a runtime, a module of it, or one instance (None: everything)."""

    runtime: str | None
    module: str | None
    instance: str | None


class Filters(TypedDict):
    kinds: list[str]
    text: str
    regex: bool
    path: str


class TimeTravelMark(TypedDict):
    """Which instance a live window shows in the past, and where."""

    instanceId: str
    txnId: str
    mode: TravelMode


class Settings(TypedDict):
    diagnostics: DiagnosticsLevel
    bufferSize: int
    theme: Theme
    showDevtools: bool
    retainEvents: int
    """A live window keeps at most this many events (0: no bound in events); see devtools.app.retention."""
    retainMB: int
    """... and at most this many MiB of them (0: no bound in bytes)."""
    spill: bool
    """Append the events a live window lets go to a trace file instead of dropping them."""
    spillDir: str
    """Where spill files go ("": the devtools' data directory)."""
    editorCommand: str
    """How a call site opens in an editor: a command line with {file} and {line} ("": $VISUAL / $EDITOR)."""


class UiState(TypedDict):
    """The devtools module's state, as `get()` and `published()` return it."""

    selection: Selection
    selectedRow: int | None
    filters: Filters
    timeRange: list[float] | None
    """[start, end] in epoch ms."""
    cursor: int | None
    """The replay cursor's row."""
    follow: bool
    timeTravel: TimeTravelMark | None
    settings: Settings


DEFAULT_SETTINGS: Settings = {
    "diagnostics": "full",
    "bufferSize": 500,
    "theme": "system",
    "showDevtools": False,
    "retainEvents": 500_000,
    "retainMB": 192,
    "spill": False,
    "spillDir": "",
    "editorCommand": "",
}

_INITIAL: UiState = {
    "selection": {"runtime": None, "module": None, "instance": None},
    "selectedRow": None,
    "filters": {"kinds": [], "text": "", "regex": False, "path": ""},
    "timeRange": None,
    "cursor": None,
    "follow": True,
    "timeTravel": None,
    "settings": DEFAULT_SETTINGS.copy(),
}


def _merge(draft: Any, key: Literal["selection", "filters", "settings"], changes: Mapping[str, Any]) -> None:
    for k, v in changes.items():
        if k not in _INITIAL[key]:
            raise KeyError(f"devtools state has no {key}.{k}")
        draft[key][k] = v


def devtools_module() -> Module:
    """The module definition (one per window; reducers are plain writes with names a timeline can show)."""
    m = Module("devtools", initial=_INITIAL)

    @m.reducer("select")
    def select(draft: Any, sel: dict[str, Any]) -> None:
        _merge(draft, "selection", {"runtime": None, "module": None, "instance": None, **sel})
        draft["selectedRow"] = None

    @m.reducer("selectRow")
    def select_row(draft: Any, row: int | None) -> None:
        draft["selectedRow"] = row

    @m.reducer("setFilters")
    def set_filters(draft: Any, changes: dict[str, Any]) -> None:
        _merge(draft, "filters", changes)

    @m.reducer("setTimeRange")
    def set_time_range(draft: Any, span: tuple[float, float] | None) -> None:
        draft["timeRange"] = None if span is None else [float(span[0]), float(span[1])]

    @m.reducer("setCursor")
    def set_cursor(draft: Any, row: int | None) -> None:
        draft["cursor"] = row

    @m.reducer("setFollow")
    def set_follow(draft: Any, follow: bool) -> None:
        draft["follow"] = bool(follow)

    @m.reducer("setTimeTravel")
    def set_time_travel(draft: Any, mark: TimeTravelMark | None) -> None:
        draft["timeTravel"] = mark

    @m.reducer("setSettings")
    def set_settings(draft: Any, changes: Mapping[str, Any]) -> None:
        _check_settings(changes)
        _merge(draft, "settings", changes)

    return m


def _check_settings(changes: Mapping[str, Any]) -> None:
    """Refuse a settings change that is not of the setting's type (nothing is applied then)."""
    if "diagnostics" in changes and changes["diagnostics"] not in DIAGNOSTICS_LEVELS:
        raise ValueError(f"diagnostics level {changes['diagnostics']!r} is not one of {DIAGNOSTICS_LEVELS}")
    if "theme" in changes and changes["theme"] not in THEMES:
        raise ValueError(f"theme {changes['theme']!r} is not one of {THEMES}")
    for key, what in (("bufferSize", "buffer size"), ("retainEvents", "events kept"), ("retainMB", "MB kept")):
        value = changes.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{what} must be a non-negative integer, not {value!r}")
    if "spill" in changes and not isinstance(changes["spill"], bool):
        raise ValueError(f"spill must be true or false, not {changes['spill']!r}")
    for key, what in (("spillDir", "the spill directory must be a path"),
                      ("editorCommand", "the editor command must be a command line")):
        if key in changes and not isinstance(changes[key], str):
            raise ValueError(f"{what}, not {changes[key]!r}")


class DevtoolsState:
    """The devtools module instance and the methods panes change it through."""

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        self.runtime = Runtime(label="devtools", diagnostics="off")
        self.instance = self.runtime.mount(devtools_module(), "devtools#1", label="devtools UI state")
        if settings:
            self.set_settings(settings)
        self.topic: ExternalStore[UiState] = module_topic(self.runtime, self.instance.module_id,
                                                          self.instance.instance_id)
        """The topic facade panes bind to."""

    def get(self) -> UiState:
        """The latest committed UI state (read it, never mutate it); it may be ahead of what panes show."""
        return cast(UiState, self.instance.get_state())  # the reducers keep the shape of the initial state

    def published(self) -> UiState:
        """The UI state as published by the latest tick: what every pane repainted in a flush shows. Bound
        callbacks receive it; a pane reading the state outside its callback reads this, so it cannot tear."""
        return self.topic.get_snapshot()

    def _do(self, action: str, payload: Any) -> None:
        self.instance.dispatch(action, payload)

    def select(self, *, runtime: str | None = None, module: str | None = None, instance: str | None = None) -> None:
        self._do("select", {"runtime": runtime, "module": module, "instance": instance})

    def select_row(self, row: int | None) -> None:
        self._do("selectRow", row)

    def set_filters(self, **changes: Any) -> None:
        self._do("setFilters", changes)

    def set_time_range(self, span: tuple[float, float] | None) -> None:
        self._do("setTimeRange", span)

    def set_cursor(self, row: int | None) -> None:
        self._do("setCursor", row)

    def set_follow(self, follow: bool) -> None:
        self._do("setFollow", follow)

    def set_time_travel(self, mark: TimeTravelMark | None) -> None:
        self._do("setTimeTravel", mark)

    def set_settings(self, changes: Mapping[str, Any]) -> None:
        self._do("setSettings", changes)
        if "showDevtools" in changes:
            self.runtime.set_diagnostics("light" if changes["showDevtools"] else "off")


def time_range_of(ui: UiState) -> tuple[float, float] | None:
    """The chosen time range as (start, end) in epoch ms, or None when every time is shown."""
    span = ui["timeRange"]
    return (float(span[0]), float(span[1])) if span else None


def module_topic(rt: Runtime, module_id: str, instance_id: str) -> ExternalStore[Any]:
    """The module topic facade `moduleId::instanceId` of a runtime's store."""
    return rt.store.topic(f"{module_id}::{instance_id}")
