#!/bin/bash
# run.sh [--cycles N]
# Benchmarks live vCPU hotplug: the aarch64 virt machine (QEMU built from vmm/)
# beside an x86_64 q35 guest (Debian's stock QEMU), both under TCG, in one run on
# this machine (tools/bench/bench-hotplug.c), and rewrites the hotplug section of
# BENCHMARKS.md at the repository root with the results, the date, the QEMU
# versions and the machine's facts. Other sections of the file are kept.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$VCPUHP_ROOT/tools/lib/prepare.sh"

bench=$VCPUHP_BUILD/tools/bench/vcpuhp-bench-hotplug
x86_qemu=${VCPUHP_STOCK_QEMU_X86:-/usr/bin/qemu-system-x86_64}
report=$VCPUHP_ROOT/BENCHMARKS.md
# The section is found by these markers, so that a rerun replaces only it.
begin_marker='<!-- vcpuhp-bench-hotplug: begin (written by tools/bench/run.sh) -->'
end_marker='<!-- vcpuhp-bench-hotplug: end -->'

[ -x "$bench" ] || die "$bench was not built"
table=$(mktemp)
section=$(mktemp)
trap 'rm -f "$table" "$section" "$report.tmp"' EXIT

# The machine is often shared: the load around the run says how quiet it was.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
log "benchmarking vCPU hotplug (aarch64, then x86_64)"
"$bench" --qemu-arm64 "$QEMU_BINARY" --qemu-x86 "$x86_qemu" --lab "$LAB_DIR" \
    --output-markdown "$table" "$@" || die "the benchmark failed (see above)"
wall=$(($(date +%s) - start))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
commit=$(git -C "$VCPUHP_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
# BENCHMARKS.md itself does not count: this run is about to rewrite it.
if [ -n "$(git -C "$VCPUHP_ROOT" status --porcelain -- . ':!BENCHMARKS.md' 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes)"
fi
command="./tools/bench/run.sh${*:+ $*}"

{
    echo "$begin_marker"
    echo "## vCPU hotplug latency: aarch64 against x86_64"
    echo
    echo "Requirement: each figure of the aarch64 virt machine within 1.5x of an x86_64"
    echo "q35 guest's, both under TCG on the same machine in the same run (ratio of the"
    echo "medians). Only **enabled**, **online** and **deleted** are held to it; the other"
    echo "rows are there to read them by."
    echo
    echo "- Reproduce: \`$command\` (as root, from the repository root)"
    echo "- Run: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit, wall time ${wall} s"
    echo "- Machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}, Linux $(uname -r);" \
         "load average $load_before before, $load_after after"
    echo
    cat "$table"
    echo
    echo "How each figure is taken (tools/bench/bench-hotplug.c, g_get_monotonic_time()):"
    echo
    echo "- **enabled**: from sending device_add until the guest's"
    echo "  \`wait_cpu_mask enabled CPU yes 300\` (sent as soon as device_add returns)"
    echo "  answers. It includes the device_add reply (add-reply), one command-channel round"
    echo "  trip (channel) and wait_cpu_mask's polling, every 10 ms with the shell's own"
    echo "  \`read\`."
    echo "- **online**: \`echo 1 > /sys/devices/system/cpu/cpuN/online\` in the guest, seen"
    echo "  from the host (it includes one channel round trip)."
    echo "- **deleted**: from sending device_del until DEVICE_DELETED for the vCPU; in"
    echo "  between, the guest offlines and ejects it. aarch64 waits for the event whose"
    echo "  data.device is the vCPU's id; stock x86_64 QEMU 10.0 sends no such event, only"
    echo "  one for the CPU's child \`/machine/peripheral/<id>/lapic\`, which is used instead."
    echo "  Before the next cycle (not timed) the guest must drop the vCPU from \`enabled\`."
    echo "- The guests run one after the other, never together. aarch64: \`-smp"
    echo "  cpus=2,maxcpus=6\`, slots 2-5 in turn. x86_64: \`-smp cpus=2,maxcpus=<cycles+3>\`,"
    echo "  the same two boot vCPUs, and a fresh slot every cycle, because stock QEMU 10.0"
    echo "  never frees the TCG context of an unplugged vCPU and aborts when a plug finds"
    echo "  none left."
    echo "$end_marker"
} >"$section"

if [ ! -e "$report" ]; then
    printf '# Benchmarks\n\nPerformance results of vcpuhp. Each section is rewritten by the script it names.\n\n' \
        >"$report"
fi
if grep -qF "$begin_marker" "$report"; then
    # Replaces the old section in place, keeping what is before and after it.
    awk -v begin="$begin_marker" -v end="$end_marker" -v section="$section" '
        $0 == begin { while ((getline line < section) > 0) print line; skipping = 1; next }
        skipping && $0 == end { skipping = 0; next }
        !skipping { print }
    ' "$report" >"$report.tmp"
    mv "$report.tmp" "$report"
else
    cat "$section" >>"$report"
fi
log "results written to $report"
