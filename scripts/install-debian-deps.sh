#!/usr/bin/env bash
# Debian packages the browser tests need: chromium, driven headless by playwright-core
# (test/e2e/dashboard.test.ts). Idempotent: does nothing when chromium is installed.
# Run as root (CI and the dev machines are root); elsewhere prefix with sudo.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "install-debian-deps: chromium already installed ($(command -v chromium))"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-debian-deps: apt-get not found; install chromium with your package manager" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium
