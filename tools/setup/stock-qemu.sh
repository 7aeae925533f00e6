#!/bin/bash
# stock-qemu.sh [--arch arm64]
# Provides Debian's stock qemu-system-aarch64 of the version pinned in
# vmm/upstream.conf (trixie's qemu-system-arm), unpatched, as the baseline for
# migration and byte-identity comparisons with the patched build. It runs on this
# bookworm host without installing anything: the package and its shared-library
# closure from trixie, trixie's libc and dynamic loader included, are unpacked into a
# private runtime in $VCPUHP_CACHE/stock-qemu/<version>/, next to a wrapper that runs
# the binary with trixie's loader on the runtime's libraries only.
# Prints the path of the wrapper. A second run finds the runtime and does nothing.
#
# With --arch arm64 it provides the arm64 build instead, in <version>-arm64/, for the
# nested ARM KVM lab (tools/lab/build-nested.sh copies the runtime into L1, where it
# runs under KVM). It cannot run here, so the checks that run the binary are replaced
# by a check that every library it needs is in the runtime.
#
# Layout of $VCPUHP_CACHE/stock-qemu/<version>/:
#   qemu-system-aarch64   the wrapper
#   root/                 the unpacked trixie packages (pruned to what QEMU uses)
#   loader/qemu-system-aarch64
#                         trixie's ld.so under QEMU's name: the process is named like
#                         QEMU, and QEMU, which locates its data from /proc/self/exe,
#                         finds loader/qemu-bundle, which it takes for a relocated
#                         install: data, firmware and modules come from root/usr, never
#                         from the host's QEMU 10.0.2 in /usr
#   packages.txt          the packages unpacked, with the SHA-256 of each .deb
set -euo pipefail
here=$(dirname "$0")
. "$here/../lib/common.sh"

. "$VCPUHP_ROOT/vmm/upstream.conf"
[ -n "${version:-}" ] || die "no version= in vmm/upstream.conf"
[ "$(dpkg --print-architecture)" = amd64 ] || die "stock-qemu.sh only knows amd64 hosts"
arch=amd64 suffix=
case "${1:-} ${2:-}" in
    " ") ;;
    "--arch amd64") ;;
    "--arch arm64") arch=arm64 suffix=-arm64 ;;
    *) die "usage: stock-qemu.sh [--arch amd64|arm64]" ;;
esac
case $arch in
    amd64) triplet=x86_64-linux-gnu ldso=ld-linux-x86-64.so.2 ;;
    arm64) triplet=aarch64-linux-gnu ldso=ld-linux-aarch64.so.1 ;;
esac

base="$VCPUHP_CACHE/stock-qemu"
dest="$base/${version#*:}$suffix"
wrapper="$dest/qemu-system-aarch64"
# Any change to this script materialises the runtime afresh.
key=$(sha256sum < "${BASH_SOURCE[0]}" | cut -c1-12)
ready() { [ -x "$wrapper" ] && [ "$(cat "$dest/.key" 2>/dev/null)" = "$key" ]; }
if ready; then echo "$wrapper"; exit 0; fi

