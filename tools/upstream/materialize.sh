#!/bin/bash
# materialize.sh COMPONENT_DIR DEST
# Unpacks the verified pinned upstream into DEST as a git repository:
#   commit 1  "upstream"           the pristine tarball
#   commit 2  "debian: ..."         the Debian patches named in upstream.conf (if any)
#   commit 3  "local: ..."          COMPONENT_DIR/local patches named in upstream.conf:
#                                   adaptations to this environment, not for upstream
#   tag vcpuhp-base                 what the series applies to
#   then the series in COMPONENT_DIR/patches applied with `git am`.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

comp=$(cd "$1" && pwd)
dest=$2
. "$comp/upstream.conf"
srcdir=$("$(dirname "$0")/fetch.sh" "$comp")
[ ! -e "$dest" ] || die "$dest already exists; remove it first"

mkdir -p "$dest"
tar -xf "$srcdir"/*.orig.tar.* -C "$dest" --strip-components=1
cd "$dest"
export GIT_AUTHOR_NAME=vcpuhp GIT_AUTHOR_EMAIL=vcpuhp@localhost
export GIT_COMMITTER_NAME=vcpuhp GIT_COMMITTER_EMAIL=vcpuhp@localhost
export GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"
git init -q -b master .
git config core.autocrlf false
for p in ${untracked_paths:-}; do echo "/$p/" >> .git/info/exclude; done
git add -A . && git commit -q -m "upstream: $source_package $version"
if [ -n "$debian_patches" ]; then
    tar -xf "$srcdir"/*.debian.tar.* -C "$dest" debian/patches
    for p in $debian_patches; do
        patch -p1 -s < "debian/patches/$p" || die "Debian patch $p does not apply"
    done
    rm -rf debian
    git add -A -f . && git commit -q -m "debian: $debian_patches" \
        -m "Debian patches needed to build the +ds source; see upstream.conf."
fi
if [ -n "${local_patches:-}" ]; then
    for p in $local_patches; do
        patch -p1 -s < "$comp/local/$p" || die "local patch $p does not apply"
    done
    git add -A . && git commit -q -m "local: $local_patches" \
        -m "Adaptations to this environment, not for upstream; see upstream.conf."
fi
git tag vcpuhp-base
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE
while read -r p; do
    case $p in ''|\#*) continue ;; esac
    git am -q --keep-cr "$comp/patches/$p" || die "patch $p of ${comp#$VCPUHP_ROOT/} does not apply"
done < "$comp/patches/series"
