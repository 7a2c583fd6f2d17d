"""HTTP routes: each module validates its input, checks the caller's role and calls a service.

system    GET /healthz (no token), GET /metrics
results   POST /api/v1/results
devices   GET /api/v1/devices, GET /api/v1/devices/{name}
tickets   GET/POST /api/v1/tickets, GET /api/v1/tickets/{id}, POST /api/v1/tickets/{id}/{action}
agents    GET /api/v1/agents/me/config
deps      the services and the caller (bearer token -> Principal, role checks)
"""