mkdir -p "$base/debs/partial"
exec 9>"$base/.lock"
flock 9
if ready; then echo "$wrapper"; exit 0; fi
rm -rf "$base"/.build.*   # left by an interrupted run (we hold the lock)
tmp=$(mktemp -d "$base/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
out="$tmp/out" root="$tmp/out/root" aptdir="$tmp/apt"

if [ "$(id -u)" = 0 ]; then "$here/apt-sources.sh"; fi
# A private apt on the host's package lists: empty dpkg status (so the whole closure,
# libc included, is resolved), trixie only (every other suite pinned away), no
# Essential set, native architecture only, no Recommends. Locks and caches are private.
mkdir -p "$aptdir/preferences.d" "$aptdir/cache"
: > "$aptdir/status"
cat > "$aptdir/preferences" <<'EOF'
Package: *
Pin: release n=trixie
Pin-Priority: 990

Package: *
Pin: release *
Pin-Priority: -1
EOF
apt_opts=(
    -o Dir::State::status="$aptdir/status"
    -o Dir::State::extended_states="$aptdir/extended_states"
    -o Dir::Etc::preferences="$aptdir/preferences"
    -o Dir::Etc::preferencesparts="$aptdir/preferences.d"
    -o Dir::Cache="$aptdir/cache" -o Dir::Cache::pkgcache=pkgcache.bin
    -o Dir::Cache::srcpkgcache=srcpkgcache.bin
    -o Dir::Cache::archives="$base/debs"
    -o pkgCacheGen::Essential=none -o APT::Architecture=$arch
    -o APT::Architectures=$arch
    -o APT::Install-Recommends=false
)
if ! apt-cache "${apt_opts[@]}" madison qemu-system-arm 2>/dev/null \
        | awk -F' [|] ' -v v="$version" '$2 == v && $3 ~ / trixie\/.* Packages$/ { ok = 1 } END { exit !ok }'; then
    have=$(apt-cache "${apt_opts[@]}" madison qemu-system-arm 2>/dev/null \
        | awk -F' [|] ' '$3 ~ / trixie\/.* Packages$/ { printf "%s%s", s, $2; s = ", " }')
    die "qemu-system-arm $version (pinned in vmm/upstream.conf) is not in the archive's trixie suite (trixie has: ${have:-nothing; run tools/setup/apt-sources.sh})"
fi
# qemu-system-arm's Depends closure, plus the firmware QEMU loads by name (the iPXE
# option ROMs of PCI NICs, the VGA BIOSes), which a stock install gets as Recommends.
want=("qemu-system-arm=$version" "qemu-system-common=$version" "qemu-system-data=$version"
      ipxe-qemu seabios)
# The arm64 runtime goes into an initramfs, for guests without NICs or VGA.
[ $arch = amd64 ] || want=("qemu-system-arm=$version" "qemu-system-common=$version")
apt-get "${apt_opts[@]}" -s install "${want[@]}" > "$tmp/resolve.log" 2>&1 \
    || die "apt cannot resolve ${want[*]} in trixie: $(grep -m1 '^E:' "$tmp/resolve.log")"
# "Inst NAME (VERSION RELEASE [ARCH])"
sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) [^[]*\[\([a-z0-9]*\)\]).*/\1 \2 \3/p' "$tmp/resolve.log" \
    > "$tmp/packages"
[ -s "$tmp/packages" ] || die "apt resolved no packages: see the output of apt-get -s install ${want[*]}"
log "stock QEMU $version: fetching $(wc -l < "$tmp/packages") packages from trixie"
apt-get "${apt_opts[@]}" -y -q --download-only install "${want[@]}" > "$tmp/download.log" 2>&1 \
    || die "apt-get download failed: $(grep -m1 '^E:' "$tmp/download.log")"

log "unpacking into $dest"
mkdir -p "$root"
: > "$out/packages.txt"
declare -A keep_deb=()
while read -r name ver deb_arch; do
    deb="$base/debs/${name}_${ver//:/%3a}_$deb_arch.deb"
    [ -f "$deb" ] || die "apt did not download $name $ver ($deb)"
    dpkg-deb -x "$deb" "$root"
    printf '%s %s %s SHA256:%s\n' "$name" "$ver" "$deb_arch" \
        "$(sha256sum < "$deb" | cut -d' ' -f1)" >> "$out/packages.txt"
    keep_deb[${deb##*/}]=1
done < "$tmp/packages"

# Keep what QEMU uses: the binary, the libraries and modules, the data and firmware.
# Everything else (maintainer tools, setuid programs, /etc, documentation) goes.
find "$root" -mindepth 1 -maxdepth 1 ! -name usr -exec rm -rf {} +
find "$root/usr" -mindepth 1 -maxdepth 1 ! -name bin ! -name lib ! -name share -exec rm -rf {} +
find "$root/usr/bin" -mindepth 1 ! -name qemu-system-aarch64 -exec rm -rf {} +
find "$root/usr/share" -mindepth 1 -maxdepth 1 ! -name qemu ! -name seabios -exec rm -rf {} +
find "$root" -type f -perm /6000 -exec chmod ug-s {} +

libdir="$root/usr/lib/$triplet"
mkdir -p "$out/loader/qemu-bundle"
ln "$libdir/$ldso" "$out/loader/qemu-system-aarch64"
ln -s ../../root/usr "$out/loader/qemu-bundle/usr"
# Configuration and state stay the host's, as for an installed QEMU.
ln -s /etc "$out/loader/qemu-bundle/etc"
ln -s /var "$out/loader/qemu-bundle/var"

# Every library of the binary and of its modules must come from the runtime.
if [ $arch != amd64 ]; then
    # Cannot run it here: follow DT_NEEDED instead of asking the loader.
    for elf in "$root/usr/bin/qemu-system-aarch64" "$libdir"/*.so*; do
        for so in $(readelf -d "$elf" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            [ -e "$libdir/$so" ] || die "${elf#"$root"} needs $so, which is not in the runtime"
        done
    done
fi
for elf in "$root/usr/bin/qemu-system-aarch64" "$libdir"/qemu/*.so; do
    [ $arch = amd64 ] || break
    deps=$("$out/loader/qemu-system-aarch64" --inhibit-cache --library-path "$libdir" \
        --list "$elf" 2>&1) || die "trixie's loader cannot load ${elf#"$root"}: $deps"
    bad=$(printf '%s\n' "$deps" | grep -v -e "=> $libdir/" -e 'linux-vdso' -e 'statically linked' \
        -e "^[[:space:]]*$out/loader/qemu-system-aarch64 " -e "^[[:space:]]*/lib64/$ldso " || true)
    [ -z "$bad" ] || die "${elf#"$root"} needs libraries outside the runtime: $(tr -s "\n\t" "  " <<< "$bad")"
done

run_in() {  # run_in DIR ARG...: the binary of the runtime at DIR
    "$1/loader/qemu-system-aarch64" --inhibit-cache --library-path "$1/root/usr/lib/$triplet" \
        "$1/root/usr/bin/qemu-system-aarch64" "${@:2}"
}
got=$(run_in "$out" -version 2>&1) || true
[ $arch = amd64 ] || got="QEMU emulator version (not run here) (Debian $version)"
case ${got%%$'\n'*} in
    "QEMU emulator version "*" (Debian $version)") ;;
    *) die "the unpacked qemu-system-aarch64 does not report Debian $version: ${got%%$'\n'*}" ;;
