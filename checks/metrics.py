"""Canonical metric names and units, so results compare across vendors (DESIGN.md)."""

from __future__ import annotations

UPTIME = "uptime"  # s
CPU_USAGE = "cpu.usage"  # %
MEMORY_USAGE = "memory.usage"  # %
MEMORY_USED = "memory.used"  # bytes
MEMORY_TOTAL = "memory.total"  # bytes
STORAGE_USAGE = "storage.usage"  # %
TEMPERATURE = "temperature"  # °C
FAN_SPEED = "fan.speed"  # rpm
FAN_DUTY = "fan.duty"  # % of the fan's maximum speed (IMM/XCC, Huawei report only this)
VOLTAGE = "voltage"  # V
INTERFACE_ERRORS = "interface.errors"  # per s
INTERFACE_UTILIZATION = "interface.utilization"  # %
PAGING_USAGE = "paging.usage"  # % of paging (swap) space in use (AIX lsps -s)

UNITS: dict[str, str] = {
    UPTIME: "s",
    CPU_USAGE: "%",
    MEMORY_USAGE: "%",
    MEMORY_USED: "B",
    MEMORY_TOTAL: "B",
    STORAGE_USAGE: "%",
    TEMPERATURE: "C",
    FAN_SPEED: "rpm",
    FAN_DUTY: "%",
    VOLTAGE: "V",
    INTERFACE_ERRORS: "/s",
    INTERFACE_UTILIZATION: "%",
    PAGING_USAGE: "%",
}

# Threshold keys an inventory may set; the keys are the metric names they apply to.
THRESHOLD_KEYS: frozenset[str] = frozenset(
    {
        CPU_USAGE,
        MEMORY_USAGE,
        STORAGE_USAGE,
        TEMPERATURE,
        FAN_SPEED,
        INTERFACE_ERRORS,
        INTERFACE_UTILIZATION,
        UPTIME,
        PAGING_USAGE,
    }
)
