#!/bin/bash
# check-pot.sh SOURCE_ROOT POT XGETTEXT_ARG...
# Regenerates the POT from po/POTFILES with the same xgettext arguments as the
# vcpuhp-pot target and fails when the checked-in POT differs in its messages
# (the header, with its dates, is left out of the comparison). Also fails when a
# source file marks messages with _() but is missing from POTFILES.
set -euo pipefail
root=$1 pot=$2; shift 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$root" && xgettext --package-name=vcpuhp -f po/POTFILES -o "$tmp/new.pot" "$@")
body() { msgcat --no-location --sort-output "$1" | sed '1,/^$/d'; }
[ -e "$pot" ] || { echo "not ok: $pot is missing: run meson compile vcpuhp-pot"; exit 1; }
if ! diff -u <(body "$pot") <(body "$tmp/new.pot"); then
    echo "not ok: $pot is stale: run meson compile vcpuhp-pot and commit it"
    exit 1
fi
missing=$(cd "$root" && grep -l '_("' $(git ls-files 'src/*.c' 'tools/vcpuhp/*.c' 2>/dev/null) \
    | grep -vxF -f po/POTFILES || true)
if [ -n "$missing" ]; then
    echo "not ok: files with translatable messages missing from po/POTFILES: $missing"
    exit 1
fi
echo "ok: $pot is up to date"
