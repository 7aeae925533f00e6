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

[ $# -ge 1 ] || die "usage: $0 qemu|libvirt [DIR]"
comp=$(component_dir "$1")
dest=${2:-${VCPUHP_WORK:-$HOME/vcpuhp-work}/$1}
"$here/../upstream/materialize.sh" "$comp" "$dest"
git -C "$dest" checkout -q -b vcpuhp
log "work tree ready: $dest ($(git -C "$dest" rev-list --count vcpuhp-base..HEAD) patches applied on vcpuhp-base)"
echo "$dest"
