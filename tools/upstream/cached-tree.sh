# Sourced by build-qemu.sh and build-libvirt.sh with $comp (the component's
# directory) and $name set. Sets:
#   top  $VCPUHP_CACHE/<name>/<version>-<key>, the key hashing the pin, the series
#        and the calling build script, so any change to them builds afresh
#   src  the materialised tree (pinned upstream + series, as git commits)
# materialising it once, and puts ccache in front of the compilers (it only takes
# effect when its wrapper directory comes first in PATH for configure and ninja).
. "$comp/upstream.conf"
top="$VCPUHP_CACHE/$name/${version#*:}-$("$here/series-key.sh" "$comp" "$0" \
    "$here/cached-tree.sh" "$here/materialize.sh" "$here/qemu-test-firmware.sh")"
src="$top/src"

if [ ! -e "$top/.materialized" ]; then
    rm -rf "$top"; mkdir -p "$top"
    "$here/materialize.sh" "$comp" "$src" >&2
    touch "$top/.materialized"
fi
export PATH="/usr/lib/ccache:$PATH" CCACHE_DIR="$VCPUHP_CACHE/ccache"
# Builds of another series live in another directory: rewrite absolute paths and
# leave the working directory out of the hash so they still hit the cache.
export CCACHE_BASEDIR="$top" CCACHE_NOHASHDIR=1
ccache --max-size=5G >/dev/null
