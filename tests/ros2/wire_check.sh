#!/usr/bin/env bash
# The ROS 2 bridge's wire format read by someone else: tshark's RTPS dissector, on a capture of
# test_ros2's traffic on the loopback interface, must find the topic and type names ROS 2's
# Cyclone DDS middleware uses, ROS 2's default QoS on the bridge's writer and reader, and the
# samples in XCDR1 (CDR_LE). Usage: wire_check.sh TEST_ROS2_BINARY WORK_DIR
set -uo pipefail
bin=$1; work=$2
command -v tshark >/dev/null || { echo "FAIL tshark not found (scripts/install-deps.sh)"; exit 1; }
mkdir -p "$work"; cap="$work/ros2.pcapng"; rm -f "$cap"
tshark -q -i lo -f udp -w "$cap" -a duration:60 >"$work/tshark.log" 2>&1 &
shark=$!
for _ in $(seq 100); do grep -q "Capturing on" "$work/tshark.log" && break; sleep 0.1; done
"$bin" >"$work/test_ros2.log" 2>&1; rc=$?
sleep 0.5; kill -INT $shark; wait $shark
pass=0; fail=0
check() { # label, expected line, actual lines
    if grep -qxF "$2" <<<"$3"; then pass=$((pass + 1)); else
        echo "FAIL $1: expected '$2' in:"; echo "$3"; fail=$((fail + 1)); fi
}
[ $rc -eq 0 ] && pass=$((pass + 1)) || { echo "FAIL test_ros2 itself (exit $rc)"; fail=$((fail + 1)); }
# one line per DATA submessage: its writer, topic, type, reliability, depth, encapsulation
subs=$(tshark -r "$cap" -Y rtps -O rtps -V 2>/dev/null | python3 -c '
import re, sys
cur = None
def flush():
    if cur and cur.get("id") == "DATA":
        print(" ".join(cur.get(k, "-") for k in ("writer", "topic", "type", "rel", "depth", "enc")))
for line in sys.stdin:
    m = re.search(r"submessageId: (\w+)", line)
    if m:
        flush(); cur = {"id": m.group(1)}; continue
    if cur is None: continue
    for key, pat in (("writer", r"writerEntityId: (\w+)"), ("topic", r"^\s+\[?topic: ([\w/]+)"),
                     ("type", r"typeName: (\S+)"), ("rel", r"Kind: (\w+_RELIABILITY_QOS)"),
                     ("depth", r"Depth: (\d+)"), ("enc", r"encapsulation kind: (\w+)")):
        m = re.search(pat, line)
        if m and key not in cur: cur[key] = m.group(1)
flush()' | sort | uniq -c | awk '{$1=""; print substr($0, 2)}')
# the bridge announces its writer and reader with ROS 2's default QoS (reliable, keep last 10)
check "the bridge's /joint_states writer" \
    "ENTITYID_BUILTIN_PUBLICATIONS_WRITER rt/joint_states sensor_msgs::msg::dds_::JointState_ RELIABLE_RELIABILITY_QOS 10 PL_CDR_LE" "$subs"
check "the bridge's /joint_commands reader" \
    "ENTITYID_BUILTIN_SUBSCRIPTIONS_WRITER rt/joint_commands std_msgs::msg::dds_::Float64MultiArray_ RELIABLE_RELIABILITY_QOS 10 PL_CDR_LE" "$subs"
# and every joint state travels as XCDR1 (CDR_LE), none in XCDR2
states=$(awk '$1 !~ /^ENTITYID_/ && $2 == "rt/joint_states" && $NF != "-" {print $NF}' <<<"$subs" | sort -u)
check "the joint states' encoding (XCDR1)" "CDR_LE" "$states"
[ "$(wc -l <<<"$states")" -eq 1 ] || { echo "FAIL joint states in other encodings: $states"; fail=$((fail + 1)); }
echo "ros2 wire: $pass passed, $fail failed"
[ $fail -eq 0 ]
