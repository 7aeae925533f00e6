#!/bin/bash
# series-key.sh COMPONENT_DIR [EXTRA_FILE...]
# Prints a short key that changes whenever the pinned version, the series or the
# given build scripts change: cached builds are keyed by it.
set -euo pipefail
shopt -s nullglob
comp=$1; shift
cat "$comp/upstream.conf" "$comp/upstream.sha256" "$comp/patches/series" \
    "$comp"/patches/*.patch "$comp"/local/*.patch "$@" | sha256sum | cut -c1-12
