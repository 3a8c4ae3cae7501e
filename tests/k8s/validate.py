#!/usr/bin/python3
"""Validates the Kubernetes manifests in deploy/k8s.

Renders every overlay (and the base) with `kubectl kustomize`, validates each
object against the vendored strict JSON schemas in tests/k8s/schemas
(Kubernetes v1.30.0, standalone-strict: an unknown or misspelt field is an
error; a kind without a schema file is an error too), then checks the
invariants a reviewer wants: probes, security context, resources, a Service,
HPA and PDB per Deployment, default-deny networking with exactly the expected
service-to-service paths, the migration Job, placeholder-only Secrets, and the
per-overlay sizes, namespaces and image tags.

  /usr/bin/python3 tests/k8s/validate.py --repo .            # validate
  /usr/bin/python3 tests/k8s/validate.py --repo . --self-test # prove it can fail

Needs Debian's python3-yaml and python3-jsonschema (scripts/install-deps).
"""
import argparse
import base64
import copy
import ipaddress
import json
import os
import shutil
import subprocess
import sys

import jsonschema
import yaml

SERVICES = {
    # name: (gRPC or HTTP port, has a database)
    "oauth": (50052, True),
    "repository": (50051, True),
    "providers": (50053, False),
    "sync": (50054, True),
    "indexer": (50055, True),
    "gateway": (8080, False),
}
# caller -> callees: the only pod-to-pod calls the network policies may allow.
CALLS = {
    "gateway": {"oauth", "repository", "providers", "indexer", "sync"},
    "repository": {"providers", "indexer"},
    "indexer": {"providers", "repository"},
    "sync": {"repository", "providers", "indexer"},
    "providers": {"oauth"},
}
INTERNET = {"providers", "oauth"}
METRICS_PORT = 9090
MIGRATE_APP = "liveconnect-migrate"
PLACEHOLDER = "PLACEHOLDER-NOT-A-SECRET"
OVERLAYS = {
    "dev": {"namespace": "liveconnect-dev", "min_replicas": 1, "max_replicas": 1},
    "prod": {"namespace": "liveconnect", "min_replicas": 2, "max_replicas": None},
}
CLUSTER_SCOPED = {"Namespace"}
SAMPLE_INTERNET_IP = "93.184.216.34"
SAMPLE_METADATA_IP = "169.254.169.254"
SAMPLE_CLUSTER_IP = "10.96.0.10"


# ---------------------------------------------------------------- schemas

def schema_file(obj):
    api = obj.get("apiVersion", "")
    group, _, version = api.rpartition("/")
    kind = str(obj.get("kind", "")).lower()
    if group:
        return "%s-%s-%s.json" % (kind, group.split(".")[0].lower(), version.lower())
    return "%s-%s.json" % (kind, version.lower())


class Schemas:
    def __init__(self, directory):
        self.directory = directory
        self.cache = {}

    def validator(self, obj):
        name = schema_file(obj)
        if name not in self.cache:
            path = os.path.join(self.directory, name)
            if not os.path.isfile(path):
                self.cache[name] = None
            else:
                with open(path) as f:
                    self.cache[name] = jsonschema.Draft7Validator(json.load(f))
        return name, self.cache[name]


def describe(obj):
    md = obj.get("metadata") or {}
    return "%s/%s" % (obj.get("kind"), md.get("name"))


def schema_errors(objs, schemas):
    errors = []
    for obj in objs:
        if not isinstance(obj, dict):
            errors.append("not an object: %r" % (obj,))
            continue
        name, validator = schemas.validator(obj)
        if validator is None:
            errors.append("%s (%s): no schema %s: kind not allowed or misspelt"
                          % (describe(obj), obj.get("apiVersion"), name))
            continue
        for e in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path)):
            path = ".".join(str(p) for p in e.absolute_path) or "(root)"
            errors.append("%s: %s: %s" % (describe(obj), path, e.message))
    return errors


# ---------------------------------------------------------------- helpers

def by_kind(objs, kind):
    return [o for o in objs if isinstance(o, dict) and o.get("kind") == kind]


def name_of(obj):
    return (obj.get("metadata") or {}).get("name", "")


