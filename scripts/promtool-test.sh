#!/usr/bin/env bash
# Checks and unit-tests the alert rules in deploy/prometheus with promtool:
#   promtool check rules deploy/prometheus/alerts.yaml
#   promtool test rules  deploy/prometheus/alerts_test.yaml
# promtool comes with Debian's prometheus package (apt-get install
# prometheus), installed here when missing. A promtool that still is missing fails, as a missing test server does.
# scripts/test.sh runs this; the PromQL in the rules and the dashboard is
# also parsed, and checked against what serve exports, by
# TestDeployQueriesNameServeMetrics in serve/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../deploy/prometheus"
# A fresh machine installs it (the project's files install what it needs).
if ! command -v promtool >/dev/null 2>&1 && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "promtool-test: installing Debian's prometheus package for promtool" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus >/dev/null 2>&1 || true
fi
if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool-test: promtool not found; install it with: apt-get install prometheus (Debian), or put Prometheus's promtool on PATH" >&2
  exit 1
fi
promtool check rules alerts.yaml
promtool test rules alerts_test.yaml
