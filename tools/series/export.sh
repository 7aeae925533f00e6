#!/bin/bash
# export.sh qemu|libvirt [DIR]
# Writes the commits of the work tree DIR since vcpuhp-base back into the
# component's patches/ directory (git format-patch, numbered) and its series file.
set -euo pipefail
here=$(dirname "$0")
. "$here/../lib/common.sh"
. "$here/component.sh"
src=$work
git -C "$src" rev-parse -q --verify vcpuhp-base >/dev/null \
    || die "$src is not a work tree made by worktree.sh (no vcpuhp-base tag)"
[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ] \
    || die "$src has uncommitted changes: commit them first"

rm -f "$comp"/patches/*.patch
# --zero-commit and no signature keep the files stable across re-exports.
git -C "$src" format-patch -q --zero-commit --no-signature --numbered \
    -o "$comp/patches" vcpuhp-base..HEAD
(cd "$comp/patches" && ls -1 -- *.patch 2>/dev/null || true) > "$comp/patches/series"
log "exported $(wc -l < "$comp/patches/series") patches to ${comp#$VCPUHP_ROOT/}/patches"