def labels_match(selector, labels):
    """A LabelSelector (matchLabels, matchExpressions) against a label map."""
    if selector is None:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def pod_templates(objs):
    """(owner, pod spec, pod labels) of every Deployment and Job."""
    for o in by_kind(objs, "Deployment") + by_kind(objs, "Job"):
        tmpl = (o.get("spec") or {}).get("template") or {}
        yield o, tmpl.get("spec") or {}, (tmpl.get("metadata") or {}).get("labels") or {}


def all_containers(pod_spec):
    return list(pod_spec.get("initContainers") or []) + list(pod_spec.get("containers") or [])


# ---------------------------------------------------------------- invariants

def check_security(owner, pod_spec, errors):
    where = describe(owner)
    psc = pod_spec.get("securityContext") or {}
    if psc.get("runAsNonRoot") is not True:
        errors.append("%s: pod securityContext.runAsNonRoot must be true" % where)
    if not isinstance(psc.get("runAsUser"), int) or psc.get("runAsUser") <= 0:
        errors.append("%s: pod securityContext.runAsUser must be a non-zero number" % where)
    if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        errors.append("%s: pod seccompProfile must be RuntimeDefault" % where)
    if pod_spec.get("automountServiceAccountToken") is not False:
        errors.append("%s: automountServiceAccountToken must be false" % where)
    for c in all_containers(pod_spec):
        cw = "%s container %s" % (where, c.get("name"))
        sc = c.get("securityContext") or {}
        if sc.get("readOnlyRootFilesystem") is not True:
            errors.append("%s: readOnlyRootFilesystem must be true" % cw)
        if sc.get("allowPrivilegeEscalation") is not False:
            errors.append("%s: allowPrivilegeEscalation must be false" % cw)
        if sc.get("runAsNonRoot") is False or sc.get("runAsUser") == 0 or sc.get("privileged"):
            errors.append("%s: must not run as root or privileged" % cw)
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            errors.append("%s: capabilities must drop ALL" % cw)
        if (sc.get("capabilities") or {}).get("add"):
            errors.append("%s: must not add capabilities" % cw)
        res = c.get("resources") or {}
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in (res.get(part) or {}):
                    errors.append("%s: resources.%s.%s missing" % (cw, part, r))
        image = c.get("image", "")
        if ":" not in image.rsplit("/", 1)[-1] and "@" not in image:
            errors.append("%s: image %r has no tag" % (cw, image))
        if image.endswith(":latest"):
            errors.append("%s: image %r uses :latest" % (cw, image))


def check_deployments(objs, errors):
    services = by_kind(objs, "Service")
    hpas = by_kind(objs, "HorizontalPodAutoscaler")
    pdbs = by_kind(objs, "PodDisruptionBudget")
    deployments = by_kind(objs, "Deployment")
    names = {name_of(d) for d in deployments}
    for missing in sorted(set(SERVICES) - names):
        errors.append("no Deployment for service %s" % missing)
    for d in deployments:
        name = name_of(d)
        spec = d.get("spec") or {}
        pod = (spec.get("template") or {}).get("spec") or {}
        pod_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        if not labels_match(spec.get("selector"), pod_labels):
            errors.append("Deployment/%s: selector does not match its pod labels" % name)
        check_security(d, pod, errors)
        containers = pod.get("containers") or []
        port, has_db = SERVICES.get(name, (None, False))
        for c in containers:
            cw = "Deployment/%s container %s" % (name, c.get("name"))
            live, ready = c.get("livenessProbe"), c.get("readinessProbe")
            if not live or not ready:
                errors.append("%s: needs both livenessProbe and readinessProbe" % cw)
                continue
            if name == "gateway":
                if (live.get("httpGet") or {}).get("path") != "/healthz":
                    errors.append("%s: liveness must be GET /healthz" % cw)
                if (ready.get("httpGet") or {}).get("path") != "/readyz":
                    errors.append("%s: readiness must be GET /readyz" % cw)
            elif port is not None:
                for kind, probe in (("liveness", live), ("readiness", ready)):
                    if (probe.get("grpc") or {}).get("port") != port:
                        errors.append("%s: %s must be a grpc probe on %d" % (cw, kind, port))
            env = {e.get("name"): e for e in c.get("env") or []}
            needed = ["LC_JWT_SECRET"] + (["LC_DB_URL"] if has_db else [])
            needed += ["LC_TOKEN_KEYS"] if name == "oauth" else []
            for var in needed:
                if "secretKeyRef" not in ((env.get(var) or {}).get("valueFrom") or {}):
                    errors.append("%s: %s must come from a Secret" % (cw, var))
            if name == "sync":
                ref = ((env.get("LC_REPLICA_ID") or {}).get("valueFrom") or {}).get("fieldRef")
                if (ref or {}).get("fieldPath") != "metadata.name":
                    errors.append("%s: LC_REPLICA_ID must be the pod name" % cw)
        if name == "indexer":
            mounts = [m for c in containers for m in c.get("volumeMounts") or []]
            if not any(m.get("mountPath") == "/tmp" for m in mounts):
                errors.append("Deployment/indexer: needs a writable /tmp (emptyDir)")
        svc = [s for s in services
               if labels_match({"matchLabels": (s.get("spec") or {}).get("selector") or {}},
                               pod_labels) and (s.get("spec") or {}).get("selector")]
        if not svc:
            errors.append("Deployment/%s: no Service selects its pods" % name)
        elif port is not None and not any(
                p.get("port") == port for s in svc for p in (s.get("spec") or {}).get("ports") or []):
            errors.append("Deployment/%s: its Service does not expose port %d" % (name, port))
        hpa = [h for h in hpas if ((h.get("spec") or {}).get("scaleTargetRef") or {}).get("name") == name
               and h["spec"]["scaleTargetRef"].get("kind") == "Deployment"]
        if not hpa:
            errors.append("Deployment/%s: no HorizontalPodAutoscaler" % name)
        elif hpa[0].get("apiVersion") != "autoscaling/v2":
            errors.append("Deployment/%s: HPA must be autoscaling/v2" % name)
        pdb = [p for p in pdbs if labels_match((p.get("spec") or {}).get("selector"), pod_labels)]
        if not pdb:
            errors.append("Deployment/%s: no PodDisruptionBudget" % name)


