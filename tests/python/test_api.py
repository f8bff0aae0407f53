"""The Python module's conventions: shapes and dtypes, views and copies, errors that name the
argument and the expected shape, and threads (batched calls release the GIL; one Data per
thread is safe)."""
import os
import threading
import time

import numpy as np
import pytest

import xiaonao as xn
from conftest import MODELS


def test_model_attributes(panda):
    assert (panda.nq, panda.nv) == (9, 9)
    assert panda.joint_names[0] == "panda_joint1"
    assert "panda_hand" in panda.frame_names
    assert panda.frame_id("panda_hand") == panda.frame_names.index("panda_hand")
    assert panda.lower.shape == (9,) and panda.gravity.tolist() == [0, 0, -9.81]
    assert np.all(panda.lower < panda.upper)


def test_model_arrays_are_read_only_views(panda):
    with pytest.raises(ValueError):
        panda.lower[0] = 0
    lower = np.array(panda.lower)  # a copy may be changed
    lower[0] = 0


def test_results_are_views_until_copied(panda):
    data = xn.Data(panda)
    q, v = np.array(panda.neutral), np.zeros(panda.nv)
    first = xn.gravity(panda, data, q)
    kept = first.copy()
    snapshot = data.copy()
    q2 = q + 0.3
    xn.gravity(panda, data, q2)
    assert not np.array_equal(first, kept)  # the view shows the newest call
    assert np.array_equal(snapshot.g, kept)  # the copies do not
    assert first.base is not None and data.g.flags.writeable


def test_arguments_of_other_dtypes_are_converted(panda):
    data = xn.Data(panda)
    tau_int = xn.rnea(panda, data, [0] * 9, np.zeros(9, dtype=np.int32), np.zeros(9)).copy()
    tau_float = xn.rnea(panda, data, np.zeros(9), np.zeros(9), np.zeros(9))
    assert np.array_equal(tau_int, tau_float)


@pytest.mark.parametrize("call,expected", [
    (lambda m, d: xn.rnea(m, d, np.zeros(3), np.zeros(9), np.zeros(9)), "q: expected shape (9,)"),
    (lambda m, d: xn.aba(m, d, np.zeros(9), np.zeros(9), np.zeros((9, 1))),
     "tau: expected shape (9,)"),
    (lambda m, d: xn.gravity(m, d, "nine"), "q: expected an array of float64 of shape (9,)"),
    (lambda m, d: xn.frame_jacobian(m, d, np.zeros(9), "elbow"), "no frame 'elbow'"),
    (lambda m, d: xn.frame_jacobian(m, d, np.zeros(9), 0, convention="body"), "convention"),
    (lambda m, d: xn.frame_pose(m, d, 10_000), "frame: a frame name or an id"),
    (lambda m, d: xn.rnea_batch(m, np.zeros((4, 9)), np.zeros((3, 9)), np.zeros((4, 9))),
     "V: 3 rows, Q has 4"),
    (lambda m, d: xn.crba_batch(m, np.zeros((0, 9))), "Q: expected shape (N, 9) with N >= 1"),
])
def test_bad_arguments_name_themselves(panda, call, expected):
    data = xn.Data(panda)
    with pytest.raises(xn.ArgumentError) as e:
        call(panda, data)
    assert expected in str(e.value)
    assert isinstance(e.value, ValueError) and isinstance(e.value, xn.Error)


def test_wrong_types_raise_type_errors(panda):
    with pytest.raises(TypeError):
        xn.rnea("panda", xn.Data(panda), np.zeros(9), np.zeros(9), np.zeros(9))
    with pytest.raises(TypeError):
        xn.Data(None)


def test_data_of_another_model_is_refused(panda):
    ur5 = xn.Model.from_urdf(os.path.join(MODELS, "urdf", "ur5_robot.urdf"))
    with pytest.raises(xn.ArgumentError, match="another model"):
        xn.gravity(panda, xn.Data(ur5), np.zeros(9))


def test_model_errors_say_where(tmp_path):
    with pytest.raises(xn.ModelError) as e:
        xn.Model.from_urdf(str(tmp_path / "missing.urdf"))
    assert e.value.file.endswith("missing.urdf")
    bad = tmp_path / "bad.urdf"
    bad.write_text('<robot name="r">\n<link name="a"/>\n<joint name="j" type="revolute">\n'
                   '<parent link="a"/><child link="b"/></joint>\n</robot>\n')
    with pytest.raises(xn.ModelError) as e:
        xn.Model.from_urdf(str(bad))
    assert e.value.line > 0 and "child link 'b'" in str(e.value)
    with pytest.raises(xn.ModelError):
        xn.Model.from_string("<robot", format="urdf")
    with pytest.raises(xn.ArgumentError):
        xn.Model.from_string("<robot/>", format="sdf")


def test_mjcf_and_strings_load():
    m = xn.Model.from_mjcf(os.path.join(MODELS, "mjcf", "franka_panda", "panda.xml"))
    assert m.nv == 9
    with open(os.path.join(MODELS, "urdf", "panda.urdf")) as f:
        s = xn.Model.from_string(f.read())
    assert s.nv == 9 and s.joint_names == xn.Model.from_urdf(
        os.path.join(MODELS, "urdf", "panda.urdf")).joint_names


def test_batched_calls_release_the_gil(panda):
    """A thread counting in Python keeps counting while the main thread runs a long batch: as
    fast as it counts while the main thread sleeps (which releases the GIL), where a held GIL
    would let it count for a switch interval or two at most. Two batches in two threads give the
    single-threaded answers."""
    rng = np.random.default_rng(5)
    n = 100000
    Q = rng.uniform(panda.lower, panda.upper, (n, panda.nq))
    V, A = rng.normal(size=(n, panda.nv)), rng.normal(size=(n, panda.nv))
    ticks, running = [0], [True]

    def count():
        while running[0]:
            ticks[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    t0, k0 = time.perf_counter(), ticks[0]
    time.sleep(0.1)
    rate = (ticks[0] - k0) / (time.perf_counter() - t0)  # ticks per second, GIL free
    t0, k0 = time.perf_counter(), ticks[0]
    expected = xn.rnea_batch(panda, Q, V, A)
    during, spent = ticks[0] - k0, time.perf_counter() - t0
    running[0] = False
    counter.join()
    print(f"{n} rows in {spent * 1e3:.0f} ms; the other thread counted {during} "
          f"({during / (rate * spent):.2f} of its free rate)")
    assert spent > 0.02 and during > 0.3 * rate * spent
    results = [None, None]

    def work(i):
        results[i] = xn.rnea_batch(panda, Q, V, A)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert all(np.array_equal(r, expected) for r in results)


def test_one_data_per_thread(panda):
    rng = np.random.default_rng(9)
    qs = rng.uniform(panda.lower, panda.upper, (200, panda.nq))
    expected = [xn.gravity(panda, xn.Data(panda), q).copy() for q in qs]
    failures = []

    def work():
        data = xn.Data(panda)
        for q, e in zip(qs, expected):
            if not np.array_equal(xn.gravity(panda, data, q), e):
                failures.append(1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_help_documents_the_functions():
    for f in (xn.rnea, xn.aba, xn.crba, xn.frame_jacobian, xn.rnea_batch):
        assert f.__doc__ and "->" in f.__doc__
    assert "view" in xn.Data.__doc__ and "read-only" in xn.Model.__doc__
