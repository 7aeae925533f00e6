#!/bin/bash
# fuzz.sh [--seconds N] [--corpus DIR] [--keep-corpus]
# Fuzzes vCPU hotplug of the aarch64 virt machine as the guest reaches it: the
# series' fuzz target virt-cpu-hotplug (vmm/patches, tests/qtest/fuzz/
# virt_cpu_hotplug_fuzz.c) drives the ACPI CPU hotplug registers and the GED event
# selector interleaved with device_add, device_del, clock steps and resets, and
# aborts when the slot table goes inconsistent. It runs under libFuzzer in the
# clang + ASan + UBSan build of tools/upstream/build-qemu-sanitized.sh.
#
#   --seconds N     how long (default 180: the bounded run of the test suite;
#                   the long run recorded in RELIABILITY.md is --seconds 3600)
#   --corpus DIR    the corpus to start from and grow (default: a fresh one made
#                   of the seeds below, so that every bounded run starts alike)
#
# Prints "fuzz: N executions in S s, C crashes, corpus K inputs, coverage E edges"
# and exits 1 if libFuzzer found a crash, a leak or a sanitizer error; the input
# that did it is kept in the run's directory (printed) to become a qtest.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

seconds=180 corpus=
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) seconds=$2; shift 2 ;;
        --corpus) corpus=$2; shift 2 ;;
        *) die "fuzz.sh: unknown argument '$1' (see the header of $0)" ;;
    esac
done

build=${VCPUHP_SANITIZED_BUILD:-$("$VCPUHP_ROOT/tools/upstream/build-qemu-sanitized.sh")}
fuzzer="$build/qemu-fuzz-aarch64"
[ -x "$fuzzer" ] || die "no $fuzzer: the sanitized build did not make the fuzzer"

run=$(mktemp -d "${TMPDIR:-/tmp}/vcpuhp-fuzz.XXXXXX")
[ -n "$corpus" ] || corpus="$run/corpus"
mkdir -p "$corpus"
if [ -z "$(ls -A "$corpus")" ]; then
    # Seeds, one operation per 6 bytes: op, arg, 32-bit value (little endian);
    # see the op enum of virt_cpu_hotplug_fuzz.c. They start the fuzzer on the
    # paths a guest and a host walk together.
    #   plug vCPU 2, unplug it, the guest ejects it
    printf '\x04\x02\0\0\0\0\x05\x02\0\0\0\0\x06\x02\0\0\0\0' > "$corpus/plug-unplug"
    #   plug vCPU 3, unplug it, the guest refuses through _OST (0x03, 0x82)
    printf '\x04\x03\0\0\0\0\x05\x03\0\0\0\0\x07\x03\x03\x82\0\0' > "$corpus/refused-by-guest"
    #   plug vCPU 4, the guest asks for the next vCPU with an event and clears it
    printf '\x04\x04\0\0\0\0\x00\x00\x04\0\0\0\x00\x05\0\0\0\0\x01\x28\0\0\0\0\x00\x14\x02\0\0\0' \
        > "$corpus/guest-scan"
    #   the guest ejects boot vCPU 1, then a reset with vCPU 5 plugged
    printf '\x06\x01\0\0\0\0\x04\x05\0\0\0\0\x09\0\0\0\0\0' > "$corpus/boot-vcpu-reset"
fi

log "fuzzing virt-cpu-hotplug for $seconds s (run directory $run)"
# rss_limit_mb: the sanitized QEMU with a 64 MiB guest stays far below it; a leak
# does not. max_len 600: up to 100 operations per input, and len_control 10 lets
# inputs grow to it within minutes rather than hours: the bugs are in sequences
# (plug, scribble, unplug, reset), not in single writes. timeout: one input is at
# most a few hundred operations.
rc=0
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$fuzzer" --fuzz-target=virt-cpu-hotplug -max_total_time="$seconds" -seed=1 \
    -max_len=600 -len_control=10 -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$run/" \
    "$corpus" >"$run/fuzz.log" 2>&1 || rc=$?

stat() { sed -n "s/^stat::$1: *//p" "$run/fuzz.log" | tail -n1; }
execs=$(stat number_of_executed_units) rate=$(stat average_exec_per_sec)
crashes=$(find "$run" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) | wc -l)
edges=$( (grep -o 'cov: [0-9]*' "$run/fuzz.log" || true) | tail -n1 | cut -d' ' -f2)
echo "fuzz: ${execs:-0} executions in $seconds s (${rate:-0}/s), $crashes crashes," \
    "corpus $(find "$corpus" -type f | wc -l) inputs, coverage ${edges:-0} edges"
if [ "$rc" != 0 ] || [ "$crashes" != 0 ] || [ -z "$execs" ]; then
    grep -m5 -E 'ERROR|SUMMARY|abort|runtime error' "$run/fuzz.log" >&2 || true
    die "the fuzzer failed (exit $rc): its log and reproducers are in $run"
fi
rm -rf "$run"
