"""A simulated customer network on loopback: snmpsim devices, scenarios, `patrol-lab`.

bank.py       the devices of the simulated bank (mirrors inventory.yaml) and the lab credentials
build.py      renders lab/devices/<name>.snmprec, recordings written for this project
scenario.py   scenarios (lab/scenarios/<name>.yaml): overlays on the recordings, expected findings
runner.py     `Lab`: one snmpsim process per device on its own 127.0.x.y address
cli.py        `patrol-lab up | down | status | scenarios`
"""
