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
# "Capturing on" is printed before dumpcap has attached to the interface: discovery sent in
# that window was missing from two captures (the bridge's writers and readers absent) while
# the samples that followed were there
sleep 1
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
check "the bridge's /diagnostics writer" \
    "ENTITYID_BUILTIN_PUBLICATIONS_WRITER rt/diagnostics diagnostic_msgs::msg::dds_::DiagnosticArray_ RELIABLE_RELIABILITY_QOS 10 PL_CDR_LE" "$subs"
# the follow_joint_trajectory action: its services' request readers and reply writers, and its
# status (transient local, keep last 1), under the names and types of ROS 2's Cyclone middleware
action=rt/joint_trajectory_controller/follow_joint_trajectory/_action
svc=joint_trajectory_controller/follow_joint_trajectory/_action
fjt=control_msgs::action::dds_::FollowJointTrajectory
check "the action's send_goal request reader" \
    "ENTITYID_BUILTIN_SUBSCRIPTIONS_WRITER rq/$svc/send_goalRequest ${fjt}_SendGoal_Request_ RELIABLE_RELIABILITY_QOS 10 PL_CDR_LE" "$subs"
check "the action's get_result reply writer" \
    "ENTITYID_BUILTIN_PUBLICATIONS_WRITER rr/$svc/get_resultReply ${fjt}_GetResult_Response_ RELIABLE_RELIABILITY_QOS 10 PL_CDR_LE" "$subs"
check "the action's cancel_goal request reader" \
    "ENTITYID_BUILTIN_SUBSCRIPTIONS_WRITER rq/$svc/cancel_goalRequest action_msgs::srv::dds_::CancelGoal_Request_ RELIABLE_RELIABILITY_QOS 10 PL_CDR_LE" "$subs"
check "the action's feedback writer" \
    "ENTITYID_BUILTIN_PUBLICATIONS_WRITER $action/feedback ${fjt}_FeedbackMessage_ RELIABLE_RELIABILITY_QOS 10 PL_CDR_LE" "$subs"
check "the action's status writer (keep last 1: the default, not announced)" \
    "ENTITYID_BUILTIN_PUBLICATIONS_WRITER $action/status action_msgs::msg::dds_::GoalStatusArray_ RELIABLE_RELIABILITY_QOS - PL_CDR_LE" "$subs"
# and every joint state travels as XCDR1 (CDR_LE), none in XCDR2
states=$(awk '$1 !~ /^ENTITYID_/ && $2 == "rt/joint_states" && $NF != "-" {print $NF}' <<<"$subs" | sort -u)
check "the joint states' encoding (XCDR1)" "CDR_LE" "$states"
[ "$(wc -l <<<"$states")" -eq 1 ] || { echo "FAIL joint states in other encodings: $states"; fail=$((fail + 1)); }
echo "ros2 wire: $pass passed, $fail failed"
[ $fail -eq 0 ]
