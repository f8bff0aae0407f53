#!/bin/bash
# Dynamic identification end to end on the simulated Panda (MuJoCo), the robot's dynamics
# perturbed without xiaonao being told (perturb_panda.py: links +-20 %, armature, damping,
# Coulomb friction):
#  - xn identify excite designs the excitation on the nominal model; its program runs on the
#    loopback backend and every joint's logged reference equals the Fourier series recomputed here
#    from the program's text (Python, an independent evaluation);
#  - the excitation and a second one (another seed, for validation) run on the perturbed robot
#    with the nominal model in the controller; xn identify dynamics cuts the torque error on the
#    validation motion by at least 80 %, its well-determined base parameters are within 10 %
#    (median) of the perturbed model's own, and the collision observer needs lower thresholds in
#    total with the identified model;
#  - the identified model and friction drive the perturbed robot (xn run --model --friction);
#  - payload: a 2 kg tool with its centre of mass off every axis, recovered within 2 % and 5 mm
#    on the nominal robot, and on the perturbed robot with the identified model;
#  - bad input: a NaN in a log, a gap, time going back, one joint moving (rank deficiency named),
#    a fourier line that does not start at rest, an excite without fourier lines, each refused
#    with a message naming the place.
#   ident_check.sh XN SOURCE_DIR WORK_DIR
set -eu
xn=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
cd "$work"
failed=0
fail() { echo "FAIL $*"; failed=1; }
nominal="$src/models/mjcf/franka_panda/scene.xml"

python3 "$src/tests/ident/perturb_panda.py" "$src/models/mjcf/franka_panda" pert
"$xn" identify excite "$nominal" --out excite.xnp --seed 1 > excite.txt || fail "excite design"
"$xn" identify excite "$nominal" --out validate.xnp --seed 7 > /dev/null || fail "second design"
grep -q "^excite period 10 for 30" excite.xnp || fail "the program has no excite line"

# the runtime follows the series: references against the closed form, on ideal joints
"$xn" run excite.xnp --backend loopback --robot "$nominal" --log loop.csv --quiet > /dev/null ||
    fail "the excitation on the loopback backend"
python3 - excite.xnp loop.csv <<'PY' || fail "the excitation's references"
import csv, math, sys
prog, log = sys.argv[1], sys.argv[2]
series, period = {}, None
for line in open(prog):
    w = line.split("#")[0].replace("[", " [ ").replace("]", " ] ").replace(",", " ").split()
    if w[:1] == ["fourier"]:
        name, q0 = w[1], float(w[2])
        ia, ib = w.index("a"), w.index("b")
        a = [float(x) for x in w[ia + 2:w.index("]", ia)]]
        b = [float(x) for x in w[ib + 2:w.index("]", ib)]]
        series[name] = (q0, a, b)
    if w[:1] == ["excite"]:
        period, length = float(w[2]), float(w[4])
rows = list(csv.DictReader(open(log)))
# the excite line starts in the cycle its line number first shows, whose reference is already
# one period in (the reference before it was q(0), where the robot rested)
exline = [i + 1 for i, l in enumerate(open(prog)) if l.startswith("excite")][0]
dt = float(rows[1]["time"]) - float(rows[0]["time"])
start = next(float(r["time"]) for r in rows if r["line"] == str(exline)) - dt
worst, n = 0.0, 0
for r in rows:
    t = float(r["time"]) - start
    if r["line"] != str(exline) or not (0 <= t <= length):
        continue
    for name, (q0, a, b) in series.items():
        w = 2 * math.pi / period
        q = q0 + sum((a[h] * math.sin(w * (h + 1) * t) + b[h] * (1 - math.cos(w * (h + 1) * t)))
                     / (w * (h + 1)) for h in range(len(a)))
        qd = sum(a[h] * math.cos(w * (h + 1) * t) + b[h] * math.sin(w * (h + 1) * t)
                 for h in range(len(a)))
        worst = max(worst, abs(float(r["qref_" + name]) - q), abs(float(r["qdref_" + name]) - qd))
        n += 1
print(f"excitation reference vs closed form: {n} values, worst {worst:.2e}")
sys.exit(0 if n > 1000 and worst < 1e-6 else 1)
PY

# on the perturbed robot, the controller keeping the nominal model
for p in excite validate; do
    "$xn" run $p.xnp --robot pert/scene.xml --model "$nominal" --log $p.csv --quiet > /dev/null ||
        fail "xn run $p on the perturbed robot"
done
"$xn" identify dynamics "$nominal" excite.csv --validate validate.csv --compare pert/scene.xml \
    --out id > identify.txt || { cat identify.txt; fail "xn identify dynamics"; }
cat identify.txt
python3 - identify.txt <<'PY' || fail "the identification's figures"
import re, sys
text = open(sys.argv[1]).read()
red = float(re.search(r"^all\s+\S+\s+\S+\s+(-?[\d.]+)%", text, re.M).group(1))
med = float(re.search(r"relative error median ([\d.e+-]+) %", text).group(1))
obs = text.split("collision observer")[1].splitlines()[3:10]
nom = sum(float(l.split()[1]) for l in obs)
ide = sum(float(l.split()[2]) for l in obs)
print(f"validation torque error cut {red} %, base parameters median error {med} %, observer "
      f"thresholds {nom:.3g} -> {ide:.3g} N m")
