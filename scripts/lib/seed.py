#!/usr/bin/env python3
"""Seeds the local stack for the sample user, through its public edges only.

Run by ./scripts/up (unless --empty) once every service is healthy:
  seed.py RUN_DIR/stack.env

1. Connects the sample user's four clouds (googledrive, dropbox, box,
   onedrive) the way a browser does: the gateway's /oauth2/{p}/authorize, the
   emulator's approval redirect, the gateway's callback. Every run connects
   again: the emulator keeps its tokens in memory, so the tokens the kept
   database holds from an earlier run are dead.
2. Makes one document per sample file (tools/cloud-emulator/sample-seed.json
   puts the files in the clouds), marked with the property sample=<path>.
   A run over the kept database duplicates nothing: a sample document that
   references the file is kept; one that references the file's id in an
   earlier emulator (the emulator's state is in memory and its ids are
   random, so every start gives the files new ids) is replaced.
3. Waits until search finds each text-bearing sample by its word.
Prints one line per document; LC_SAMPLE_DOC_ID=<id> (the welcome text) last.
"""
import http.cookiejar
import json
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

PROVIDERS = ["googledrive", "dropbox", "box", "onedrive"]

# (provider, path in sample-seed.json, title, a word search finds, or None
# when the file has no text).
SAMPLES = [
    ("googledrive", "/Documents/welcome.txt", "Welcome", "welcome"),
    ("googledrive", "/Documents/Project plan", "Project plan", "plan"),
    ("dropbox", "/Documents/report.pdf", "Annual report", "octopus"),
    ("box", "/Documents/budget.docx", "Quarterly budget", "lighthouse"),
    ("onedrive", "/Documents/notes.md", "Notes", "feeds"),
    ("onedrive", "/Photos/harbour.png", "Harbour photo", None),
]
INDEX_DEADLINE_S = 120


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Stack:
    def __init__(self, env):
        self.env = env
        self.gateway = env["LC_GATEWAY_URL"]
        self.token = env["LC_DEV_TOKEN_USER"]
        ctx = ssl.create_default_context(cafile=env["LC_EMULATOR_CA_FILE"])
        self.jar = http.cookiejar.CookieJar()
        self.browser = urllib.request.build_opener(
            NoRedirect(),
            urllib.request.HTTPCookieProcessor(self.jar),
            urllib.request.HTTPSHandler(context=ctx),
        )

    def fetch(self, method, url, body=None, headers=None):
        """Returns (status, headers, body bytes); redirects are not followed."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with self.browser.open(req, timeout=30) as res:
                return res.status, res.headers, res.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def api(self, method, path, body=None):
        status, _, data = self.fetch(
            method, self.gateway + path, body, {"Authorization": "Bearer " + self.token}
        )
        if status // 100 != 2:
            raise SystemExit("seed: %s %s answered %d: %s" % (method, path, status, data[:300]))
        return json.loads(data or b"{}")

    def emulator(self, provider):
        return self.env["LC_EMULATOR_%s_URL" % provider.upper()]

    def connect(self, provider):
        url = "%s/oauth2/%s/authorize" % (self.gateway, provider)
        headers = {"Authorization": "Bearer " + self.token}
        for _ in range(6):
            status, res_headers, data = self.fetch("GET", url, headers=headers)
            if status != 302:
                break
            url = urllib.parse.urljoin(url, res_headers["Location"])
            headers = {}  # from here on the lc_session cookie says who the user is
        if status != 200 or b"Connected" not in data:
            raise SystemExit("seed: connecting %s ended with %d at %s" % (provider, status, url))

    def accounts(self):
        return {a["provider"]: a["account"] for a in self.api("GET", "/api/v1/accounts").get("accounts", [])}

    def documents(self):
        docs, token = [], ""
        while True:
            page = self.api("GET", "/api/v1/documents?pageSize=500" + ("&pageToken=" + token if token else ""))
            docs += page.get("documents", [])
            token = page.get("nextPageToken", "")
            if not token:
                return docs

    def file_id(self, provider, account, path):
        query = urllib.parse.urlencode({"user": account, "path": path})
        status, _, data = self.fetch("GET", "%s/_emulator/files?%s" % (self.emulator(provider), query))
        if status != 200:
            raise SystemExit("seed: %s has no %s (is sample-seed.json applied?)" % (provider, path))
        return json.loads(data)["id"]

    def search(self, word):
        q = urllib.parse.quote(word)
        return {h.get("documentId") for h in self.api("GET", "/api/v1/search?q=" + q).get("hits", [])}


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                env[key] = value
    return env


def main():
    stack = Stack(read_env(sys.argv[1]))
    for provider in PROVIDERS:
        stack.connect(provider)
    accounts = stack.accounts()
    samples = {}  # (provider, path) -> the sample documents made by earlier runs
    for d in stack.documents():
        path = (d.get("properties") or {}).get("sample")
        if path and d.get("blob"):
            samples.setdefault((d["blob"]["provider"], path), []).append(d)
    doc_ids = {}
    for provider, path, title, _ in SAMPLES:
        account = accounts[provider]
        blob = {"provider": provider, "account": account, "fileId": stack.file_id(provider, account, path)}
        for old in samples.get((provider, path), []):
            if old["blob"]["account"] == account and old["blob"]["fileId"] == blob["fileId"]:
                doc_ids.setdefault(path, old["id"])
            else:
                stack.api("DELETE", "/api/v1/documents/" + old["id"])
        if path not in doc_ids:
            doc = stack.api(
                "POST",
                "/api/v1/documents",
                {"type": "DOCUMENT_TYPE_FILE", "title": title, "blob": blob, "properties": {"sample": path}},
            )
            doc_ids[path] = doc["id"]
        print("  %-12s %-26s %s" % (provider, path, doc_ids[path]))

    deadline = time.monotonic() + INDEX_DEADLINE_S
    for _, path, _, word in SAMPLES:
        if word is None:
            continue
        while doc_ids[path] not in stack.search(word):
            if time.monotonic() > deadline:
                raise SystemExit("seed: search does not find %s by \"%s\" within %d s" % (path, word, INDEX_DEADLINE_S))
            time.sleep(0.5)
    print("LC_SAMPLE_DOC_ID=%s" % doc_ids["/Documents/welcome.txt"])


if __name__ == "__main__":
    main()
