"""Docker HEALTHCHECK: exit 0 if the bot's GET /healthz answers 200, else 1 (stdlib only).

The port is NIANBAO_HEALTH_PORT (the image sets 8080), else the webhook port.
"""

import os
import sys
import urllib.request

port = os.environ.get("NIANBAO_HEALTH_PORT") or os.environ.get("NIANBAO_WEBHOOK_PORT") or "8443"
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # HTTPError for 503, URLError while not listening yet
    print(f"unhealthy: {exc}")
    sys.exit(1)
