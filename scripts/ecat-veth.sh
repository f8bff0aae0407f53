#!/usr/bin/env bash
# A wire for the EtherCAT master and the virtual segment on one machine: a network namespace NAME
# holding one end of a veth pair (NAME"s", where `xn ecat-sim` answers) and the other end here
# (NAME"m", where the master sends). Both ends up, without addresses and without IPv6, so that
# nothing but EtherCAT crosses. Needs root (or CAP_NET_ADMIN); NAME at most 12 characters.
#   scripts/ecat-veth.sh up NAME     make them
#   scripts/ecat-veth.sh down NAME   remove them (removing the namespace removes the pair)
# Then: ip netns exec NAME xn ecat-sim NAMEs &  and  xn ecat scan NAMEm
set -euo pipefail
cmd=${1:-}; name=${2:-}
if [ -z "$name" ] || [ ${#name} -gt 12 ]; then
    echo "usage: $0 up|down NAME (NAME: 1 to 12 characters)" >&2; exit 2
fi
case "$cmd" in
up)
    ip netns add "$name"
    ip link add "${name}m" type veth peer name "${name}s"
    ip link set "${name}s" netns "$name"
    for side in "" "ip netns exec $name"; do
        ifc=${name}m; [ -n "$side" ] && ifc=${name}s
        $side sysctl -qw "net.ipv6.conf.${ifc}.disable_ipv6=1" || true
        $side ip link set "$ifc" up
    done
    ;;
down)
    ip link del "${name}m" 2>/dev/null || true
    ip netns del "$name" 2>/dev/null || true
    ;;
*) echo "usage: $0 up|down NAME" >&2; exit 2 ;;
esac
