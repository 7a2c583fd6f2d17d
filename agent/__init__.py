"""The agent side: transports (SNMP, SSH), polling, sweeps and the `patrol` command line."""
