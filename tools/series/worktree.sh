#!/bin/bash
# worktree.sh qemu|libvirt [DIR]
# Materialises a git work tree of the pinned upstream with the component's series
# applied as commits (git am), for development. The base is tagged vcpuhp-base;
# edit, commit (one logical change per commit), then run export.sh.
# DIR defaults to $VCPUHP_WORK/<component> ($VCPUHP_WORK: ~/vcpuhp-work).
set -euo pipefail
here=$(dirname "$0")
. "$here/../lib/common.sh"
. "$here/component.sh"

"$here/../upstream/materialize.sh" "$comp" "$work"
git -C "$work" checkout -q -b vcpuhp
log "work tree ready: $work ($(git -C "$work" rev-list --count vcpuhp-base..HEAD) patches applied on vcpuhp-base)"
echo "$work"
