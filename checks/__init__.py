"""The shared kernel of Patrol: inventory, result model, platforms and the check catalog.

Nothing here touches the network or imports from `agent/`, `server/` or `lab/`: a check's verdict
is a pure function of the data a transport collected.
"""
