#!/usr/bin/env python3
"""The per-event instruction guard (run by CI): parse + plan + render of one sample event
must not cost more than 10 % above the count kept in bench/instructions.txt.

It runs `pipeline-iter` (bench/src/bin/pipeline-iter.rs, built with the bench profile:
`cargo build --profile bench -p booxi-notify-bench --bin pipeline-iter`) under
`valgrind --tool=callgrind`, as bench/run.sh does: once with no event after the warm-up
(the baseline), once with 10, and divides the difference by 10. Instruction counts do not
move with the machine's load, so the guard can be strict where a timing could not be.

Usage:
  scripts/check-instructions.py            compare with bench/instructions.txt
  scripts/check-instructions.py --update   write the measured counts there (after a
                                           change that is meant to cost more, or less)
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEPT = ROOT / "bench" / "instructions.txt"
TOLERANCE = 1.10
EVENTS = 10


def binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    path = target / "release" / "pipeline-iter"
    if not path.exists():
        sys.exit(
            f"check-instructions: {path} is missing: build it with "
            "`cargo build --profile bench -p booxi-notify-bench --bin pipeline-iter`"
        )
    return path


def instructions(iter_bin: Path, event: str, n: int, work: Path) -> int:
    out = work / f"{event}-{n}.out"
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--quiet", f"--callgrind-out-file={out}", str(iter_bin), event, str(n)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for line in out.read_text().splitlines():
        m = re.match(r"(?:totals|summary):\s*(\d+)", line)
        if m:
            return int(m.group(1))
    sys.exit(f"check-instructions: no totals in {out}")


def kept() -> dict:
    counts = {}
    for line in KEPT.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            event, number = line.split()
            counts[event] = int(number)
    return counts


def main() -> int:
    if subprocess.run(["valgrind", "--version"], capture_output=True).returncode != 0:
        sys.exit("check-instructions: valgrind is needed (apt-get install valgrind)")
    iter_bin = binary()
    wanted = kept()
    measured = {}
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        for event in wanted:
            # The baseline includes process start, templates and the warm-up event.
            baseline = instructions(iter_bin, event, 0, work)
            measured[event] = (instructions(iter_bin, event, EVENTS, work) - baseline) // EVENTS
    if "--update" in sys.argv[1:]:
        text = KEPT.read_text()
        for event, count in measured.items():
            text = re.sub(rf"^{re.escape(event)}\s+\d+", f"{event} {count}", text, flags=re.M)
        KEPT.write_text(text)
        for event, count in measured.items():
            print(f"{event}: {count:,} instructions per event (kept)")
        return 0
    failed = False
    for event, count in measured.items():
        limit = int(wanted[event] * TOLERANCE)
        verdict = "ok" if count <= limit else "OVER"
        print(f"{event}: {count:,} instructions per event; kept {wanted[event]:,}, limit {limit:,}: {verdict}")
        failed |= count > limit
    if failed:
        print(
            "\nparse + plan + render costs more than 10 % above bench/instructions.txt: find the cause "
            "(callgrind_annotate on the outputs of bench/run.sh), or, if the cost is meant, "
            "run scripts/check-instructions.py --update and commit the new count with the reason."
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
