#!/usr/bin/env python3
"""What the Python module costs: one RNEA call from Python (Panda) beside the same call in C and
beside Pinocchio's Python binding when it is installed, and rnea_batch over 10,000 states beside
the plain C loop over the same states, all in this one run. Medians of repeats.

Usage: PYTHONPATH=build/python python3 bench/bench_python.py [BUILD_DIR]"""
import os
import subprocess
import sys
import tempfile
import timeit

import numpy as np

import xiaonao as xn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
URDF = os.path.join(ROOT, "models", "urdf", "panda.urdf")
ROWS, REPEATS = 10000, 21


def median_call_ns(stmt, number=20000, repeats=REPEATS):
    times = timeit.repeat(stmt, number=number, repeat=repeats)
    return float(np.median(times)) / number * 1e9


model = xn.Model.from_urdf(URDF)
data = xn.Data(model)
rng = np.random.default_rng(1)
Q = rng.uniform(model.lower, model.upper, (ROWS, model.nq))
V, A = rng.normal(size=(ROWS, model.nv)), rng.normal(size=(ROWS, model.nv))
q, v, a = Q[0].copy(), V[0].copy(), A[0].copy()

py_call = median_call_ns(lambda: xn.rnea(model, data, q, v, a))
batch = [timeit.timeit(lambda: xn.rnea_batch(model, Q, V, A), number=1) for _ in range(REPEATS)]
py_batch_row = float(np.median(batch)) / ROWS * 1e9

with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
    np.hstack([Q, V, A]).astype(np.float64).tofile(f)
    states = f.name
out = subprocess.run([os.path.join(BUILD, "bench", "bench_rnea_loop"), URDF, states, str(ROWS),
                      str(REPEATS)], capture_output=True, text=True, check=True).stdout
os.unlink(states)
c = {line.split()[0]: float(line.split()[1]) for line in out.splitlines()}

try:
    import pinocchio as pin
    pm = pin.buildModelFromUrdf(URDF)
    pd = pm.createData()
    pin_call = median_call_ns(lambda: pin.rnea(pm, pd, q, v, a))
except ImportError:
    pin_call = None

print("| measure (Panda, 9 DoF) | ns | ratio |")
print("|---|---|---|")
print(f"| RNEA, one call in C | {c['call_ns']:.0f} | 1 |")
print(f"| RNEA, one call from Python (xn.rnea) | {py_call:.0f} | {py_call / c['call_ns']:.2f} |")
print(f"| binding overhead per call | {py_call - c['call_ns']:.0f} | |")
if pin_call is not None:
    print(f"| RNEA, one call from Python (Pinocchio) | {pin_call:.0f} | "
          f"{pin_call / c['call_ns']:.2f} |")
else:
    print("| RNEA from Pinocchio's Python binding | not installed | |")
print(f"| 10,000 states, C loop, per state | {c['loop_ns_per_row']:.1f} | 1 |")
print(f"| 10,000 states, xn.rnea_batch, per state | {py_batch_row:.1f} | "
      f"{py_batch_row / c['loop_ns_per_row']:.2f} |")
