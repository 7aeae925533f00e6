#!/bin/bash
# The patch-series workflow round trip on the libvirt component, in a scratch copy
# of the project's scripts: worktree.sh materialises upstream + series as commits,
# a new commit is exported by export.sh into patches/ and series, a second work tree
# applies it again, and the build key changes with the series. TAP output.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
check() {  # check DESCRIPTION COMMAND...
    local what=$1; shift
    n=$((n + 1))
    if "$@" >"$tmp/out" 2>&1; then echo "ok $n - $what"
    else failed=1; echo "not ok $n - $what"; sed 's/^/# /' "$tmp/out"; fi
}

# A scratch project: the scripts and the libvirt component, its series emptied.
proj="$tmp/proj"
mkdir -p "$proj/src"
cp -r "$root/tools" "$proj/tools"
cp -r "$root/src/hotplug_driver" "$proj/src/hotplug_driver"
rm -f "$proj"/src/hotplug_driver/patches/*.patch
: > "$proj/src/hotplug_driver/patches/series"
export VCPUHP_WORK="$tmp/work"
key_before=$("$proj/tools/upstream/series-key.sh" "$proj/src/hotplug_driver")

check "worktree.sh materialises the pinned upstream" \
    "$proj/tools/series/worktree.sh" libvirt
wt="$tmp/work/libvirt"
check "the work tree is on branch vcpuhp at vcpuhp-base" \
    test "$(git -C "$wt" rev-parse HEAD)" = "$(git -C "$wt" rev-parse vcpuhp-base)" -a \
         "$(git -C "$wt" symbolic-ref --short HEAD)" = vcpuhp
check "a second worktree.sh into the same place is refused" \
    bash -c "! '$proj/tools/series/worktree.sh' libvirt 2>/dev/null"

echo "vcpuhp round trip" >> "$wt/README.rst"
git -C "$wt" -c user.name=t -c user.email=t@localhost commit -q -am "docs: test round trip" \
    -m "A body that says why."
check "export.sh refuses a dirty tree" bash -c "echo x >> '$wt/README.rst' && ! '$proj/tools/series/export.sh' libvirt 2>/dev/null"
git -C "$wt" checkout -q README.rst
check "export.sh exports a clean tree" "$proj/tools/series/export.sh" libvirt
check "export.sh writes the commit as a numbered patch" \
    test -f "$proj/src/hotplug_driver/patches/0001-docs-test-round-trip.patch"
check "the series file lists it" \
    test "$(cat "$proj/src/hotplug_driver/patches/series")" = 0001-docs-test-round-trip.patch
patch1="$proj/src/hotplug_driver/patches/0001-docs-test-round-trip.patch"
check "the exported patch has the subject" grep -qx "Subject: \[PATCH 1/1\] docs: test round trip" "$patch1"
check "the exported patch has the body" grep -qx "A body that says why." "$patch1"
check "the build key changes with the series" \
    test "$("$proj/tools/upstream/series-key.sh" "$proj/src/hotplug_driver")" != "$key_before"
check "a new work tree applies the exported series as commits" \
    "$proj/tools/series/worktree.sh" libvirt "$tmp/wt2"
check "... with the same subject on top of vcpuhp-base" \
    test "$(git -C "$tmp/wt2" log -1 --format=%s)" = "docs: test round trip" -a \
         "$(git -C "$tmp/wt2" rev-list --count vcpuhp-base..HEAD)" = 1
check "... and the same content" \
    test "$(git -C "$tmp/wt2" diff vcpuhp-base HEAD | sha256sum)" = "$(git -C "$wt" diff vcpuhp-base HEAD | sha256sum)"
check "re-exporting an unchanged tree gives identical files" \
    bash -c "cp '$proj/src/hotplug_driver/patches/0001-docs-test-round-trip.patch' '$tmp/before' && '$proj/tools/series/export.sh' libvirt 2>/dev/null && cmp '$tmp/before' '$proj/src/hotplug_driver/patches/0001-docs-test-round-trip.patch'"
printf 'From: x\nSubject: [PATCH] broken\n\n---\n a | 1 +\n--- a/nonexistent\n+++ b/nonexistent\n@@ -1 +1 @@\n-x\n+y\n' \
    > "$proj/src/hotplug_driver/patches/0002-broken.patch"
echo 0002-broken.patch >> "$proj/src/hotplug_driver/patches/series"
check "a patch that does not apply is named in a one-line error" \
    bash -c "'$proj/tools/series/worktree.sh' libvirt '$tmp/wt3' 2>&1 | tail -n1 | grep -q 'error: patch 0002-broken.patch'"

echo "1..$n"
exit $failed
