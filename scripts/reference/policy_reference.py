#!/usr/bin/env python3
"""Regenerates the actions of policies/unitree_g1_walk/reference_io.jsonl with the original
PyTorch policy (Unitree's TorchScript `motion.pt`, BSD-3-Clause, shipped beside the ONNX export)
on Debian's python3-torch.

The observations are kept as they are: the walk's 500 come from a closed-loop MuJoCo run of the
original deployment, the other 200 are random N(0, 1). Each sequence starts from a zero
recurrent state (the module is loaded afresh, its LSTM memory zero). Actions are float32 as
PyTorch computes them.

  scripts/reference/policy_reference.py             check: the file's actions against PyTorch
  scripts/reference/policy_reference.py --write     rewrite the file's actions
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICY = os.path.join(ROOT, "policies", "unitree_g1_walk")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(POLICY, "motion.pt"))
    ap.add_argument("--file", default=os.path.join(POLICY, "reference_io.jsonl"))
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("policy_reference: needs PyTorch (apt-get install python3-torch)")
    with open(args.file, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    policy, sequence, worst = None, None, 0.0
    for rec in records:
        if rec["sequence"] != sequence:  # a fresh module: zero recurrent state
            policy = torch.jit.load(args.model)
            policy.eval()
            sequence = rec["sequence"]
        obs = torch.tensor(rec["obs"], dtype=torch.float32).unsqueeze(0)
        with torch.no_grad():
            action = policy(obs).squeeze(0).tolist()
        if len(action) != len(rec["action"]):
            sys.exit(f"policy_reference: {len(action)} actions, the file has {len(rec['action'])}")
        worst = max([worst] + [abs(a - b) for a, b in zip(action, rec["action"])])
        rec["action"] = action
    print(f"policy_reference: {len(records)} steps; PyTorch {torch.__version__}; largest "
          f"difference from the file's actions {worst:.3g}")
    if args.write:
        with open(args.file, "w", encoding="utf-8") as f:
            for rec in records:
                f.write(json.dumps(rec) + "\n")
        print(f"policy_reference: wrote {args.file}")
    elif worst > 1e-5:
        sys.exit("policy_reference: the file's actions are not PyTorch's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
