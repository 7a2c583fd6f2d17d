"""SNMP checks written in code, where a declaration (checks/catalog/*.yaml) cannot say it:
uptime and reboots, interfaces with counter rates, Cisco temperatures and fans, IMM/XCC fans
and health, HOST-RESOURCES CPU and memory. CODE_CHECKS is what the catalog adds to the YAML.
"""

from __future__ import annotations

from checks.snmp.code.cisco import CiscoFansCheck, CiscoTemperatureCheck
from checks.snmp.code.host import HostCpuCheck, HostMemoryCheck
from checks.snmp.code.imm import ImmFansCheck, ImmHealthCheck
from checks.snmp.code.system import InterfacesCheck, UptimeCheck

CODE_CHECKS = (
    UptimeCheck(),
    InterfacesCheck(),
    CiscoTemperatureCheck(),
    CiscoFansCheck(),
    ImmFansCheck(),
    ImmHealthCheck(),
    HostCpuCheck(),
    HostMemoryCheck(),
)

__all__ = ["CODE_CHECKS"]