ok = red >= 80 and med <= 10 and ide < nom
sys.exit(0 if ok else 1)
PY
for f in model.xml friction.json base_parameters.csv parameters.csv report.txt; do
    [ -s "id/$f" ] || fail "id/$f was not written"
done
"$xn" run "$src/examples/pick_and_place.xnp" --robot pert/scene.xml --model id/model.xml \
    --friction id/friction.json --quiet > /dev/null || fail "xn run with the identified model"

expect_error() { # what, pattern, command...
    local what=$1 pattern=$2
    shift 2
    if "$@" > out.txt 2>&1; then fail "$what: accepted"; return; fi
    grep -q -- "$pattern" out.txt || { fail "$what: the message does not say '$pattern'"; cat out.txt; }
}

# payload: a 2 kg tool, its centre of mass off every axis, in the hand; the controller is not
# told. Identified from a wrist excitation, on the nominal robot with the nominal model, and on the
# perturbed robot with the model identified above (with the nominal model there it is 9 % off).
"$xn" identify excite "$nominal" --joints joint4,joint5,joint6,joint7 --period 4 --periods 2 \
    --out wrist.xnp > /dev/null || fail "the wrist excitation"
python3 "$src/tests/ident/add_payload.py" "$src/models/mjcf/franka_panda" tool 2 0.03 -0.02 0.08
python3 "$src/tests/ident/add_payload.py" pert pert_tool 2 0.03 -0.02 0.08
check_payload() { # robot, model, what
    "$xn" run wrist.xnp --robot "$1/scene.xml" --model "$2" --log "$1.csv" --quiet > /dev/null ||
        fail "the wrist excitation on $1"
    "$xn" identify payload "$2" "$1.csv" --frame hand > "$1.txt" || { fail "payload ($3)"; return; }
    python3 - "$1.txt" "$3" <<'PY' || fail "payload ($3): outside 2 % and 5 mm"
import re, sys
m = re.search(r"set payload ([\d.]+) \[([-\d.]+), ([-\d.]+), ([-\d.]+)\]", open(sys.argv[1]).read())
mass, com = float(m.group(1)), [float(m.group(i)) for i in (2, 3, 4)]
dm = abs(mass - 2) / 2
dc = sum((a - b) ** 2 for a, b in zip(com, (0.03, -0.02, 0.08))) ** 0.5
print(f"payload ({sys.argv[2]}): {mass:.4f} kg ({100 * dm:.2f} % off), com {1000 * dc:.2f} mm off")
sys.exit(0 if dm <= 0.02 and dc <= 0.005 else 1)
PY
}
check_payload tool "$nominal" "nominal robot, nominal model"
check_payload pert_tool id/model.xml "perturbed robot, identified model"
"$xn" run wrist.xnp --robot "$nominal" --log bare.csv --quiet > /dev/null || fail "wrist, no tool"
expect_error "a payload where there is none" "no payload" "$xn" identify payload "$nominal" bare.csv
expect_error "a frame off the payload's body" "frame link3 is not on body link7" \
    "$xn" identify payload "$nominal" tool.csv --frame link3

# bad input, each refused by name
awk -F, 'NR == 5000 { $4 = "nan" } { print }' OFS=, excite.csv > nan.csv
expect_error "a NaN in a log" "nan.csv:5000: column 4 (a joint's signal): \"nan\" is not a finite number" \
    "$xn" identify dynamics "$nominal" nan.csv
awk 'NR < 5000 || NR > 5100' excite.csv > gap.csv
expect_error "a gap in a log" "gap.csv:5000: a gap in the log" "$xn" identify dynamics "$nominal" gap.csv
awk 'NR != 5000' excite.csv | awk 'NR == 5000 { print prev } { prev = $0; print }' > back.csv
expect_error "time going back" "does not increase" "$xn" identify dynamics "$nominal" back.csv
cat > one.xnp <<'XNP'
movej [0, -0.785, 0, -2.356, 0, 1.571, 0.785]
fourier joint4 -2.356 a [0.3, -0.3] b [0.2, -0.1]
excite period 4 for 8
XNP
"$xn" run one.xnp --log one.csv --quiet > /dev/null || fail "one joint's excitation"
expect_error "one joint moving" "rank-deficient regressor); not identifiable from them: " \
    "$xn" identify dynamics "$nominal" one.csv
sed 's/a \[0.3, -0.3\]/a [0.3, -0.2]/' one.xnp > rest.xnp
expect_error "a series that does not start at rest" "rest.xnp:2:.*must start at rest" \
    "$xn" run rest.xnp --quiet
printf 'movej [0, -0.785, 0, -2.356, 0, 1.571, 0.785]\nexcite period 4 for 8\n' > bare.xnp
expect_error "excite without fourier lines" "excite needs fourier lines" "$xn" run bare.xnp --quiet
sed 's/excite period 4 for 8/excite period 4 for 9/' one.xnp > part.xnp
expect_error "part of a period" "whole periods" "$xn" run part.xnp --quiet
sed 's/a \[0.3, -0.3\] b \[0.2, -0.1\]/a [3, -3] b [2, -1]/' one.xnp > fast.xnp
expect_error "an excitation beyond the joint's range" "outside its limits" "$xn" run fast.xnp --quiet
exit $failed
