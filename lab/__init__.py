"""A simulated customer network on loopback: snmpsim devices, scenarios, `patrol-lab`."""