def check_job(objs, errors):
    jobs = by_kind(objs, "Job")
    if not jobs:
        errors.append("no migration Job")
        return
    for job in jobs:
        spec = job.get("spec") or {}
        for field in ("backoffLimit", "ttlSecondsAfterFinished"):
            if field not in spec:
                errors.append("%s: %s missing" % (describe(job), field))
        pod = (spec.get("template") or {}).get("spec") or {}
        check_security(job, pod, errors)
        migrated = []
        for c in all_containers(pod):
            if "--migrate-only" not in (c.get("args") or []) + (c.get("command") or []):
                errors.append("%s container %s: must run --migrate-only" % (describe(job), c.get("name")))
            migrated.append(c.get("image", "").rsplit("/", 1)[-1].split(":")[0].split("@")[0])
        want = [s for s in ("oauth", "repository", "indexer", "sync")]
        if sorted(migrated) != sorted(want):
            errors.append("%s: migrates %s, want one container each for %s"
                          % (describe(job), migrated, want))


def secret_values(secret):
    for k, v in (secret.get("stringData") or {}).items():
        yield k, str(v)
    for k, v in (secret.get("data") or {}).items():
        try:
            yield k, base64.b64decode(str(v)).decode("utf-8", "replace")
        except (ValueError, TypeError):
            yield k, str(v)


def check_placeholder_secrets(objs, errors, where):
    """Every Secret value must be the placeholder marker (no real values in git)."""
    for s in by_kind(objs, "Secret"):
        for k, v in secret_values(s):
            if v.strip() != PLACEHOLDER:
                errors.append("%s %s: key %s carries a real-looking value (only %s is allowed)"
                              % (where, describe(s), k, PLACEHOLDER))


def check_references(objs, errors, expect_secrets):
    configmaps = {name_of(o) for o in by_kind(objs, "ConfigMap")}
    secrets = {name_of(o) for o in by_kind(objs, "Secret")}
    for owner, pod, _ in pod_templates(objs):
        for c in all_containers(pod):
            for ef in c.get("envFrom") or []:
                ref = (ef.get("configMapRef") or {}).get("name")
                if ref and ref not in configmaps:
                    errors.append("%s: ConfigMap %s not rendered" % (describe(owner), ref))
            for e in c.get("env") or []:
                ref = ((e.get("valueFrom") or {}).get("secretKeyRef") or {}).get("name")
                if ref and expect_secrets and ref not in secrets:
                    errors.append("%s: Secret %s not rendered" % (describe(owner), ref))


