#!/usr/bin/env bash
# The benchmark suite, in one command, from anywhere:   bench/run.sh
#
# Builds what it needs (release x86_64 `webhook`, `reference-lambda`, `bare-lambda`, `bench-suite`,
# `pipeline-iter`; the arm64 bootstraps through cargo-lambda), runs the criterion benches,
# then `bench-suite`, which starts moto and the functions, measures, and rewrites the
# generated part of BENCHMARKS.md. Takes ~25 min from cold on 2 cores (two release
# builds of the AWS SDK), ~8 min when the builds are up to date.
#
# Needs the tools of scripts/tools.sh (moto_server, cargo-lambda in
# ~/.cache/booxi-notify/venv), `zip`, and valgrind (installed here when missing and root).
# Settings: see the top of bench/src/bin/bench-suite/main.rs (BENCH_STARTS, BENCH_INVOCATIONS…);
# BENCH_SKIP_ARM64=1 skips the arm64 builds (sizes then read "not built").
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cache="${BOOXI_CI_CACHE:-$HOME/.cache/booxi-notify}"
venv="$cache/venv"

if [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/cargo-lambda" ]; then
    echo "bench/run.sh: moto_server and cargo-lambda are needed in $venv: run scripts/tools.sh all" >&2
    exit 1
fi
if ! command -v valgrind >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y valgrind || { apt-get update && apt-get install -y valgrind; }
    else
        echo "bench/run.sh: valgrind missing: instruction counts are skipped" >&2
        export BENCH_CALLGRIND=0
    fi
fi
command -v zip >/dev/null || { echo "bench/run.sh: zip is needed (apt-get install zip)" >&2; exit 1; }

echo "== 1/4 release build: webhook, reference-lambda (twice: release profile, and --profile fast), bare-lambda, bench-suite, pipeline-iter"
# Three builds: the function alone (as cargo lambda builds it), the hand-written reference
# alone (the same SDK crates and features), then the bench binaries, whose test kit would
# otherwise add features to the crates the functions share.
cargo build --release -p webhook
cargo build --release -p booxi-notify-reference
# The reference once more, built the way a developer building for speed would
# (opt-level 3, thin LTO, one codegen unit: the workspace's `fast` profile), into
# target/fast/: the headline reference (BENCHMARKS.md says why).
cargo build --profile fast -p booxi-notify-reference
cargo build --release -p booxi-notify-bench

echo "== 2/4 criterion: per-event CPU (bench/benches/pipeline.rs)"
cargo bench -p booxi-notify-bench --bench pipeline

arm="$CARGO_TARGET_DIR/bench/arm64"
rm -rf "$arm"
mkdir -p "$arm"
if [ "${BENCH_SKIP_ARM64:-0}" != 1 ]; then
    echo "== 3/4 arm64 bootstraps (cargo lambda build --release --arm64) and their zips"
    for spec in "webhook:-p webhook" "reference-lambda:-p booxi-notify-reference" \
        "bare-lambda:-p booxi-notify-bench --bin bare-lambda"; do
        name="${spec%%:*}"
        # shellcheck disable=SC2086 # the package arguments are meant to split
        PATH="$venv/bin:$PATH" cargo lambda build --release --arm64 ${spec#*:}
        mkdir -p "$arm/$name"
        cp "$CARGO_TARGET_DIR/lambda/$name/bootstrap" "$arm/$name/bootstrap"
        (cd "$arm/$name" && zip -q -9 "../$name.zip" bootstrap)
    done
else
    echo "== 3/4 arm64 builds skipped (BENCH_SKIP_ARM64=1)"
fi

echo "== 4/4 the suite: init, latency, fan-out, callgrind, memory, sizes"
BENCH_ARM64_DIR="$arm" "$CARGO_TARGET_DIR/release/bench-suite"

echo "== bursts: direct and queued mode under a throttled SES (its own section of BENCHMARKS.md)"
"$CARGO_TARGET_DIR/release/burst"
