/* Trajectory generation from Python: xiaonao.otg(...) -> xiaonao.Trajectory, sampled with
 * .at(t) at one time or at an array of times. SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <string.h>

#include "py_internal.h"

typedef struct {
    PyObject_HEAD xn_trajectory t;
} XnTrajectory;

/* an optional per-DoF argument: its values into out (n of them), or zeros when absent */
static int dof_array(PyObject *obj, const char *name, int n, xn_real *out) {
    if (!obj || obj == Py_None) {
        memset(out, 0, (size_t)n * sizeof(xn_real));
        return 0;
    }
    PyArrayObject *a = xnpy_vector(obj, name, n);
    if (!a) return -1;
    memcpy(out, PyArray_DATA(a), (size_t)n * sizeof(xn_real));
    Py_DECREF(a);
    return 0;
}

static PyObject *traj_at(XnTrajectory *o, PyObject *arg) {
    int n = o->t.dofs;
    /* one time (a 0-d array: states of (n,)) or a 1-D array of N (states of (N, n)) */
    PyArrayObject *ts = (PyArrayObject *)PyArray_FROMANY(arg, NPY_DOUBLE, 0, 1, NPY_ARRAY_IN_ARRAY);
    if (!ts) {
        PyErr_Clear();
        return xnpy_argument_error("t: a time (s) or a 1-D array of times, got %s",
                                   Py_TYPE(arg)->tp_name);
    }
    int nd = PyArray_NDIM(ts);
    npy_intp rows = nd ? PyArray_DIM(ts, 0) : 1, dims[2] = {rows, n};
    const double *tv = PyArray_DATA(ts);
    for (npy_intp i = 0; i < rows; i++)
        if (!isfinite(tv[i])) {
            Py_DECREF(ts);
            return xnpy_argument_error("t: entry %zd is not finite", (Py_ssize_t)i);
        }
    npy_intp *shape = nd ? dims : dims + 1;
    PyObject *p = PyArray_ZEROS(nd + 1, shape, NPY_DOUBLE, 0),
             *v = PyArray_ZEROS(nd + 1, shape, NPY_DOUBLE, 0),
             *a = PyArray_ZEROS(nd + 1, shape, NPY_DOUBLE, 0);
    if (p && v && a) {
        double *pp = PyArray_DATA((PyArrayObject *)p), *vp = PyArray_DATA((PyArrayObject *)v),
               *ap = PyArray_DATA((PyArrayObject *)a);
        PyThreadState *state = PyEval_SaveThread();
        for (npy_intp i = 0; i < rows; i++)
            xn_trajectory_at(&o->t, tv[i], pp + i * n, vp + i * n, ap + i * n, NULL);
        PyEval_RestoreThread(state);
    }
    Py_DECREF(ts);
    PyObject *res = p && v && a ? PyTuple_Pack(3, p, v, a) : NULL;
    Py_XDECREF(p);
    Py_XDECREF(v);
    Py_XDECREF(a);
    return res;
}

static PyObject *traj_duration(XnTrajectory *o, void *unused) {
    (void)unused;
    return PyFloat_FromDouble(o->t.duration);
}

static PyObject *traj_dofs(XnTrajectory *o, void *unused) {
    (void)unused;
    return PyLong_FromLong(o->t.dofs);
}

static PyObject *traj_dof_durations(XnTrajectory *o, void *unused) {
    (void)unused;
    npy_intp n = o->t.dofs;
    PyObject *a = PyArray_ZEROS(1, &n, NPY_DOUBLE, 0);
    if (a) memcpy(PyArray_DATA((PyArrayObject *)a), o->t.dof_duration, (size_t)n * sizeof(double));
    return a;
}

static PyObject *traj_repr(XnTrajectory *o) {
    char d[32];
    snprintf(d, sizeof d, "%.6g", o->t.duration);
    return PyUnicode_FromFormat("<xiaonao.Trajectory: %d DoFs, %s s>", o->t.dofs, d);
}

