#!/usr/bin/env bash
# The test command: installs what the tests need (moto, into a venv outside
# the repository, see scripts/tools.sh), then runs every test of the workspace. The
# end-to-end tests start their own moto servers and run the compiled Lambda binary under
# a Lambda Runtime API of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/tools.sh test
# One test compares events/ with what `sam local generate-event` prints: it runs where the
# deploy tools are installed (`scripts/tools.sh deploy`, as CI does) and says it skipped
# otherwise. The SAM CLI is found in the same venv, or through $SAM_CLI_BIN or PATH.
export SAM_CLI_TELEMETRY=0
export BOOXI_MOTO_SERVER="${BOOXI_MOTO_SERVER:-${BOOXI_CI_CACHE:-$HOME/.cache/booxi-notify}/venv/bin/moto_server}"
cargo test --workspace "$@"
# The command's cargo feature `aws` (history and suppression remove on the deployed
# table): its test against moto, with the feature on (the workspace run builds without it).
exec cargo test -p booxi-notify-cli --features aws --test history_aws "$@"
