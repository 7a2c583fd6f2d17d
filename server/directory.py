"""What the server knows of the inventory: devices by name, sites by id, devices per customer.

PUBLIC API:
    Directory(inventory)      .device(name) -> Device | None, .site(id) -> SiteInfo | None,
                              .customer_devices(customer) -> list[Device], .has_customer(id),
                              .context(name, unreachable=False) -> DeviceContext | None
    Directory.empty()         no devices (a server started without an inventory file)
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


class Directory:
    def __init__(self, inventory: Inventory | None):
        self.inventory = inventory
        self._devices: dict[str, Device] = {}
        self._sites: dict[str, SiteInfo] = {}
        self._customers: dict[str, list[Device]] = {}
        if inventory is None:
            return
        for customer in inventory.customers:
            self._customers[customer.id] = []
            for site in customer.sites:
                self._sites[site.id] = SiteInfo(site.id, site.name, customer.id, site.zone)
                for device in site.devices:
                    self._devices[device.name] = device
                    self._customers[customer.id].append(device)

    @classmethod
    def empty(cls) -> Directory:
        return cls(None)

    def device(self, name: str) -> Device | None:
        return self._devices.get(name)

    def devices(self) -> list[Device]:
        return list(self._devices.values())

    def site(self, site_id: str) -> SiteInfo | None:
        return self._sites.get(site_id)

    def has_customer(self, customer: str) -> bool:
        return customer in self._customers

    def customer_devices(self, customer: str) -> list[Device]:
        return list(self._customers.get(customer, []))

    def context(self, name: str, *, unreachable: bool = False) -> DeviceContext | None:
        device = self._devices.get(name)
        if device is None:
            return None
        return DeviceContext.from_device(device, unreachable=unreachable)
