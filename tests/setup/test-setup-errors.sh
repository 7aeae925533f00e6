#!/bin/bash
# The set-up scripts fail fast with one clear line, never a hang or a trace:
# a bad pinned checksum, a version missing from the archive, a missing package, a
# stock QEMU baseline of a version the archive lacks or of an unknown architecture,
# a nested ARM KVM lab without its inputs.
# A verified cached copy is used when apt cannot fetch. TAP output.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

# expect_one_line_error DESCRIPTION EXPECTED_SUBSTRING COMMAND...: expects exit status
# 1 within 120 s, and on stderr exactly one "vcpuhp: error:" line, containing
# EXPECTED_SUBSTRING, as the last line (progress lines may come before it).
expect_one_line_error() {
    local what=$1 expect=$2 rc errors last
    shift 2
    timeout 120 "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    errors=$(grep -c '^vcpuhp: error: ' "$tmp/err")
    last=$(tail -n1 "$tmp/err")
    if [ $rc = 1 ] && [ "$errors" = 1 ] && [ "${last#vcpuhp: error: }" != "$last" ] \
        && grep -qF -- "$expect" <<<"$last"; then
        ok "$what: $last"
    else
        not_ok "$what" "exit status $rc (want 1), $errors error lines (want 1)" "stderr: $(cat "$tmp/err")"
    fi
}

# A tiny pinned component: Debian's "hello" source package from trixie.
version=$(apt-cache showsrc hello 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n1)
orig=$(apt-cache showsrc hello | awk -v v="$version" '
    /^Version:/ { mine = ($2 == v) }
    /^Checksums-Sha256:/ { f = 1; next }
    /^[^ ]/ { f = 0 }
    mine && f && $3 ~ /orig\.tar/ && $3 !~ /asc$/ { print $1, $3; exit }')
if [ -z "$version" ] || [ -z "$orig" ]; then
    echo "Bail out! apt knows no 'hello' source package: run tools/setup/apt-sources.sh"
    exit 1
fi
comp="$tmp/comp"
mkdir -p "$comp/patches"
cat > "$comp/upstream.conf" <<EOC
source_package=hello
version=$version
upstream_dir=hello
debian_patches=""
EOC
export VCPUHP_CACHE="$tmp/cache"

echo "${orig%% *}" | tr 0-9a-f f-f0-9a-e | sed "s/\$/  ${orig#* }/" > "$comp/upstream.sha256"
expect_one_line_error "bad pinned checksum" "checksum mismatch" "$root/tools/upstream/fetch.sh" "$comp"

echo "$orig" | sed 's/ /  /' > "$comp/upstream.sha256"
sed -i "s/^version=.*/version=0.0.0-vcpuhp-gone/" "$comp/upstream.conf"
expect_one_line_error "pinned version missing from the archive" "0.0.0-vcpuhp-gone" \
    "$root/tools/upstream/fetch.sh" "$comp"

sed -i "s/^version=.*/version=$version/" "$comp/upstream.conf"
if dir=$("$root/tools/upstream/fetch.sh" "$comp" 2>"$tmp/err") && [ -f "$dir/${orig#* }" ]; then
    ok "good checksum: fetched and verified"
else
    not_ok "good checksum" "$(cat "$tmp/err")"
fi
# With apt unable to fetch anything, the verified cached copy is used.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "E: no network" >&2\nexit 100\n' > "$tmp/bin/apt-get"
chmod +x "$tmp/bin/apt-get"
if dir2=$(PATH="$tmp/bin:$PATH" "$root/tools/upstream/fetch.sh" "$comp" 2>"$tmp/err") && [ "$dir2" = "$dir" ]; then
    ok "archive unreachable: the verified cached copy is used"
else
    not_ok "archive unreachable" "$(cat "$tmp/err")"
fi
# A cached copy that no longer verifies is not used.
echo corrupted >> "$dir/${orig#* }"
expect_one_line_error "corrupted cache, archive unreachable" "hello" \
    env PATH="$tmp/bin:$PATH" "$root/tools/upstream/fetch.sh" "$comp"

expect_one_line_error "missing package" "vcpuhp-no-such-package" \
    "$root/tools/setup/install-deps.sh" vcpuhp-no-such-package

# The stock baseline follows the QEMU pin: a pinned version the archive lacks stops
# stock-qemu.sh with one line (on a copy of the scripts, with its own cache).
mkdir -p "$tmp/tree/vmm"
cp -r "$root/tools" "$tmp/tree/"
sed "s/^version=.*/version=1:10.0.99+ds-0+deb13u1/" "$root/vmm/upstream.conf" \
    > "$tmp/tree/vmm/upstream.conf"
expect_one_line_error "stock QEMU of a version the archive lacks" "1:10.0.99+ds-0+deb13u1" \
    "$tmp/tree/tools/setup/stock-qemu.sh"

expect_one_line_error "stock QEMU for an architecture it does not know" "usage: stock-qemu.sh" \
    "$root/tools/setup/stock-qemu.sh" --arch riscv64

# The nested ARM KVM lab names the input it lacks.
expect_one_line_error "nested lab without its arm64 QEMU" "$tmp/no-such-qemu" \
    "$root/tools/lab/build-nested.sh" "$tmp/no-such-qemu" "$tmp"
expect_one_line_error "nested lab with a stock QEMU that is not a runtime" "not a runtime" \
    "$root/tools/lab/build-nested.sh" /bin/true "$tmp" "$tmp/qemu-system-aarch64"

echo "1..$n"
exit $failed
