"""ops/k8s: structure and cross-references (PyYAML), Kubernetes schemas (kubernetes-validate,
strict), the KEDA objects against a schema written for them and against models generated from
KEDA's CRDs (cloudcoil-models-keda), kustomize and yamllint, each where installed."""

from __future__ import annotations

import copy
import importlib
import json
from typing import Any

import jsonschema
import pytest

from fimrl.config import Settings
from tests.ops.tools import K8S, OPS, executable, load_all, load_yaml, run

SECRET_TEMPLATE = "secret.example.yaml"
KEDA_KINDS = {"ScaledObject", "TriggerAuthentication"}


def _manifests() -> dict[str, list[dict[str, Any]]]:
    return {
        p.name: load_all(p) for p in sorted(K8S.glob("*.yaml")) if p.name != "kustomization.yaml"
    }


MANIFESTS = _manifests()
DOCS = [doc for docs in MANIFESTS.values() for doc in docs]


def _one(kind: str, name: str) -> dict[str, Any]:
    found = [d for d in DOCS if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    spec = deployment["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    kustomization = load_yaml(K8S / "kustomization.yaml")
    listed = set(kustomization["resources"])
    assert listed == set(MANIFESTS) - {SECRET_TEMPLATE}
    assert kustomization["namespace"] == "fimrl"
    for doc in DOCS:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "fimrl", doc["metadata"]["name"]


def test_secret_is_a_template_with_placeholders() -> None:
    secret = _one("Secret", "fimrl-secrets")
    data = secret["stringData"]
    assert "data" not in secret  # nothing base64-encoded that could hide a real value
    assert {"FIMRL_DATABASE_URL", "FIMRL_BROKER_URL"} <= set(data)
    for key in ("FIMRL_DATABASE_URL", "FIMRL_BROKER_URL", "KEDA_REDIS_PASSWORD"):
        assert "REPLACE_ME" in data[key], key
    assert "k8s/secret.yaml" in (OPS / ".gitignore").read_text().split()


def test_configmap_holds_only_non_secret_settings() -> None:
    data = _one("ConfigMap", "fimrl-config")["data"]
    fields = set(Settings.model_fields)
    for key, value in data.items():
        assert key.startswith("FIMRL_") and key.removeprefix("FIMRL_").lower() in fields, key
        assert isinstance(value, str), key  # ConfigMap values must be strings
    assert not {"FIMRL_DATABASE_URL", "FIMRL_BROKER_URL"} & set(data)


def test_every_container_gets_config_and_secret() -> None:
    for doc in DOCS:
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, doc["metadata"]["name"]
        claims = {
            v["persistentVolumeClaim"]["claimName"]
            for v in pod.get("volumes", [])
            if "persistentVolumeClaim" in v
        }
        for claim in claims:
            _one("PersistentVolumeClaim", claim)
        for container in _containers(doc):
            refs = {
                (k, v["name"]) for e in container["envFrom"] for k, v in e.items() if "Ref" in k
            }
            assert refs == {("configMapRef", "fimrl-config"), ("secretRef", "fimrl-secrets")}
            assert container["resources"]["requests"]["memory"], container["name"]
            assert container["resources"]["limits"]["memory"], container["name"]


def test_worker_deployment() -> None:
    worker = _one("Deployment", "fimrl-worker")
    (container,) = _containers(worker)
    assert container["args"][:2] == ["workers", "start"]
    assert "%h" in container["args"][-1]
    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= 300
    for probe in ("readinessProbe", "livenessProbe"):
        assert "inspect ping" in " ".join(container[probe]["exec"]["command"]), probe
    text = (K8S / "worker.yaml").read_text()
    assert "Mathlib" in text and "FIMRL_LEAN_MEMORY_MB" in text  # sizing is documented


def test_trainer_and_learner_are_single() -> None:
    for name in ("fimrl-trainer", "fimrl-learner"):
        deployment = _one("Deployment", name)
        assert deployment["spec"]["replicas"] == 1, name
        assert deployment["spec"]["strategy"]["type"] == "Recreate", name
    (learner,) = _containers(_one("Deployment", "fimrl-learner"))
    assert learner["args"] == ["learner", "start"]
    text = (K8S / "learner.yaml").read_text()
    assert "# nvidia.com/gpu: 1" in text and "accelerate" in text


def test_monitoring_services() -> None:
    for name, port in (("fimrl-metrics", 9108), ("fimrl-flower", 5555)):
        service = _one("Service", name)
        assert service["spec"]["ports"][0]["port"] == port
        assert service["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
        _one("Deployment", name)


def test_keda_scales_the_worker_on_the_verify_list() -> None:
    scaled = _one("ScaledObject", "fimrl-worker")
    spec = scaled["spec"]
    assert spec["scaleTargetRef"]["name"] == "fimrl-worker"
    _one("Deployment", spec["scaleTargetRef"]["name"])
    assert 1 <= spec["minReplicaCount"] < spec["maxReplicaCount"]
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "redis"
    meta = trigger["metadata"]
    queue = _one("ConfigMap", "fimrl-config")["data"]["FIMRL_QUEUE_NAME"]
    assert meta["listName"] == queue
    assert int(meta["listLength"]) > 0
    auth = _one("TriggerAuthentication", trigger["authenticationRef"]["name"])
    secret = _one("Secret", "fimrl-secrets")
    params = set()
    for ref in auth["spec"]["secretTargetRef"]:
        assert ref["name"] == secret["metadata"]["name"]
        assert ref["key"] in secret["stringData"], ref["key"]
        params.add(ref["parameter"])
    assert "address" in params or {"host", "port"} <= params


def test_keda_objects_match_the_schema() -> None:
    for doc in DOCS:
        if doc["kind"] not in KEDA_KINDS:
            continue
        name = (
            "keda-scaledobject" if doc["kind"] == "ScaledObject" else "keda-triggerauthentication"
        )
        schema = json.loads((K8S / "schemas" / f"{name}.schema.json").read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    # The schema bites: a misspelt trigger field and a misspelt spec field are errors.
    schema = json.loads((K8S / "schemas" / "keda-scaledobject.schema.json").read_text())
    for mutate in (
        lambda d: d["spec"]["triggers"][0]["metadata"].update(listNam="verify"),
        lambda d: d["spec"].update(minReplicaCounts=1),
        lambda d: d["spec"]["triggers"][0]["metadata"].update(listLength=16),
    ):
        bad = copy.deepcopy(_one("ScaledObject", "fimrl-worker"))
        mutate(bad)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema, cls=jsonschema.Draft202012Validator)


def test_keda_objects_match_models_generated_from_the_crds() -> None:
    """cloudcoil-models-keda: pydantic models generated from KEDA's own CRDs. They ignore
    unknown fields, so a round trip must give back the document unchanged."""
    keda = importlib.import_module("cloudcoil.models.keda.v1alpha1")
    for doc in DOCS:
        if doc["kind"] not in KEDA_KINDS:
            continue
        model = getattr(keda, doc["kind"]).model_validate(doc)
        back = model.model_dump(by_alias=True, exclude_unset=True, mode="json")
        assert back == doc, doc["kind"]


def test_kubernetes_schemas_strict() -> None:
    import kubernetes_validate as kv

    checked = 0
    for docs in MANIFESTS.values():
        for doc in docs:
            if doc["kind"] in KEDA_KINDS:
                continue
            for version in ("1.29.0", kv.latest_version()):
                kv.validate(doc, version, strict=True)
            checked += 1
    assert checked >= 12


def test_kustomize_builds() -> None:
    kubectl = executable("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    result = run([kubectl, "kustomize", str(K8S)])
    assert result.returncode == 0, result.stderr
    import yaml

    kinds = sorted(d["kind"] for d in yaml.safe_load_all(result.stdout) if d)
    expected = sorted(
        d["kind"] for f, docs in MANIFESTS.items() if f != SECRET_TEMPLATE for d in docs
    )
    assert kinds == expected


def test_yamllint() -> None:
    linter = executable("yamllint")
    assert linter is not None, "yamllint (a dev dependency) is not installed"
    result = run([linter, "-f", "parsable", "-c", str(OPS / ".yamllint.yaml"), str(OPS)])
    assert result.returncode == 0, result.stdout + result.stderr