static PyMethodDef traj_methods[] = {
    {"at", (PyCFunction)traj_at, METH_O,
     "at(t) -> (position, velocity, acceleration)\n\nThe state at time t (s, clamped below at 0, "
     "held after the end): arrays of (dofs,) for one time, of (N, dofs) for a 1-D array of N "
     "times (sampled in C with the GIL released)."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef traj_getset[] = {
    {"duration", (getter)traj_duration, NULL, "s: when every DoF has arrived", NULL},
    {"dofs", (getter)traj_dofs, NULL, "degrees of freedom", NULL},
    {"dof_durations", (getter)traj_dof_durations, NULL,
     "(dofs,) s: when each arrives (all equal under time synchronization)", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject XnTrajectoryType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "xiaonao.Trajectory",
    .tp_basicsize = sizeof(XnTrajectory),
    .tp_repr = (reprfunc)traj_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A time-optimal, jerk-limited trajectory from xiaonao.otg: .duration, .at(t).",
    .tp_methods = traj_methods,
    .tp_getset = traj_getset,
};

static PyObject *py_otg(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    static char *kwn[] = {"current_position",
                          "target_position",
                          "max_velocity",
                          "max_acceleration",
                          "max_jerk",
                          "current_velocity",
                          "current_acceleration",
                          "target_velocity",
                          "target_acceleration",
                          "synchronization",
                          "interface",
                          "minimum_duration",
                          NULL};
    PyObject *o[9] = {NULL};
    const char *sync = "time", *iface = "position";
    double min_duration = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOOO|OOOOssd", kwn, &o[0], &o[1], &o[2], &o[3],
                                     &o[4], &o[5], &o[6], &o[7], &o[8], &sync, &iface,
                                     &min_duration))
        return NULL;
    PyArrayObject *p0 =
        (PyArrayObject *)PyArray_FROMANY(o[0], NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
    if (!p0) {
        PyErr_Clear();
        return xnpy_argument_error("current_position: a 1-D array of the DoFs' positions");
    }
    int n = (int)PyArray_DIM(p0, 0);
    Py_DECREF(p0);
    if (n < 1 || n > XN_OTG_MAX_DOFS)
        return xnpy_argument_error("current_position: 1 to %d DoFs, got %d", XN_OTG_MAX_DOFS, n);
    xn_otg_problem pr;
    xn_otg_problem_init(&pr, n);
    static const char *const names[9] = {
        "current_position",     "target_position", "max_velocity",
        "max_acceleration",     "max_jerk",        "current_velocity",
        "current_acceleration", "target_velocity", "target_acceleration"};
    xn_real *to[9] = {pr.current_position,     pr.target_position, pr.max_velocity,
                      pr.max_acceleration,     pr.max_jerk,        pr.current_velocity,
                      pr.current_acceleration, pr.target_velocity, pr.target_acceleration};
    for (int i = 0; i < 9; i++)
        if (dof_array(o[i], names[i], n, to[i])) return NULL;
    if (!strcmp(sync, "time"))
        pr.synchronization = XN_OTG_SYNC_TIME;
    else if (!strcmp(sync, "phase"))
        pr.synchronization = XN_OTG_SYNC_PHASE;
    else if (!strcmp(sync, "none"))
        pr.synchronization = XN_OTG_SYNC_NONE;
    else
        return xnpy_argument_error("synchronization: 'time', 'phase' or 'none', got '%s'", sync);
    if (!strcmp(iface, "position"))
        pr.interface = XN_OTG_POSITION;
    else if (!strcmp(iface, "velocity"))
        pr.interface = XN_OTG_VELOCITY;
    else
        return xnpy_argument_error("interface: 'position' or 'velocity', got '%s'", iface);
    pr.minimum_duration = min_duration;
    XnTrajectory *t = PyObject_New(XnTrajectory, &XnTrajectoryType);
    if (!t) return NULL;
    xn_error err;
    xn_status st = xn_otg_calculate(&pr, &t->t, &err);
    if (st != XN_OK) {
        Py_DECREF(t);
        return xnpy_raise(st, &err);
    }
    return (PyObject *)t;
}

int xnpy_transform(PyObject *obj, const char *name, xn_se3 *X) {
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(obj, NPY_DOUBLE, 2, 2, NPY_ARRAY_IN_ARRAY);
    if (!a || PyArray_DIM(a, 0) != 4 || PyArray_DIM(a, 1) != 4) {
        PyErr_Clear();
        Py_XDECREF(a);
        xnpy_argument_error("%s: expected a (4, 4) homogeneous transform", name);
        return -1;
    }
    const double *t = PyArray_DATA(a);
    int ok = 1;
    for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 3; c++) X->R[3 * r + c] = t[4 * r + c];
        X->p[r] = t[4 * r + 3];
    }
    for (int i = 0; i < 16; i++) ok &= isfinite(t[i]);
    /* a rotation: orthonormal columns, determinant +1 */
    for (int i = 0; i < 3 && ok; i++)
        for (int j = 0; j < 3; j++) {
            double dot = 0;
            for (int k = 0; k < 3; k++) dot += X->R[3 * k + i] * X->R[3 * k + j];
            ok &= fabs(dot - (i == j)) < 1e-6;
        }
    Py_DECREF(a);
    if (!ok) xnpy_argument_error("%s: its upper-left 3 x 3 block is not a rotation", name);
    return ok ? 0 : -1;
}

