#!/usr/bin/env python3
"""Registers the local stack's OAuth client at the cloud emulator.

Run by ./scripts/up once the emulator listens:
  register_clients.py PORTS_FILE CA_FILE CLIENT_ID SECRET_FILE GATEWAY_URL

POSTs {"client_id", "client_secret", "redirect_uris"} to /_emulator/clients
on each provider's port, with the gateway's callback for each registry entry
that uses that port (onedrive and onedrive-business share the Graph port).
From then on the emulator refuses any other client, a wrong secret and any
other redirect URI, as the real providers do. The secret is read from its
file and never printed.
"""
import json
import ssl
import sys
import urllib.request

# Emulator port -> the registry entries (gateway callback paths) it serves.
ENTRIES = {
    "googledrive": ["googledrive"],
    "dropbox": ["dropbox"],
    "box": ["box"],
    "onedrive": ["onedrive", "onedrive-business"],
}


def main():
    if len(sys.argv) != 6:
        raise SystemExit(__doc__)
    ports_file, ca_file, client_id, secret_file, gateway = sys.argv[1:]
    with open(ports_file) as f:
        ports = json.load(f)
    with open(secret_file) as f:
        secret = f.read().strip()
    ctx = ssl.create_default_context(cafile=ca_file)
    for provider, entries in ENTRIES.items():
        port = ports.get(provider)
        if not port:
            continue
        scheme = "https" if provider == "onedrive" else "http"
        body = {
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": ["%s/oauth2/%s/callback" % (gateway.rstrip("/"), e) for e in entries],
        }
        req = urllib.request.Request(
            "%s://127.0.0.1:%d/_emulator/clients" % (scheme, port),
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10, context=ctx) as res:
            if res.status != 200:
                raise SystemExit("register_clients: %s answered %d" % (provider, res.status))


if __name__ == "__main__":
    main()
