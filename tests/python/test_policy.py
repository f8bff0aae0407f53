"""The ONNX policy runtime from Python: the G1 walking policy (an LSTM) stepped on the
reference observations gives PyTorch's own actions (policies/unitree_g1_walk/reference_io.jsonl,
written by the original model in float32) within 1e-5, its recurrent state carried by step() and
zeroed by reset() at each sequence's start; bad inputs raise, naming the input."""
import json
import os

import numpy as np
import pytest

import xiaonao as xn
from conftest import ROOT

POLICY = os.path.join(ROOT, "policies", "unitree_g1_walk")

pytestmark = pytest.mark.skipif(not hasattr(xn, "Policy"),
                                reason="built without the learn library (protobuf-c)")


def test_matches_pytorch_reference():
    p = xn.Policy(os.path.join(POLICY, "g1_walk.onnx"))
    assert dict(p.inputs)["obs"] == 47 and dict(p.outputs)["action"] == 12
    worst, steps, sequences = 0.0, 0, 0
    with open(os.path.join(POLICY, "reference_io.jsonl")) as f:
        for line in f:
            ref = json.loads(line)
            if ref["step"] == 0:
                p.reset()
                sequences += 1
            out = p.step(obs=np.array(ref["obs"]))
            assert out["action"].dtype == np.float32 and out["action"].shape == (12,)
            worst = max(worst, float(np.abs(out["action"] - np.array(ref["action"])).max()))
            steps += 1
    print(f"G1 policy from Python: {steps} steps in {sequences} sequences, worst "
          f"|action - PyTorch| {worst:.2e}")
    assert steps == 700 and sequences == 2 and worst < 1e-5


def test_bad_inputs_raise_naming_them():
    p = xn.Policy(os.path.join(POLICY, "g1_walk.onnx"))
    with pytest.raises(xn.ArgumentError, match="obs: 46 values, the policy takes 47"):
        p.run(obs=np.zeros(46))
    with pytest.raises(xn.ArgumentError, match="observation: the policy has no input"):
        p.run(observation=np.zeros(47))
    obs = np.zeros(47)
    good = p.run(obs=obs)["action"].copy()
    obs[3] = np.nan
    with pytest.raises(xn.ArgumentError, match="NaN"):
        p.run(obs=obs)
    with pytest.raises(xn.ArgumentError, match="by name"):
        p.run(np.zeros(47))
    with pytest.raises(xn.Error):
        xn.Policy(os.path.join(POLICY, "missing.onnx"))
    with pytest.raises(xn.Error, match="not loaded"):
        xn.Policy.__new__(xn.Policy).run(obs=np.zeros(47))
    assert np.all(np.isfinite(good))
