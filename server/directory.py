"""What the server knows of the inventory: devices by name, sites by id, devices per customer.

PUBLIC API:
    Directory(inventory)      .device(name) -> Device | None, .site(id) -> SiteInfo | None,
                              .customer_devices(customer) -> list[Device], .has_customer(id),
                              .context(name, unreachable=False) -> DeviceContext | None
    Directory.empty()         no devices (a server started without an inventory file)
    Directory.replace(inventory)   serve another inventory from now on (server.inventory_watch)
"""

from __future__ import annotations

from dataclasses import dataclass

from checks.inventory import Device, Inventory
from server.problems import DeviceContext


@dataclass(frozen=True)
class SiteInfo:
    id: str
    name: str
    customer: str
    zone: str


@dataclass(frozen=True)
class _State:
    inventory: Inventory | None
    devices: dict[str, Device]
    sites: dict[str, SiteInfo]
    customers: dict[str, list[Device]]


def _state_of(inventory: Inventory | None) -> _State:
    state = _State(inventory, {}, {}, {})
    if inventory is None:
        return state
    for customer in inventory.customers:
        state.customers[customer.id] = []
        for site in customer.sites:
            state.sites[site.id] = SiteInfo(site.id, site.name, customer.id, site.zone)
            for device in site.devices:
                state.devices[device.name] = device
                state.customers[customer.id].append(device)
    return state


class Directory:
    def __init__(self, inventory: Inventory | None):
        self._state = _state_of(inventory)

    @classmethod
    def empty(cls) -> Directory:
        return cls(None)

    @property
    def inventory(self) -> Inventory | None:
        return self._state.inventory

    def replace(self, inventory: Inventory) -> None:
        """Serve this inventory from now on. The new state is built first and swapped in with
        one assignment: a request sees the old inventory or the new one, never a mix."""
        self._state = _state_of(inventory)

    def device(self, name: str) -> Device | None:
        return self._state.devices.get(name)

    def devices(self) -> list[Device]:
        return list(self._state.devices.values())

    def site(self, site_id: str) -> SiteInfo | None:
        return self._state.sites.get(site_id)

    def has_customer(self, customer: str) -> bool:
        return customer in self._state.customers

    def customer_devices(self, customer: str) -> list[Device]:
        return list(self._state.customers.get(customer, []))

    def context(self, name: str, *, unreachable: bool = False) -> DeviceContext | None:
        device = self._state.devices.get(name)
        if device is None:
            return None
        return DeviceContext.from_device(device, unreachable=unreachable)