/* the (model, frame, target) every IK call starts with: 0, or -1 with the error raised */
static int ik_target(PyObject *model, PyObject *frame, PyObject *target, XnModel **mo, int *f,
                     xn_se3 *X) {
    if (xnpy_model_data(model, NULL, mo, NULL)) return -1;
    *f = xnpy_frame((*mo)->m, frame);
    return *f < 0 || xnpy_transform(target, "target", X) ? -1 : 0;
}

static PyObject *py_ik(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    static char *kwn[] = {"model",
                          "frame",
                          "target",
                          "q_init",
                          "max_iterations",
                          "tol_position",
                          "tol_rotation",
                          "respect_limits",
                          "starts",
                          "seed",
                          NULL};
    PyObject *model, *frame, *target, *qo = Py_None;
    xn_ik_options o;
    xn_ik_options_init(&o);
    int starts = 1, f;
    unsigned long seed = 1;
    XnModel *mo;
    xn_se3 X;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|OiddpikO", kwn, &model, &frame, &target, &qo,
                                     &o.max_iterations, &o.tol_position, &o.tol_rotation,
                                     &o.respect_limits, &starts, &seed) ||
        ik_target(model, frame, target, &mo, &f, &X))
        return NULL;
    const xn_model *m = mo->m;
    if (starts < 1) return xnpy_argument_error("starts: at least 1, got %d", starts);
    PyArrayObject *q0 = qo == Py_None ? NULL : xnpy_vector(qo, "q_init", m->nq);
    if (qo != Py_None && !q0) return NULL;
    npy_intp n = m->nq;
    PyObject *out = PyArray_ZEROS(1, &n, NPY_DOUBLE, 0);
    xn_ik *ik = NULL;
    xn_error err;
    xn_status st = out ? xn_ik_create(m, f, &ik, &err) : XN_ERR_NOMEM;
    xn_ik_result res;
    memset(&res, 0, sizeof res);
    if (st == XN_OK) {
        const xn_real *init = q0 ? (const xn_real *)PyArray_DATA(q0) : m->q_neutral;
        xn_real *qs = PyArray_DATA((PyArrayObject *)out);
        PyThreadState *ts = PyEval_SaveThread();
        st = starts > 1 ? xn_ik_solve_multistart(ik, &X, init, &o, starts, &seed, qs, &res, &err)
                        : xn_ik_solve(ik, &X, init, &o, qs, &res, &err);
        PyEval_RestoreThread(ts);
    }
    xn_ik_free(ik);
    Py_XDECREF(q0);
    /* not converging is an answer (how far it stayed, and why), a bad argument is an error */
    if (st == XN_ERR_NOMEM || st == XN_ERR_RANGE || st == XN_ERR_SIZE || st == XN_ERR_INVALID ||
        st == XN_ERR_NOT_FOUND) {
        Py_XDECREF(out);
        return out ? xnpy_raise(st, &err) : NULL;
    }
    PyObject *info = Py_BuildValue(
        "{s:O,s:i,s:d,s:d,s:i,s:s}", "converged", st == XN_OK ? Py_True : Py_False, "iterations",
        res.iterations, "err_position", res.err_position, "err_rotation", res.err_rotation,
        "starts", res.starts, "reason", st == XN_OK ? "" : err.message);
    if (!info) {
        Py_DECREF(out);
        return NULL;
    }
    PyObject *r = PyTuple_Pack(2, out, info);
    Py_DECREF(out);
    Py_DECREF(info);
    return r;
}

/* rows of whole configurations (the neutral one, the arm's joints set) from n solutions of k
 * joints at the model's q addresses qadr */
static PyObject *configurations(const xn_model *m, const xn_real *sol, int n, int k,
                                const int *qadr) {
    npy_intp dims[2] = {n, m->nq};
    PyObject *out = PyArray_ZEROS(2, dims, NPY_DOUBLE, 0);
    if (!out) return NULL;
    xn_real *q = PyArray_DATA((PyArrayObject *)out);
    for (int r = 0; r < n; r++) {
        memcpy(q + (size_t)r * (size_t)m->nq, m->q_neutral, (size_t)m->nq * sizeof *q);
        for (int j = 0; j < k; j++) q[(size_t)r * (size_t)m->nq + (size_t)qadr[j]] = sol[r * k + j];
    }
    return out;
}

