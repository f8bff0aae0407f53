"""The Python tour runs and says what it computed (the weight the G1's base must carry equals its
mass times g: the tour prints both, from rnea and from com)."""
import os
import re
import subprocess
import sys

from conftest import ROOT


def test_tour_runs(tmp_path):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "python", "tour.py"),
                          str(tmp_path / "tour.png")], capture_output=True, text=True,
                         env=dict(os.environ), timeout=120)
    assert out.returncode == 0, out.stderr
    m = re.search(r"takes ([\d.]+) N on the base's z, as its weight says \(([\d.]+) N\)",
                  out.stdout)
    assert m and abs(float(m.group(1)) - float(m.group(2))) < 0.05, out.stdout
    assert "converged True" in out.stdout and "pick and place: done" in out.stdout
