#!/usr/bin/python3
"""libvirt-python-resize.py URI DOMAIN COUNT [--refused PATTERN]

Resizes a running domain's vCPUs the way virt-manager and Nova call the libvirt Python
API: setVcpusFlags(COUNT, VIR_DOMAIN_AFFECT_LIVE), then reads the result back with
vcpusFlags() (live count and maximum) and vcpus() (one row per running vCPU, the
per-vCPU view virt-manager draws). Exits 0 when every view agrees on COUNT, 1 with
the mismatch on stderr otherwise. With --refused, the call must fail with a
libvirtError whose message matches PATTERN (a regular expression), and the live count
must not change.
"""
import argparse
import re
import sys

import libvirt


def live_views(dom):
    """The live vCPU count as vcpusFlags() and vcpus() tell it, and the maximum."""
    count = dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE)
    maximum = dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_VCPU_MAXIMUM)
    info, _cpumaps = dom.vcpus()
    return count, maximum, sorted(row[0] for row in info)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("uri")
    parser.add_argument("domain")
    parser.add_argument("count", type=int)
    parser.add_argument("--refused", metavar="PATTERN")
    args = parser.parse_args()

    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # errors are raised
    conn = libvirt.open(args.uri)
    dom = conn.lookupByName(args.domain)
    before, maximum, _ = live_views(dom)
    try:
        dom.setVcpusFlags(args.count, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    except libvirt.libvirtError as err:
        if args.refused and re.search(args.refused, str(err)):
            after = live_views(dom)[0]
            if after != before:
                print(f"refused, but the live count went {before} -> {after}", file=sys.stderr)
                return 1
            print(f"refused as expected: {err}")
            return 0
        print(f"setVcpusFlags({args.count}, LIVE) failed: {err}", file=sys.stderr)
        return 1
    if args.refused:
        print(f"setVcpusFlags({args.count}, LIVE) succeeded; expected /{args.refused}/",
              file=sys.stderr)
        return 1
    count, new_maximum, ids = live_views(dom)
    if count != args.count or len(ids) != args.count or new_maximum != maximum:
        print(f"after setVcpusFlags({args.count}, LIVE): vcpusFlags(LIVE)={count}, "
              f"vcpus() ids={ids}, maximum {maximum} -> {new_maximum}", file=sys.stderr)
        return 1
    print(f"{args.domain}: {before} -> {count} vCPUs live (of {maximum}), vcpus() ids {ids}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
