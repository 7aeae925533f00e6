#!/bin/bash
# build-each.sh [RESULT_FILE]
# Proves that every patch of the QEMU series in vmm/patches stands on its own: the
# pinned QEMU is materialised with the series as git commits (materialize.sh), then
# each commit in turn is built for every target whose code the series touches
# (aarch64-softmmu, x86_64-softmmu, arm-softmmu, loongarch64-softmmu and
# aarch64-linux-user) and checked with QEMU's scripts/checkpatch.pl.
#
# Prints one line per patch and a summary, writes them to RESULT_FILE as well
# (default: $VCPUHP_CACHE/series-build/result.txt), and exits non-zero if any patch
# fails to build or to pass checkpatch.
#
# It takes an hour or more from a cold cache on 2 cores, so it runs outside CI; its
# last result is in vmm/README.md ("Each patch on its own"). An interrupted run
# resumes: a commit whose tree already built is not built again (its checkpatch,
# which depends on the commit message too, always runs).
set -euo pipefail
here=$(dirname "$0")
. "$here/../lib/common.sh"

comp="$VCPUHP_ROOT/vmm"
targets=aarch64-softmmu,x86_64-softmmu,arm-softmmu,loongarch64-softmmu,aarch64-linux-user
# The emulators of those targets: what must build (QEMU's tests are built by check.sh)
binaries="qemu-system-aarch64 qemu-system-x86_64 qemu-system-arm qemu-system-loongarch64
          qemu-aarch64"
top="$VCPUHP_CACHE/series-build"
src="$top/src" build="$top/build" built="$top/built-trees"
result=${1:-$top/result.txt}
mkdir -p "$top"
touch "$built"

# A fresh tree of the series as it is in the repository now; the build directory
# stays, so that ninja rebuilds only what each commit changes.
rm -rf "$src"
"$VCPUHP_ROOT/tools/upstream/materialize.sh" "$comp" "$src" >&2
export PATH="/usr/lib/ccache:$PATH" CCACHE_DIR="$VCPUHP_CACHE/ccache"
export CCACHE_BASEDIR="$top" CCACHE_NOHASHDIR=1
if [ ! -e "$build/build.ninja" ]; then
    mkdir -p "$build"
    (cd "$build" && "$src/configure" --python=/usr/bin/python3 --target-list="$targets" \
        --without-default-features --enable-tcg --enable-kvm --enable-fdt=system \
        --disable-docs --disable-install-blobs >"$top/configure.log" 2>&1) \
        || die "QEMU configure failed: see $top/configure.log"
fi

fails=0 n=0
: > "$result"
report() { echo "$*" | tee -a "$result"; }
report "# each patch of vmm/patches built for $targets, and checkpatch"
report "# $(date -u +%Y-%m-%d), $(nproc) cores, series key $("$VCPUHP_ROOT/tools/upstream/series-key.sh" "$comp")"
for commit in $(git -C "$src" rev-list --reverse vcpuhp-base..HEAD); do
    n=$((n + 1))
    subject=$(git -C "$src" log -1 --format=%s "$commit")
    tree=$(git -C "$src" rev-parse "$commit^{tree}")
    git -C "$src" checkout -q "$commit"
    start=$(date +%s)
    if grep -qx "$tree" "$built"; then
        build_state="built before"
    elif ninja -C "$build" $binaries >"$top/build-$n.log" 2>&1; then
        build_state="built in $(( $(date +%s) - start )) s"
        echo "$tree" >> "$built"
    else
        build_state="BUILD FAILED (see $top/build-$n.log: $(grep -m1 -E 'error|FAILED' \
            "$top/build-$n.log" | cut -c1-120))"
        fails=$((fails + 1))
    fi
    if cp_out=$(git -C "$src" format-patch -1 --stdout "$commit" \
            | (cd "$src" && scripts/checkpatch.pl -q -) 2>&1); then
        cp_state="checkpatch clean"
    else
        cp_state="CHECKPATCH: $(echo "$cp_out" | grep -m1 -E '^(ERROR|WARNING)' | cut -c1-120)"
        fails=$((fails + 1))
    fi
    report "$(printf '%04d' "$n") $subject: $build_state; $cp_state"
done
report "# $n patches, $fails failures"
[ "$fails" = 0 ]
