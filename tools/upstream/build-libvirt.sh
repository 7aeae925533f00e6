#!/bin/bash
# build-libvirt.sh
# Builds libvirt from the pinned 11.3.0 plus the series in src/hotplug_driver/patches,
# out of tree, in a cache directory keyed by version and series hash, with ccache:
# the QEMU driver, the daemons, virsh and libvirt's unit tests.
# Prints the build directory. A second run with the same key rebuilds nothing.
set -euo pipefail
here=$(dirname "$0")
. "$here/../lib/common.sh"

comp="$VCPUHP_ROOT/src/hotplug_driver" name=libvirt
. "$here/cached-tree.sh"
# libvirt's syntax-check and script tests expect the build directory inside the tree.
build="$src/build"
if [ -e "$top/.built" ]; then echo "$build"; exit 0; fi

if [ ! -e "$build/build.ninja" ]; then
    log "configuring libvirt ($top)"
    # Only what the QEMU driver, the daemons and virsh need; every other hypervisor
    # driver and the documentation are off to keep the build short. The LXC driver
    # stays: libvirt's check-driverimpls/check-aclrules tests read its generated files.
    meson setup "$build" "$src" --prefix=/usr --localstatedir=/var --sysconfdir=/etc \
        -Ddocs=disabled -Dtests=enabled -Dexpensive_tests=disabled \
        -Ddriver_qemu=enabled -Ddriver_libvirtd=enabled -Ddriver_remote=enabled \
        -Ddriver_test=enabled -Ddriver_network=disabled \
        -Ddriver_libxl=disabled -Ddriver_ch=disabled \
        -Ddriver_vbox=disabled -Ddriver_esx=disabled -Ddriver_hyperv=disabled \
        -Ddriver_openvz=disabled -Ddriver_vmware=disabled -Ddriver_vz=disabled \
        -Ddriver_bhyve=disabled -Dstorage_dir=enabled -Dstorage_fs=disabled \
        -Dstorage_lvm=disabled -Dstorage_iscsi=disabled -Dstorage_scsi=disabled \
        -Dstorage_mpath=disabled -Dstorage_disk=disabled -Dstorage_rbd=disabled \
        -Dstorage_gluster=disabled -Dstorage_zfs=disabled -Dstorage_vstorage=disabled \
        -Dstorage_iscsi_direct=disabled -Dselinux=disabled -Dapparmor=disabled \
        -Dsasl=disabled -Dlibssh=disabled -Dlibssh2=disabled -Dwireshark_dissector=disabled \
        >"$top/configure.log" 2>&1 \
        || die "libvirt configure failed: see $top/configure.log ($(grep -m1 ERROR "$top/configure.log"))"
fi
log "building libvirt ($build)"
ninja -C "$build" >"$top/build.log" 2>&1 \
    || die "libvirt build failed: see $top/build.log ($(grep -m1 -E 'error|FAILED' "$top/build.log"))"
touch "$top/.built"
keep_recent "$top"
echo "$build"
