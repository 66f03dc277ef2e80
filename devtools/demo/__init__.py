"""The embedded demo application and its loopback backend: the runtime part is Qt-free (used by `tickscope record
--demo` and the GUI); its own window on the Qt adapter is devtools.demo.window."""

from .app import (
    PARTS,
    SENSOR_HZ,
    DemoApp,
    DemoPart,
    FaultSwitch,
    SensorDevice,
    UnknownFault,
    build_demo,
    close_demo,
    register_part,
    run_demo,
    sensor_sample,
    start_demo,
)

__all__ = ["PARTS", "SENSOR_HZ", "DemoApp", "DemoPart", "FaultSwitch", "SensorDevice", "UnknownFault", "build_demo",
           "close_demo", "register_part", "run_demo", "sensor_sample", "start_demo"]
