#!/usr/bin/python3
"""Prints the closing line of a test run from meson's testlog.json:
"vcpuhp: N passed, N failed, N skipped", and the names of the failed tests."""
import json
import sys

passed, failed, skipped = 0, [], 0
with open(sys.argv[1]) as log:
    for line in log:
        result = json.loads(line)["result"]
        name = json.loads(line)["name"]
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed.append(f"{name} ({result})")
for name in failed:
    print(f"vcpuhp: FAILED {name}")
print(f"vcpuhp: {passed} passed, {len(failed)} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
