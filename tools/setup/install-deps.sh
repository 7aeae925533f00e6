#!/bin/bash
# install-deps.sh [PACKAGE...]
# Installs everything vcpuhp builds and runs with, from Debian's archive only, plus
# the bookworm PACKAGEs given. Idempotent: a run that finds every package installed
# does nothing.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

[ "$(id -u)" = 0 ] || die "run as root: packages are installed with apt-get"

# From bookworm.
host_pkgs=(
    build-essential pkg-config ccache ninja-build git dpkg-dev python3-venv
    python3-pycotap flex bison cpio xz-utils zstd acpica-tools
    # QEMU
    libglib2.0-dev libfdt-dev libpixman-1-dev zlib1g-dev libslirp-dev
    # libvirt
    libxml2-dev libxml2-utils xsltproc libgnutls28-dev libjson-c-dev libtirpc-dev
    libnl-3-dev libnl-route-3-dev libcap-ng-dev libudev-dev libpciaccess-dev
    libacl1-dev libattr1-dev libreadline-dev python3-docutils
    # the project's own C; the PSCI probe firmware of the integration tests
    binutils-aarch64-linux-gnu
    libjson-glib-dev
    # the unit tests of the vcpuhp tool check its JSON against schemas/
    python3-jsonschema
    # its man page (rst2man: python3-docutils, above) and message catalogues
    gettext
    # the sanitized and fuzzing QEMU of the reliability suite (clang, libFuzzer and
    # the sanitizer runtimes; llvm for llvm-symbolizer in the sanitizers' reports)
    clang libclang-rt-14-dev llvm
    # the benchmarks' plots, drawn as SVG (tools/bench/run.sh)
    gnuplot-nox
    # the lab guests' shell, for the unit tests of tools/lab/guest-init.sh
    busybox-static
    # the arm64 QEMU of the nested ARM KVM lab, cross-compiled (multiarch -dev packages;
    # libfdt-dev is not co-installable for two architectures: build-qemu-arm64.sh uses
    # the host's headers with libfdt1:arm64)
    gcc-aarch64-linux-gnu libc6-dev:arm64 libglib2.0-dev:arm64 zlib1g-dev:arm64
    libfdt1:arm64
    # the real Debian 13 arm64 guest (tools/lab/build-debian-guest.sh: an arm64 root
    # through qemu-user, a GPT disk with no loop device) and its test, which reads the
    # guest agent's JSON; mmdebstrap refuses a foreign architecture without arch-test,
    # only recommended by its package
    mmdebstrap arch-test qemu-user-static mtools dosfstools fdisk jq
    # the clients users have (tests/interop/test-libvirt-clients.sh): the libvirt
    # Python API, virt-install and virt-xml
    python3-libvirt virtinst
    # the Debian source package of our QEMU (tools/package/source.sh)
    quilt
    "$@"
)
# From bookworm-backports: meson >= 1.5 for QEMU 10, and the stock QEMU 10.0 /
# libvirt 11.3 binaries that serve as baselines.
bpo_pkgs=(
    meson qemu-system-arm qemu-system-x86 qemu-utils ipxe-qemu qemu-system-data seabios
    libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients libvirt-dev
)

missing=()
for p in "${host_pkgs[@]}" "${bpo_pkgs[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
        || missing+=("$p")
done
# meson must be the backported one (QEMU 10 needs >= 1.5).
if command -v meson >/dev/null && ! dpkg --compare-versions "$(meson --version)" ge 1.5; then
    missing+=(meson)
fi
[ ${#missing[@]} = 0 ] && exit 0

"$(dirname "$0")/apt-sources.sh"
log "installing: ${missing[*]}"
for p in "${missing[@]}"; do
    apt-cache show "$p" >/dev/null 2>&1 \
        || die "package '$p' is not available from the configured Debian suites"
done
# Never start daemons from package scripts: tests start their own instances.
policy=/usr/sbin/policy-rc.d
had_policy=0; [ -e $policy ] && had_policy=1
[ $had_policy = 1 ] || { printf '#!/bin/sh\nexit 101\n' > $policy; chmod +x $policy; }
trap '[ $had_policy = 1 ] || rm -f $policy' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${host_pkgs[@]}" >/dev/null \
    || die "apt-get install of the bookworm packages failed"
apt-get install -y -qq --no-install-recommends -t bookworm-backports "${bpo_pkgs[@]}" >/dev/null \
    || die "apt-get install of the bookworm-backports packages failed"
log "packages installed"