# ------------------------------------------------------- network policies

def port_allowed(rule, port, protocol):
    ports = rule.get("ports")
    if not ports:
        return True
    for p in ports:
        if p.get("protocol", "TCP") != protocol:
            continue
        if "port" not in p:
            return True
        lo, hi = p["port"], p.get("endPort", p["port"])
        if isinstance(lo, int) and lo <= port <= hi:
            return True
    return False


def peer_matches(peers, target):
    """target: {"pod": labels} (same namespace), {"ns": labels} or {"ip": address}."""
    if not peers:
        return True
    for peer in peers:
        if "ipBlock" in peer:
            if "ip" not in target:
                continue
            block = peer["ipBlock"]
            ip = ipaddress.ip_address(target["ip"])
            if ip in ipaddress.ip_network(block["cidr"]) and not any(
                    ip in ipaddress.ip_network(e) for e in block.get("except") or []):
                return True
        elif "namespaceSelector" in peer:
            if "ns" in target and labels_match(peer["namespaceSelector"], target["ns"]):
                pod_sel = peer.get("podSelector")
                if pod_sel is None or pod_sel == {}:
                    return True
        elif "podSelector" in peer:
            if "pod" in target and (peer["podSelector"] == {} or
                                    labels_match(peer["podSelector"], target["pod"])):
                return True
    return False


def selects(policy, labels):
    sel = (policy.get("spec") or {}).get("podSelector")
    return sel == {} or labels_match(sel, labels)


def allowed(policies, direction, pod_labels, target, port, protocol="TCP"):
    """Whether traffic of `direction` ("ingress"/"egress") for a pod is allowed."""
    ptype = direction.capitalize()
    rules_key = direction
    peer_key = "from" if direction == "ingress" else "to"
    isolating = [p for p in policies if selects(p, pod_labels)
                 and ptype in ((p.get("spec") or {}).get("policyTypes") or [])]
    if not isolating:
        return True
    for p in isolating:
        for rule in (p.get("spec") or {}).get(rules_key) or []:
            if port_allowed(rule, port, protocol) and peer_matches(rule.get(peer_key), target):
                return True
    return False


def pg_cidr(policies):
    for p in policies:
        if name_of(p) == "allow-postgres-egress":
            for rule in (p.get("spec") or {}).get("egress") or []:
                for peer in rule.get("to") or []:
                    if "ipBlock" in peer:
                        return peer["ipBlock"]["cidr"]
    return None


