#!/usr/bin/python3
"""meson-test-field.py TESTS_JSON NAME cmd|env

Prints, one per line, the command words or the NAME=VALUE environment of the test
NAME in the output of `meson introspect --tests` (saved as TESTS_JSON), so that a
shell script can run a project test as meson would, with one variable changed.
Exits 1 if there is no such test.
"""
import json
import sys

tests_json, name, field = sys.argv[1:4]
with open(tests_json, encoding="utf-8") as f:
    matches = [t for t in json.load(f) if t["name"] == name]
if not matches:
    sys.exit(1)
if field == "cmd":
    print("\n".join(matches[0]["cmd"]))
else:
    print("\n".join(f"{k}={v}" for k, v in matches[0]["env"].items()))
