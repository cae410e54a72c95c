#!/usr/bin/env bash
# Copies the phone-number metadata of the rlibphonenumber version in Cargo.lock into
# shared/data/phone-metadata.bin (see shared/src/domain/phone_metadata.rs): run it after
# `cargo update -p rlibphonenumber`, then `cargo test -p booxi-notify-shared --lib contact`
# (a test reads every region's example numbers with the copy and with the crate).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
manifest="$(cargo metadata --format-version 1 | python3 -c '
import json, sys
packages = json.load(sys.stdin)["packages"]
print(next(p["manifest_path"] for p in packages if p["name"] == "rlibphonenumber"))')"
source="$(dirname "$manifest")/src/generated/metadata/metadata.bin"
cp "$source" shared/data/phone-metadata.bin
echo "copied $source"
