#!/bin/bash
# sanitizers.sh PROJECT_BUILD_DIR | --qtest-only | --eject-only PROJECT_BUILD_DIR
# Runs vCPU hotplug under AddressSanitizer and UndefinedBehaviorSanitizer: the
# clang + ASan + UBSan build of the series (tools/upstream/build-qemu-sanitized.sh)
# takes the place of our QEMU in
#   QEMU's own cpu-plug-test and bios-tables-test (aarch64),
#   the project's aarch64 hotplug integration tests: test-arm64-hotplug,
#   test-arm64-psci, test-eject-under-load (its arm64 cases), test-hostile-guest.
# --qtest-only runs cpu-plug-test alone (the test suite's step, about a minute).
# --eject-only runs test-eject-under-load's arm64 MTTCG case alone, for
# VCPUHP_LOAD_CYCLES cycles (25 if unset; the test suite's step, about 2 minutes):
# other vCPUs queue TLB flushes on every vCPU they see, the unplugged one too, so a
# leak or use of a vCPU's queued work after it is unplugged shows there.
# PROJECT_BUILD_DIR is the project's meson build directory (tools/check.sh and
# tools/demo.sh make one, configured by tools/lib/prepare.sh): each test is run with
# the command and environment meson gives it, but VCPUHP_QEMU pointing at the
# sanitized QEMU. The sanitizers write their reports to files, not to the tests'
# stderr, so a report from a QEMU that a test killed is not lost; any report fails.
# Prints one line per test and "sanitizers: N passed, N failed, R reports".
# Outside the test suite's time budget (about 40 min on the 2-core machine); its
# last result is in RELIABILITY.md.
set -euo pipefail
here=$(dirname "$0")
. "$here/../lib/common.sh"

mode=all project=
case "${1:-}" in
--qtest-only) mode=qtest; shift ;;
--eject-only) mode=eject; shift ;;
esac
if [ $mode != qtest ]; then
    [ $# = 1 ] && [ -e "$1/build.ninja" ] \
        || die "usage: $0 PROJECT_BUILD_DIR (a configured meson build) | --qtest-only" \
               "| --eject-only PROJECT_BUILD_DIR"
    project=$(cd "$1" && pwd)
fi
build=${VCPUHP_SANITIZED_BUILD:-$("$VCPUHP_ROOT/tools/upstream/build-qemu-sanitized.sh")}
qemu="$build/qemu-system-aarch64"
out=$(mktemp -d "${TMPDIR:-/tmp}/vcpuhp-sanitizers.XXXXXX")
# One log per QEMU process, $out/sanitizer.PID: ASan and UBSan share the runtime's
# log_path (the last one given wins), so both name the same.
export ASAN_OPTIONS="detect_leaks=1:log_path=$out/sanitizer"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$out/sanitizer"
# The integration tests bound QEMU's RSS growth; under ASan freed memory waits in
# its quarantine (up to 256 MiB), so they report it without bounding it.
export VCPUHP_RSS_UNBOUNDED="ASan's quarantine holds freed memory; LeakSanitizer checks leaks"
passed=0 failed=0

# run NAME COMMAND...: one test, its output in $out/NAME.log (spaces and slashes as _)
run() {
    local name=$1 start=$(date +%s) rc=0 log; shift
    log="$out/$(tr ' /' '__' <<<"$name").log"
    "$@" >"$log" 2>&1 || rc=$?
    # A test that registered no case (e.g. for a device the build lacks) passes
    # empty: that is no result.
    [ $rc != 0 ] || grep -q '^ok ' "$log" || rc=no-test
    if [ $rc = 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        tail -n 20 "$log" >&2
    fi
    printf '%-40s %s in %d s\n' "$name" "$([ $rc = 0 ] && echo ok || echo "FAILED ($rc)")" \
        "$(( $(date +%s) - start ))"
}

# project_test NAME [TEST ARGS...]: one of the project's tests, with the command and
# environment meson gives it
project_test() {
    local name=$1; shift
    local -a cmd envs
    [ -e "$out/tests.json" ] || meson introspect --tests "$project" > "$out/tests.json"
    mapfile -t cmd < <(python3 "$here/meson-test-field.py" "$out/tests.json" "$name" cmd)
    mapfile -t envs < <(python3 "$here/meson-test-field.py" "$out/tests.json" "$name" env)
    [ ${#cmd[@]} -gt 0 ] || die "no test $name in $project"
    run "$name${1:+ $*}" env "${envs[@]}" VCPUHP_QEMU="$qemu" "${cmd[@]}" "$@"
}

case $mode in
qtest|all)
    # QEMU's qtests run from its build directory, as its meson does: bios-tables-test
    # finds its firmware, boot image and expected tables by relative path.
    run cpu-plug-test env -C "$build" QTEST_QEMU_BINARY="$qemu" \
        tests/qtest/cpu-plug-test --tap
    ;;&
all)
    run bios-tables-test env -C "$build" QTEST_QEMU_BINARY="$qemu" \
        tests/qtest/bios-tables-test --tap
    # Run by hand, the project's tests may be older than its sources; run by meson
    # test (--eject-only), they were built for it.
    meson compile -C "$project" >/dev/null
    project_test test-arm64-hotplug
    project_test test-arm64-psci
    ;;&
eject|all)
    VCPUHP_LOAD_CYCLES=${VCPUHP_LOAD_CYCLES:-$([ $mode = eject ] && echo 25 || echo 100)} \
        project_test test-eject-under-load -p /eject-under-load/arm64-mttcg
    ;;&
all)
    project_test test-eject-under-load -p /eject-under-load/arm64-single-thread
    project_test test-hostile-guest
    ;;
esac

# A report is a sanitizer error (ASan, LeakSanitizer) or a UBSan runtime error; the
# logs also hold ASan's warning about QEMU's coroutines (makecontext), which is not.
reports=$( (grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$out"/sanitizer.* \
    2>/dev/null || true) | wc -l)
echo "sanitizers: $passed passed, $failed failed, $reports reports (logs in $out)"
[ "$failed" = 0 ] && [ "$reports" = 0 ] || {
    grep -h -A30 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$out"/sanitizer.* \
        2>/dev/null | head -n 80 >&2
    exit 1
}
[ $mode = all ] || rm -rf "$out"