esac
datadirs=
[ $arch != amd64 ] || datadirs=$(run_in "$out" -L help 2>&1) \
    || die "qemu-system-aarch64 -L help failed: $datadirs"
outside=$(printf '%s\n' "$datadirs" | grep -v "^$out/loader/qemu-bundle/" || true)
[ -z "$outside" ] || die "the stock QEMU would read data from the host: $(tr "\n" " " <<< "$outside")"

if [ $arch != amd64 ]; then
    # Wherever the runtime is copied to (busybox sh in the nested lab's L1).
    {
        printf '#!/bin/sh\n'
        printf '# Debian %s qemu-system-aarch64 (trixie, arm64), run by trixie'"'"'s dynamic\n' "$version"
        printf '# loader on the libraries of its runtime only. Written by tools/setup/stock-qemu.sh.\n'
        printf 'd=${0%%/*}\n'
        printf 'exec "$d/loader/qemu-system-aarch64" --inhibit-cache --library-path "$d/root/usr/lib/%s" --argv0 "$0" "$d/root/usr/bin/qemu-system-aarch64" "$@"\n' "$triplet"
    } > "$out/qemu-system-aarch64"
else {
    printf '#!/bin/bash\n'
    printf '# Debian %s qemu-system-aarch64 (trixie), run by trixie'"'"'s dynamic loader\n' "$version"
    printf '# on the libraries of its private runtime only. Written by tools/setup/stock-qemu.sh.\n'
    printf 'exec %q --inhibit-cache --library-path %q --argv0 "$0" %q "$@"\n' \
        "$dest/loader/qemu-system-aarch64" "$dest/root/usr/lib/$triplet" \
        "$dest/root/usr/bin/qemu-system-aarch64"
} > "$out/qemu-system-aarch64"
fi
chmod 755 "$out/qemu-system-aarch64"
echo "$key" > "$out/.key"

# Swap the new runtime in whole: never a half-built one (for an instant, none).
if [ -e "$dest" ]; then mv -T "$dest" "$tmp/old"; fi
mv -T "$out" "$dest"
if [ $arch = amd64 ]; then
    case $("$wrapper" -version 2>&1 || true) in
        *"(Debian $version)"*) ;;
        *) rm -rf "$dest"; die "$wrapper does not run" ;;
    esac
fi

# Keep this runtime and the most recently used other one; drop debs of other versions.
touch "$dest"
find "$base" -mindepth 1 -maxdepth 1 -type d ! -name debs ! -name '.*' -printf '%T@ %p\n' \
    | sort -rn | cut -d' ' -f2- | awk -v d="$dest" '$0 != d' | tail -n +2 \
    | while read -r old; do rm -rf "$old"; done
for deb in "$base"/debs/*.deb; do
    [ -n "${keep_deb[${deb##*/}]:-}" ] || rm -f "$deb"
done
log "stock QEMU $version ready: $(du -sh "$dest" | cut -f1) in $dest"
echo "$wrapper"
