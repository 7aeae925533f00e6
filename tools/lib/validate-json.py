#!/usr/bin/python3
"""validate-json.py SCHEMA [FILE]: validates the JSON document FILE (stdin when
absent) against the JSON Schema SCHEMA with Debian's python3-jsonschema; prints
each violation and exits 1 if there is any, 2 if the document is not JSON."""
import json
import sys

import jsonschema


def main():
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    text = open(sys.argv[2]).read() if len(sys.argv) > 2 else sys.stdin.read()
    try:
        doc = json.loads(text)
    except ValueError as e:
        print(f"not JSON: {e}", file=sys.stderr)
        return 2
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        print(f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
