# Sourced: a private, unmodified libvirtd of Debian's (session mode, run as nobody,
# with its own XDG directories under a directory of the caller's) and the lab's
# aarch64 domain "hp" (virt, GICv3, ACPI, UEFI pflash, the lab's kernel and initrd,
# TCG) whose first serial port is the guest's command channel
# (tools/lab/guest-init.sh). Used by tools/demo.sh and tests/interop/.
#
# lv_init DIR QEMU LAB VCPUHP_LAB_TOOL: sets up DIR (owned by nobody) and the variables
#   below; then lv_start_daemon, lv_virsh ..., lv_domain_xml VCPU_XML, lv_guest CMD.
#   lv_use_libvirt_build BUILD_DIR before lv_start_daemon runs our libvirtd instead.
lv_init() {
    lv_dir=$1 lv_qemu=$2 lv_lab=$3 lv_tool=$4 lv_pid=
    lv_libvirtd=(libvirtd)
    # The 64 MiB AAVMF images that libvirt's pflash loader needs come with the QEMU
    # build (tools/upstream/qemu-test-firmware.sh).
    lv_fw="$(dirname "$(dirname "$lv_qemu")")/firmware/root/usr/share/AAVMF"
    lv_env=(env XDG_RUNTIME_DIR="$lv_dir/run" XDG_CONFIG_HOME="$lv_dir/cfg"
            XDG_CACHE_HOME="$lv_dir/cache" HOME="$lv_dir/home")
    lv_socket="$lv_dir/run/libvirt/libvirt-sock"
    mkdir -p "$lv_dir"/{run,cfg/libvirt,cache,home}
    chown -R nobody "$lv_dir"
}
# lv_use_libvirt_build BUILD_DIR: the daemon is the libvirtd built from our series
# (tools/upstream/build-libvirt.sh's build directory), run from that directory as
# libvirt's own "run" script does (its library and driver modules, not the installed
# ones); the clients stay Debian's, talking to it over its socket.
lv_use_libvirt_build() {
    [ -x "$1/src/libvirtd" ] || { echo "no libvirtd in $1/src" >&2; return 1; }
    lv_libvirtd=(env LD_LIBRARY_PATH="$1/src" LIBVIRT_DIR_OVERRIDE=1 "$1/src/libvirtd")
}
lv_as_nobody() { timeout 120 runuser -u nobody -- "${lv_env[@]}" "$@"; }
lv_virsh() { lv_as_nobody /usr/bin/virsh -q -c qemu:///session "$@"; }
# lv_guest COMMAND: runs COMMAND in the guest over its serial socket, prints its output.
lv_guest() { "$lv_tool" guest --socket "$lv_dir/serial.sock" --timeout 30 "$1"; }
# lv_wait_guest: the guest's command channel answers (bounded: 30 tries of up to 5 s).
lv_wait_guest() {
    for _ in $(seq 30); do
        [ "$("$lv_tool" guest --socket "$lv_dir/serial.sock" --timeout 5 'echo up' 2>/dev/null)" = up ] \
            && return 0
        sleep 1   # the socket may not accept yet; retried a bounded number of times
    done
    return 1
}

# lv_domain_xml VCPU_ELEMENTS: the domain, with VCPU_ELEMENTS (<vcpu> and optionally
# <vcpus>) as given.
lv_domain_xml() {
    cat <<EOX
<domain type='qemu'>
  <name>hp</name>
  <memory unit='MiB'>512</memory>
  $1
  <os>
    <type arch='aarch64' machine='virt'>hvm</type>
    <loader readonly='yes' type='pflash'>$lv_fw/AAVMF_CODE.no-secboot.fd</loader>
    <nvram template='$lv_fw/AAVMF_VARS.fd'>$lv_dir/hp_VARS.fd</nvram>
    <kernel>$lv_lab/arm64/vmlinuz</kernel>
    <initrd>$lv_lab/arm64/initrd.img</initrd>
    <cmdline>console=ttyAMA0 loglevel=1 acpi=force vcpuhp.tty=ttyAMA0</cmdline>
  </os>
  <features><acpi/><gic version='3'/></features>
  <cpu mode='custom' match='exact'><model fallback='forbid'>max</model></cpu>
  <devices>
    <emulator>$lv_qemu</emulator>
    <serial type='unix'><source mode='bind' path='$lv_dir/serial.sock'/></serial>
  </devices>
</domain>
EOX
}

# lv_domain_xml_x86 VCPU_ELEMENTS QEMU: an x86_64 q35 domain "hp-x86" of the lab's
# x86_64 guest (SeaBIOS, TCG) run by QEMU, its command channel on serial-x86.sock.
# Under TCG, Linux counts QEMU's disabled LAPIC entries as hotpluggable CPUs only
# when it sees a hypervisor it trusts: the lab's recipe (src/qemu_hotplug_glue/lab/
# vh-lab.c) as domain XML (VMware's SMBIOS and vmport, no hypervisor CPUID bit).
lv_domain_xml_x86() {
    cat <<EOX
<domain type='qemu'>
  <name>hp-x86</name>
  <memory unit='MiB'>512</memory>
  $1
  <sysinfo type='smbios'>
    <system>
      <entry name='manufacturer'>VMware</entry>
      <entry name='serial'>VMware-56-4d-00</entry>
    </system>
  </sysinfo>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$lv_lab/x86_64/vmlinuz</kernel>
    <initrd>$lv_lab/x86_64/initrd.img</initrd>
    <cmdline>console=ttyS0 loglevel=1 vcpuhp.tty=ttyS0</cmdline>
    <smbios mode='sysinfo'/>
  </os>
  <features><acpi/><apic/><vmport state='on'/></features>
  <cpu mode='custom' match='exact'>
    <model fallback='forbid'>qemu64</model>
    <feature policy='disable' name='hypervisor'/>
  </cpu>
  <devices>
    <emulator>$2</emulator>
    <serial type='unix'><source mode='bind' path='$lv_dir/serial-x86.sock'/></serial>
  </devices>
</domain>
EOX
}

# lv_domain_xml_debian VCPU_ELEMENTS DISK: the aarch64 domain "deb" of the real Debian 13
# guest (tools/lab/build-debian-guest.sh) as a user defines it: UEFI from the disk
# (GRUB on the ESP, no <kernel>), a virtio disk DISK (a qcow2 overlay of the guest's
# image), the QEMU guest agent's virtio-serial channel, its console in console.log.
lv_domain_xml_debian() {
    cat <<EOX
<domain type='qemu'>
  <name>deb</name>
  <memory unit='MiB'>1024</memory>
  $1
  <os>
    <type arch='aarch64' machine='virt'>hvm</type>
    <loader readonly='yes' type='pflash'>$lv_fw/AAVMF_CODE.no-secboot.fd</loader>
    <nvram template='$lv_fw/AAVMF_VARS.fd'>$lv_dir/deb_VARS.fd</nvram>
    <boot dev='hd'/>
  </os>
  <features><acpi/><gic version='3'/></features>
  <cpu mode='custom' match='exact'><model fallback='forbid'>max</model></cpu>
  <devices>
    <emulator>$lv_qemu</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <serial type='file'><source path='$lv_dir/console.log'/></serial>
  </devices>
</domain>
EOX
}

# lv_start_daemon: starts the session libvirtd and waits for its socket (at most 10 s).
lv_start_daemon() {
    runuser -u nobody -- "${lv_env[@]}" "${lv_libvirtd[@]}" --timeout 600 >>"$lv_dir/libvirtd.log" 2>&1 &
    lv_pid=$!
    for _ in $(seq 100); do
        [ -S "$lv_socket" ] && return 0
        sleep 0.1
    done
    return 1
}
# lv_stop_daemon: stops libvirtd (SIGTERM) and waits for it; its domains keep running.
lv_stop_daemon() {
    [ -n "$lv_pid" ] || return 0
    kill "$lv_pid" 2>/dev/null || true
    wait "$lv_pid" 2>/dev/null || true   # it ends by the SIGTERM: status 143
    lv_pid=
    rm -f "$lv_socket"
}
# lv_cleanup: destroys the domain, stops the daemon, removes the directory.
lv_cleanup() {
    lv_virsh destroy hp >/dev/null 2>&1 || true
    lv_virsh destroy hp-x86 >/dev/null 2>&1 || true
    lv_virsh destroy deb >/dev/null 2>&1 || true
    lv_stop_daemon
    rm -rf "$lv_dir"
}
