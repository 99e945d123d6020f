#!/usr/bin/env bash
# Installs Prometheus and promtool from Debian's `prometheus` package, once (idempotent).
# Why a script: the Prometheus integration test and `promtool check rules` need the real server,
# and CI machines start fresh, so the project installs it itself (root on Debian, as CI runs).
# The package's service is NOT started: the tests run their own server on a free loopback port.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "deploy/prometheus/install.sh: no apt-get here; install prometheus + promtool yourself" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null 2>&1 || { echo "need root or sudo to apt-get install prometheus" >&2; exit 1; }
    SUDO="sudo"
fi

# Keep the package's init scripts from starting a system-wide server on :9090 (no systemd in
# containers; invoke-rc.d honours policy-rc.d). Only a policy file this script created is removed.
POLICY=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 755 "$POLICY"
    created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then $SUDO rm -f "$POLICY"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are missing or cannot resolve the package.
if ! apt-cache show prometheus >/dev/null 2>&1; then
    $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
prometheus --version 2>&1 | head -1
