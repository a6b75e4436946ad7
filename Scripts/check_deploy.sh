#!/usr/bin/env bash
# `make check-deploy` (part of `make test`): the deployment files checked by the real tools —
# hadolint on Deploy/Dockerfile, docker-compose's own `config` on docker-compose.yml, promtool on
# the Prometheus configuration, the alerting rules and their unit tests and every query of the
# Grafana dashboard, and kubernetes-validate (strict, the Kubernetes 1.37 schemas) on the base and
# both overlays as kustomize renders them (`kubectl kustomize`). KEDA's ScaledObject has no schema
# in kubernetes-validate and is left out of that check (see Deploy/kubernetes/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
# pip's console scripts (kubernetes-validate, hadolint) wherever this Python puts them.
PATH="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$PATH"
work=$(mktemp -d /tmp/skillstream-check-deploy.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "check-deploy: hadolint Deploy/Dockerfile"
hadolint --config Deploy/.hadolint.yaml Deploy/Dockerfile

echo "check-deploy: docker-compose config"
docker-compose -f docker-compose.yml config --quiet

echo "check-deploy: promtool"
promtool check config Deploy/prometheus/prometheus.yml
promtool test rules Deploy/prometheus/rules-test.yml
# Every dashboard query as a recording rule, so that promtool parses it.
python3 - "$work/dashboard-queries.yml" <<'PY'
import json, sys
dashboard = json.load(open("Deploy/prometheus/grafana-dashboard.json"))
rules = [f'      - record: dashboard:panel{panel["id"]}:{target["refId"]}\n        expr: {json.dumps(target["expr"])}'
         for panel in dashboard["panels"] for target in panel["targets"]]
open(sys.argv[1], "w").write("groups:\n  - name: dashboard\n    rules:\n" + "\n".join(rules) + "\n")
print(f"check-deploy: {len(rules)} dashboard queries")
PY
promtool check rules "$work/dashboard-queries.yml"

echo "check-deploy: kubectl kustomize, kubernetes-validate"
# kustomize v4 or newer (kubectl 1.21+): the overlays use `patches` and `labels`. Neither Debian 12
# (its kubernetes-client carries v2.0.3) nor PyPI has one; these machines come with kubectl 1.32.
version=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p' || true)
if [ -z "$version" ] || [ "$version" -lt 4 ]; then
    echo "check-deploy: WARNING: no kubectl with kustomize v4 or newer here (found: ${version:-none}): the overlays are NOT" \
        "rendered or checked; only the base's manifests are validated one by one. Install kubectl from the Kubernetes apt repository to check them." >&2
    resources=$(find Deploy/kubernetes/base -name '*.yaml' ! -name kustomization.yaml ! -name '*scaledobject*' | sort)
    # shellcheck disable=SC2086
    kubernetes-validate --strict --quiet $resources
    echo "check-deploy: $(echo "$resources" | wc -l) base manifests valid (overlays not rendered)"
    exit 0
fi
kubectl version --client 2>/dev/null | sed 's/^/check-deploy: /'
for target in base overlays/dev overlays/production; do
    rendered="$work/${target//\//-}"
    mkdir -p "$rendered"
    kubectl kustomize "Deploy/kubernetes/$target" >"$rendered.yaml"
    # One file per resource, named for it, without the CRD-defined kinds kubernetes-validate cannot know.
    python3 - "$rendered.yaml" "$rendered" <<'PY'
import sys, yaml
documents = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kept = [d for d in documents if d["apiVersion"].split("/")[0] != "keda.sh"]
for d in kept:
    yaml.safe_dump(d, open(f"{sys.argv[2]}/{d['kind']}-{d['metadata']['name']}.yaml", "w"))
print(f"check-deploy: {sys.argv[1].rsplit('/', 1)[1]}: {len(documents)} resources rendered, {len(kept)} to validate")
PY
    kubernetes-validate --strict --quiet "$rendered"/*.yaml
done
echo "check-deploy: the base and both overlays are valid"
