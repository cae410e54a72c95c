#!/usr/bin/env bash
# Installs the Python-side tools into a venv outside the repository (default
# ~/.cache/booxi-notify/venv): moto (AWS emulator), cfn-lint, AWS SAM CLI, cargo-lambda;
# and Chromium from the OS packages (apt-get) when it is not on PATH.
# Re-running is cheap: it only installs what is missing.
set -euo pipefail
CACHE="${BOOXI_CI_CACHE:-$HOME/.cache/booxi-notify}"
VENV="$CACHE/venv"
mkdir -p "$CACHE"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
fi
need=()
[ -x "$VENV/bin/moto_server" ] || need+=("moto[server]")
[ -x "$VENV/bin/cfn-lint" ] || need+=("cfn-lint")
[ -x "$VENV/bin/sam" ] || need+=("aws-sam-cli")
[ -x "$VENV/bin/cargo-lambda" ] || need+=("cargo-lambda")
if [ ${#need[@]} -gt 0 ]; then
  "$VENV/bin/pip" install --quiet "${need[@]}"
fi
# Headless Chromium, for the browser test of the emails (shared/tests/browser.rs).
if [ -z "${BOOXI_CHROMIUM:-}" ] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
echo "tools ready in $VENV"