def check_network(objs, errors, require_real_pg_cidr):
    policies = by_kind(objs, "NetworkPolicy")
    deny = [p for p in policies
            if (p.get("spec") or {}).get("podSelector") == {}
            and set((p["spec"].get("policyTypes") or [])) == {"Ingress", "Egress"}
            and not p["spec"].get("ingress") and not p["spec"].get("egress")]
    if not deny:
        errors.append("no default-deny NetworkPolicy (podSelector {}, Ingress+Egress, no rules)")
    pods = {}
    for owner, _, labels in pod_templates(objs):
        pods[(owner.get("metadata") or {}).get("labels", {}).get("app.kubernetes.io/name")
             or name_of(owner)] = labels
    pods.setdefault(MIGRATE_APP, {"app.kubernetes.io/name": MIGRATE_APP})
    cidr = pg_cidr(policies)
    if cidr is None:
        errors.append("no allow-postgres-egress policy with an ipBlock")
        pg_ip = "192.0.2.1"
    else:
        net = ipaddress.ip_network(cidr)
        pg_ip = str(next(net.hosts()) if net.num_addresses > 1 else net.network_address)
        if require_real_pg_cidr and net == ipaddress.ip_network("192.0.2.0/24"):
            errors.append("the PostgreSQL CIDR is still the base placeholder 192.0.2.0/24")
    monitoring = {"kubernetes.io/metadata.name": "monitoring"}
    other_ns = {"kubernetes.io/metadata.name": "somewhere-else"}
    for src in SERVICES:
        for dst, (port, _) in SERVICES.items():
            if src == dst:
                continue
            want = dst in CALLS.get(src, set())
            got = (allowed(policies, "egress", pods[src], {"pod": pods[dst]}, port) and
                   allowed(policies, "ingress", pods[dst], {"pod": pods[src]}, port))
            if got != want:
                errors.append("network: %s -> %s:%d is %s, expected %s"
                              % (src, dst, port, "allowed" if got else "denied",
                                 "allowed" if want else "denied"))
    for app, labels in pods.items():
        port, has_db = SERVICES.get(app, (None, app == MIGRATE_APP))
        for proto in ("UDP", "TCP"):
            if not allowed(policies, "egress", labels, {"ip": SAMPLE_CLUSTER_IP}, 53, proto):
                errors.append("network: %s cannot reach DNS (53/%s)" % (app, proto))
        if allowed(policies, "egress", labels, {"ip": pg_ip}, 5432) != has_db:
            errors.append("network: %s %s PostgreSQL %s:5432" %
                          (app, "cannot reach" if has_db else "may reach", pg_ip))
        internet = allowed(policies, "egress", labels, {"ip": SAMPLE_INTERNET_IP}, 443)
        if internet != (app in INTERNET):
            errors.append("network: %s %s the internet on 443" %
                          (app, "cannot reach" if app in INTERNET else "may reach"))
        for p in (80, 443):
            if allowed(policies, "egress", labels, {"ip": SAMPLE_METADATA_IP}, p):
                errors.append("network: %s may reach the cloud metadata endpoint" % app)
        if allowed(policies, "egress", labels, {"ip": SAMPLE_INTERNET_IP}, 80):
            errors.append("network: %s may reach the internet on 80" % app)
        if port is None:
            continue
        outside = allowed(policies, "ingress", labels, {"ip": SAMPLE_INTERNET_IP}, port)
        if outside != (app == "gateway"):
            errors.append("network: %s:%d %s from outside the namespace" %
                          (app, port, "reachable" if outside else "not reachable"))
        if allowed(policies, "ingress", labels, {"ns": other_ns}, METRICS_PORT):
            errors.append("network: %s metrics reachable from any namespace" % app)
        if not allowed(policies, "ingress", labels, {"ns": monitoring}, METRICS_PORT):
            errors.append("network: %s metrics not reachable from namespace monitoring" % app)


def check_overlay(name, objs, errors):
    want = OVERLAYS.get(name)
    if want is None:
        return
    for o in objs:
        if o.get("kind") in CLUSTER_SCOPED:
            continue
        ns = (o.get("metadata") or {}).get("namespace")
        if ns != want["namespace"]:
            errors.append("%s: namespace %r, expected %s" % (describe(o), ns, want["namespace"]))
    for d in by_kind(objs, "Deployment"):
        r = (d.get("spec") or {}).get("replicas", 1)
        if r < want["min_replicas"] or (want["max_replicas"] and r > want["max_replicas"]):
            errors.append("%s overlay Deployment/%s: %d replicas" % (name, name_of(d), r))
    for h in by_kind(objs, "HorizontalPodAutoscaler"):
        if (h.get("spec") or {}).get("minReplicas", 1) < want["min_replicas"]:
            errors.append("%s overlay %s: minReplicas below %d"
                          % (name, describe(h), want["min_replicas"]))
    for p in by_kind(objs, "PodDisruptionBudget"):
        spec = p.get("spec") or {}
        if not (spec.get("minAvailable", 0) == 1 or spec.get("maxUnavailable") == 1):
            errors.append("%s overlay %s: want minAvailable 1 or maxUnavailable 1" % (name, describe(p)))
    for owner, pod, _ in pod_templates(objs):
        for c in all_containers(pod):
            image = c.get("image", "")
            tag = image.rsplit("/", 1)[-1].partition(":")[2]
            if name == "dev" and tag != "dev":
                errors.append("dev overlay %s: image %s is not tagged dev" % (describe(owner), image))
            if name == "prod" and ("@sha256:" not in image and
                                   (not tag or tag in ("latest", "dev") or not tag[0].isdigit())):
                errors.append("prod overlay %s: image %s is not pinned to a release" %
                              (describe(owner), image))
    if name == "prod":
        check_placeholder_secrets(objs, errors, "prod overlay")
    check_references(objs, errors, expect_secrets=(name != "prod"))


