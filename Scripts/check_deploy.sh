#!/usr/bin/env bash
# `make check-deploy` (part of `make test`): the deployment files checked by the real tools —
# hadolint on Deploy/Dockerfile, docker-compose's own `config` on docker-compose.yml, promtool on
# the Prometheus configuration, the alerting rules and their unit tests and every query of the
# Grafana dashboard, and kubernetes-validate (strict, the Kubernetes 1.37 schemas) on every
# manifest of the kustomize base. (kustomize itself is not installable here — neither Debian 12
# nor PyPI has it — so the overlays are not rendered; see Deploy/kubernetes/README.md.)
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

echo "check-deploy: kubernetes-validate"
resources=$(find Deploy/kubernetes/base -name '*.yaml' ! -name kustomization.yaml ! -name '*scaledobject*' | sort)
# shellcheck disable=SC2086
kubernetes-validate --strict --quiet $resources
echo "check-deploy: $(echo "$resources" | wc -l) manifests valid"