static PyObject *py_ik_ur(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    static char *kwn[] = {"model", "frame", "target", NULL};
    PyObject *model, *frame, *target;
    XnModel *mo;
    int f;
    xn_se3 X;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO", kwn, &model, &frame, &target) ||
        ik_target(model, frame, target, &mo, &f, &X))
        return NULL;
    xn_ik_ur ur;
    xn_error err;
    xn_status st = xn_ik_ur_init(mo->m, f, &ur, &err);
    if (st != XN_OK) return xnpy_raise(st, &err);
    xn_real q[8][6];
    int flags = 0, n = xn_ik_ur_solve(&ur, &X, q, &flags);
    PyObject *out = configurations(mo->m, &q[0][0], n, 6, ur.qadr);
    return out ? Py_BuildValue("(N,O)", out, flags & 1 ? Py_True : Py_False) : NULL;
}

static PyObject *py_ik_panda(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    static char *kwn[] = {"model", "frame", "target", "q7", "in_limits", NULL};
    PyObject *model, *frame, *target;
    double q7 = 0;
    int in_limits = 1, f;
    XnModel *mo;
    xn_se3 X;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOd|p", kwn, &model, &frame, &target, &q7,
                                     &in_limits) ||
        ik_target(model, frame, target, &mo, &f, &X))
        return NULL;
    if (!isfinite(q7)) return xnpy_argument_error("q7: a finite angle (rad)");
    xn_ik_panda pk;
    xn_error err;
    xn_status st = xn_ik_panda_init(mo->m, f, &pk, &err);
    if (st != XN_OK) return xnpy_raise(st, &err);
    xn_real q[8][7];
    int flags = 0, n = xn_ik_panda_solve(&pk, &X, q7, in_limits, q, &flags);
    PyObject *out = configurations(mo->m, &q[0][0], n, 7, pk.qadr);
    return out ? Py_BuildValue("(N,O)", out, flags & 1 ? Py_True : Py_False) : NULL;
}

PyMethodDef xnpy_motion_methods[] = {
    {"ik_ur", (PyCFunction)(void (*)(void))py_ik_ur, METH_VARARGS | METH_KEYWORDS,
     "ik_ur(model, frame, target) -> (configurations, singular)\n\nClosed-form inverse "
     "kinematics of a UR-type 6R arm (axes 2-4 parallel, the wrist's axes meeting at right "
     "angles): every solution (up to 8) for `frame` at `target` ((4, 4) homogeneous transform), "
     "as rows of whole configurations (n, nq) from the neutral one; each in (-pi, pi], limits not "
     "applied. singular: a wrist singularity made a choice (q4 = 0). An arm of another structure "
     "raises Error saying which condition fails."},
    {"ik_panda", (PyCFunction)(void (*)(void))py_ik_panda, METH_VARARGS | METH_KEYWORDS,
     "ik_panda(model, frame, target, q7, in_limits=True) -> (configurations, singular)\n\n"
     "Closed-form inverse kinematics of a Panda-type 7R arm with the 7th joint at q7 (rad): every "
     "solution (up to 8) as rows of whole configurations (n, nq); with in_limits only those "
     "inside the joint limits. singular: a shoulder or wrist singularity made a choice."},
    {"ik", (PyCFunction)(void (*)(void))py_ik, METH_VARARGS | METH_KEYWORDS,
     "ik(model, frame, target, q_init=None, max_iterations=100, tol_position=1e-9, "
     "tol_rotation=1e-9, respect_limits=True, starts=1, seed=1) -> (q, info)\n\nNumerical "
     "inverse kinematics: a configuration (nq,) putting `frame` (a name or an id) at `target` (a "
     "(4, 4) homogeneous transform in the world), from q_init (the neutral configuration when "
     "None), within the joint limits; starts > 1 retries from random configurations. info: "
     "converged, iterations, err_position (m), err_rotation (rad), starts, reason (why it did "
     "not converge). Not converging is reported in info; a bad argument raises."},
    {"otg", (PyCFunction)(void (*)(void))py_otg, METH_VARARGS | METH_KEYWORDS,
     "otg(current_position, target_position, max_velocity, max_acceleration, max_jerk, "
     "current_velocity=None, current_acceleration=None, target_velocity=None, "
     "target_acceleration=None, synchronization='time', interface='position', "
     "minimum_duration=0.0) -> Trajectory\n\nThe time-optimal jerk-limited trajectory (as "
     "Ruckig's) from the current state to the target state: per-DoF arrays of the same length "
     "(rad or m, s); absent velocities and accelerations are zero. synchronization: 'time' (all "
     "arrive together), 'phase' (a straight line where possible) or 'none'. A bad limit or state "
     "raises ArgumentError naming the DoF."},
    {NULL, NULL, 0, NULL}};
