#!/bin/bash
# soak.sh [--tcg-cycles N] [--kvm-cycles N] PROJECT_BUILD_DIR
# The soak of issue 11: plug / online / pinned work / unplug cycles while the
# guest's other vCPUs carry load (they start and end processes without pause),
#   N under TCG (default 1000): test-eject-under-load's arm64 MTTCG case, with
#     VCPUHP_LOAD_CYCLES=N;
#   N under KVM (default 100): the eject-under-load case of test-arm64-kvm-nested
#     (an L2 guest in the nested ARM KVM lab), with VCPUHP_NESTED_LOAD_CYCLES=N;
#     --kvm-cycles 0 leaves it out (and --tcg-cycles 0 the TCG run).
# Each test asserts that QEMU's threads and fds are back to their count before the
# cycles, that its RSS grew within the bound of tests/integration/lab-test.h, and
# that the guest's load went on; it reports the figures (g_test_message).
# PROJECT_BUILD_DIR is the project's meson build directory, configured as
# tools/lib/prepare.sh does (-Dqemu_binary, -Dlab_dir and, for KVM, -Dnested_dir):
# the tests run through `meson test` with the environment meson gives them, without
# its timeout. Writes the figures, with the command, commit, machine and load, to
# $VCPUHP_CACHE/reliability/soak-<UTC time>.txt and prints its path; the full test
# logs are in PROJECT_BUILD_DIR/meson-logs/soak-*.txt. Exits non-zero if a test fails.
# Outside the test suite's time budget: on the 2-core machine a TCG cycle takes 1.8 s
# (quiet) to 4 s (beside other builds and guests), 1000 of them 30 to 70 min; a
# nested KVM cycle 1.2 to 10 s, 100 of them 2 to 17 min, and L1's and L2's boots.
# RELIABILITY.md has the result.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

tcg_cycles=1000 kvm_cycles=100 args=("$@")
while [ $# -gt 1 ]; do
    case $1 in
        --tcg-cycles) tcg_cycles=$2; shift 2 ;;
        --kvm-cycles) kvm_cycles=$2; shift 2 ;;
        *) break ;;
    esac
done
[ $# = 1 ] && [ -e "$1/build.ninja" ] \
    || die "usage: $0 [--tcg-cycles N] [--kvm-cycles N] PROJECT_BUILD_DIR (a configured meson build)"
[[ $tcg_cycles =~ ^[0-9]+$ ]] || die "--tcg-cycles wants a number, not $tcg_cycles"
[ "$tcg_cycles$kvm_cycles" != 00 ] || die "--tcg-cycles 0 and --kvm-cycles 0: nothing to do"
[[ $kvm_cycles =~ ^[0-9]+$ ]] || die "--kvm-cycles wants a number, not $kvm_cycles"
build=$(cd "$1" && pwd)
meson compile -C "$build" >/dev/null || die "the project's build failed (meson compile -C $build)"
tests=$(meson test -C "$build" --list --no-rebuild 2>/dev/null)
grep -q 'test-eject-under-load$' <<<"$tests" \
    || die "$build has no integration tests: configure it with -Dqemu_binary= and -Dlab_dir="
if [ "$kvm_cycles" != 0 ] && ! grep -q 'test-arm64-kvm-nested$' <<<"$tests"; then
    die "$build has no nested KVM test: configure it with -Dnested_dir= (tools/lab/build-nested.sh), or give --kvm-cycles 0"
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
result="$VCPUHP_CACHE/reliability/soak-$stamp.txt"
mkdir -p "$(dirname "$result")"
commit=$(git -C "$VCPUHP_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$VCPUHP_ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes)"
fi
{
    echo "vcpuhp soak (issue 11): $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit"
    echo "command: tools/reliability/soak.sh ${args[*]}"
    echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)," \
         "Linux $(uname -r)"
} >"$result"

failed=0
# soak NAME ENV_VAR CYCLES TEST TESTPATH: one test case through meson test, its
# figures (the TAP diagnostics but GLib's own, and the result line) into $result.
soak() {
    local name=$1 var=$2 cycles=$3 test=$4 path=$5 start rc=0 load
    log "$name: $cycles cycles ($test $path), figures in $result"
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    start=$(date +%s)
    env "$var=$cycles" meson test -C "$build" --no-rebuild -t 0 --logbase "soak-$name-$stamp" \
        "$test" --test-args "-p $path" >/dev/null 2>&1 || rc=$?
    {
        echo
        echo "== $name: $cycles cycles, $test -p $path, $var=$cycles"
        echo "wall time $(( $(date +%s) - start )) s; load average $load before," \
             "$(cut -d' ' -f1-3 /proc/loadavg) after"
        grep -E '^(# |ok |not ok |Bail out)' "$build/meson-logs/soak-$name-$stamp.txt" \
            | grep -vE '^# (random seed|Start of|End of)' || echo "(no output: see the log)"
        echo "log: $build/meson-logs/soak-$name-$stamp.txt"
        [ $rc = 0 ] && echo "PASSED" || echo "FAILED (meson test exited $rc)"
    } >>"$result"
    [ $rc = 0 ] || failed=1
}

if [ "$tcg_cycles" != 0 ]; then
    soak tcg VCPUHP_LOAD_CYCLES "$tcg_cycles" test-eject-under-load /eject-under-load/arm64-mttcg
fi
if [ "$kvm_cycles" != 0 ]; then
    soak kvm VCPUHP_NESTED_LOAD_CYCLES "$kvm_cycles" test-arm64-kvm-nested \
        /arm64-kvm-nested/eject-under-load
fi
cat "$result" >&2
echo "$result"
exit $failed
