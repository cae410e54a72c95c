#!/usr/bin/env bash
# The test command: installs what the tests need (moto and friends, into a venv outside
# the repository, see scripts/tools.sh), then runs every test of the workspace. The
# end-to-end tests start their own moto servers and run the compiled Lambda binary under
# a Lambda Runtime API of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/tools.sh
export SAM_CLI_BIN="${SAM_CLI_BIN:-${BOOXI_CI_CACHE:-$HOME/.cache/booxi-notify}/venv/bin/sam}"
export SAM_CLI_TELEMETRY=0
export BOOXI_MOTO_SERVER="${BOOXI_MOTO_SERVER:-${BOOXI_CI_CACHE:-$HOME/.cache/booxi-notify}/venv/bin/moto_server}"
exec cargo test --workspace "$@"