def validate(name, objs, schemas):
    errors = schema_errors(objs, schemas)
    objs = [o for o in objs if isinstance(o, dict)]
    if name in ("base", "base-secrets"):
        check_placeholder_secrets(objs, errors, name)
        return errors
    check_deployments(objs, errors)
    check_job(objs, errors)
    check_network(objs, errors, require_real_pg_cidr=True)
    check_overlay(name, objs, errors)
    return errors


# ---------------------------------------------------------------- driver

def render(kubectl, path):
    out = subprocess.run([kubectl, "kustomize", path], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("kubectl kustomize %s failed:\n%s" % (path, out.stderr))
    return [o for o in yaml.safe_load_all(out.stdout) if o is not None]


# What the kustomize of Debian 12's kubectl (1.20) reads; newer fields
# (labels, patches, components, ...) make that kubectl fail, so they are refused.
KUSTOMIZE2_FIELDS = {
    "apiVersion", "kind", "namespace", "namePrefix", "nameSuffix", "commonLabels",
    "commonAnnotations", "resources", "bases", "images", "configMapGenerator",
    "secretGenerator", "generatorOptions", "patchesJson6902", "patchesStrategicMerge",
    "vars", "crds",
}


def check_kustomizations(repo):
    """Errors for kustomization fields Debian 12's kubectl cannot read."""
    errors = []
    for root, _, files in os.walk(os.path.join(repo, "deploy", "k8s")):
        if "kustomization.yaml" not in files:
            continue
        path = os.path.join(root, "kustomization.yaml")
        with open(path) as f:
            doc = yaml.safe_load(f) or {}
        for key in sorted(set(doc) - KUSTOMIZE2_FIELDS):
            errors.append("%s: field %r is unknown to Debian 12's kubectl 1.20"
                          % (os.path.relpath(path, repo), key))
    return errors


def targets(repo):
    k8s = os.path.join(repo, "deploy", "k8s")
    yield "base", os.path.join(k8s, "base")
    # The placeholder Secrets sit apart so that prod can leave them out.
    yield "base-secrets", os.path.join(k8s, "base", "secrets")
    overlays = os.path.join(k8s, "overlays")
    for name in sorted(os.listdir(overlays)):
        if os.path.isfile(os.path.join(overlays, name, "kustomization.yaml")):
            yield name, os.path.join(overlays, name)
    missing = set(OVERLAYS) - set(os.listdir(overlays))
    if missing:
        raise SystemExit("missing overlays: %s" % ", ".join(sorted(missing)))


def self_test(rendered, schemas):
    """Each deliberately broken variant must be rejected with the expected message."""
    prod = rendered["prod"]
    dev = rendered["dev"]
    base_errors = validate("prod", prod, schemas)
    if base_errors:
        print("self-test: the unmodified prod overlay is not clean:\n  " + "\n  ".join(base_errors))
        return False

    def find(objs, kind, name):
        return next(o for o in objs if o.get("kind") == kind and name_of(o) == name)

    def mutate(objs, fn):
        objs = copy.deepcopy(objs)
        fn(objs)
        return objs

    def misspelt(objs):
        d = find(objs, "Deployment", "oauth")
        d["spec"]["replica"] = d["spec"].pop("replicas")

    def unknown_kind(objs):
        objs.append({"apiVersion": "example.com/v1", "kind": "Frobnicator",
                     "metadata": {"name": "x", "namespace": "liveconnect"}})

    def wrong_type(objs):
        find(objs, "Service", "sync")["spec"]["ports"][0]["port"] = "fifty"

    def no_probe(objs):
        del find(objs, "Deployment", "indexer")["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]

    def writable_root(objs):
        c = find(objs, "Deployment", "providers")["spec"]["template"]["spec"]["containers"][0]
        c["securityContext"]["readOnlyRootFilesystem"] = False

    def root_user(objs):
        find(objs, "Deployment", "sync")["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] = False

    def no_limits(objs):
        c = find(objs, "Deployment", "repository")["spec"]["template"]["spec"]["containers"][0]
        del c["resources"]["limits"]

    def no_hpa(objs):
        objs.remove(find(objs, "HorizontalPodAutoscaler", "gateway"))

    def no_pdb(objs):
        objs.remove(find(objs, "PodDisruptionBudget", "oauth"))

    def no_deny(objs):
        objs.remove(find(objs, "NetworkPolicy", "default-deny-all"))

    def extra_path(objs):
        # oauth calling repository is not an expected path.
        np = find(objs, "NetworkPolicy", "oauth")
        np["spec"]["egress"].append({"to": [{"podSelector": {}}]})
        find(objs, "NetworkPolicy", "repository")["spec"]["ingress"].append({"from": [{"podSelector": {}}]})

    def real_secret(objs):
        objs.append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                     "metadata": {"name": "liveconnect-jwt", "namespace": "liveconnect"},
                     "stringData": {"LC_JWT_SECRET": "s3cr3t-production-value-0123456789abcdef"}})

    def latest_image(objs):
        c = find(objs, "Deployment", "gateway")["spec"]["template"]["spec"]["containers"][0]
        c["image"] = c["image"].rsplit(":", 1)[0] + ":latest"

    def one_replica(objs):
        find(objs, "HorizontalPodAutoscaler", "sync")["spec"]["minReplicas"] = 1

    def job_not_migrating(objs):
        job = find(objs, "Job", "liveconnect-migrate")
        job["spec"]["template"]["spec"]["containers"][0]["args"] = []

    cases = [
        ("misspelt field", "prod", misspelt, "Additional properties are not allowed ('replica'"),
        ("unknown kind", "prod", unknown_kind, "no schema frobnicator-example-v1.json"),
        ("wrong type", "prod", wrong_type, "'fifty' is not of type 'integer'"),
        ("missing probe", "prod", no_probe, "needs both livenessProbe and readinessProbe"),
        ("writable root", "prod", writable_root, "readOnlyRootFilesystem must be true"),
        ("root user", "prod", root_user, "runAsNonRoot must be true"),
        ("no limits", "prod", no_limits, "resources.limits.cpu missing"),
        ("no HPA", "prod", no_hpa, "Deployment/gateway: no HorizontalPodAutoscaler"),
        ("no PDB", "prod", no_pdb, "Deployment/oauth: no PodDisruptionBudget"),
        ("no default deny", "prod", no_deny, "no default-deny NetworkPolicy"),
        ("unexpected path", "prod", extra_path, "oauth -> repository:50051 is allowed, expected denied"),
        ("real secret in prod", "prod", real_secret, "carries a real-looking value"),
        ("latest image in prod", "prod", latest_image, "is not pinned to a release"),
        ("prod HPA min 1", "prod", one_replica, "minReplicas below 2"),
        ("job without --migrate-only", "prod", job_not_migrating, "must run --migrate-only"),
    ]
    ok = True
    for label, overlay, fn, expect in cases:
        objs = mutate(prod if overlay == "prod" else dev, fn)
        errors = validate(overlay, objs, schemas)
        hit = any(expect in e for e in errors)
        print("self-test %-28s %s" % (label, "rejected" if hit else "NOT REJECTED"))
        if not hit:
            ok = False
            print("  expected an error containing %r, got:\n    %s" % (expect, "\n    ".join(errors) or "(none)"))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap.add_argument("--schemas", help="schema directory (default: tests/k8s/schemas in the repo)")
    ap.add_argument("--kubectl", default=shutil.which("kubectl") or "/usr/bin/kubectl")
    ap.add_argument("--self-test", action="store_true",
                    help="check that deliberately broken manifests are rejected")
    args = ap.parse_args()
    repo = os.path.abspath(args.repo)
    schemas = Schemas(args.schemas or os.path.join(repo, "tests", "k8s", "schemas"))
    if not os.path.isdir(schemas.directory):
        raise SystemExit("no schema directory %s" % schemas.directory)

    rendered = {name: render(args.kubectl, path) for name, path in targets(repo)}
    if args.self_test:
        ok = self_test(rendered, schemas)
        print("self-test: %s" % ("every broken variant was rejected" if ok else "FAILED"))
        return 0 if ok else 1

    failed = False
    for e in check_kustomizations(repo):
        failed = True
        print("kustomization: %s" % e)
    for name, objs in rendered.items():
        errors = validate(name, objs, schemas)
        kinds = {}
        for o in objs:
            kinds[o.get("kind")] = kinds.get(o.get("kind"), 0) + 1
        summary = ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items()))
        if errors:
            failed = True
            print("%s: %d error(s)\n  %s" % (name, len(errors), "\n  ".join(errors)))
        else:
            print("%s: ok (%s)" % (name, summary))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
