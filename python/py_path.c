/* Paths through waypoints, timed as fast as the limits allow: xiaonao.topp(...) ->
 * xiaonao.TimedPath. A joint-space path (lines blended at the waypoints) or a Cartesian one (the
 * frame's poses, turned into joints by IK on a grid), then time-optimal path parameterization
 * under joint velocity, acceleration and torque limits and the tool's speed.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "py_internal.h"

typedef struct {
    PyObject_HEAD XnModel *model; /* a reference */
    xn_path *path;                /* joint space: the exact path; NULL for a Cartesian one */
    xn_joint_path *jp;            /* the grid TOPP ran on */
    xn_topp *tp;
} XnTimedPath;

static void tpath_dealloc(XnTimedPath *o) {
    free(o->path);
    xn_joint_path_free(o->jp);
    xn_topp_free(o->tp);
    Py_XDECREF(o->model);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

/* a limit: None (none), a number for every joint, or (nv,) */
static int limit(PyObject *obj, const char *name, int nv, xn_real *out, int *given) {
    *given = obj != Py_None;
    if (!*given) return 0;
    if (PyFloat_Check(obj) || PyLong_Check(obj)) {
        double v = PyFloat_AsDouble(obj);
        for (int i = 0; i < nv; i++) out[i] = v;
    } else {
        PyArrayObject *a = xnpy_vector(obj, name, nv);
        if (!a) return -1;
        memcpy(out, PyArray_DATA(a), (size_t)nv * sizeof *out);
        Py_DECREF(a);
    }
    for (int i = 0; i < nv; i++)
        if (!(out[i] > 0)) {
            xnpy_argument_error("%s: entry %d must be positive (or inf), got %s", name, i,
                                xnpy_number(out[i]).text);
            return -1;
        }
    return 0;
}

/* the state at time t: q (nq), qd and qdd (nv) */
static void state_at(const XnTimedPath *o, double t, double *q, double *qd, double *qdd) {
    const xn_joint_path *jp = o->jp;
    int nq = jp->nq, nv = jp->nv;
    xn_real s, sd, sdd, x[XN_PATH_MAX_DIM] = {0}, dx[XN_PATH_MAX_DIM] = {0},
                        ddx[XN_PATH_MAX_DIM] = {0};
    xn_real dqi[64] = {0}, ddqi[64] = {0}; /* TOPP takes at most 33 joints */
    xn_topp_at(o->tp, jp->s, t, &s, &sd, &sdd);
    const xn_real *dq = dx, *ddq = ddx;
    if (o->path) { /* the path itself */
        xn_path_eval(o->path, s, x, dx, ddx, NULL, NULL);
        memcpy(q, x, (size_t)nq * sizeof *q);
    } else { /* between the IK's grid points, linearly */
        int k = 0;
        while (k < jp->N - 2 && jp->s[k + 1] < s) k++;
        double w = (s - jp->s[k]) / (jp->s[k + 1] - jp->s[k]);
        w = w < 0 ? 0 : w > 1 ? 1 : w;
        for (int i = 0; i < nq; i++)
            q[i] = (1 - w) * jp->q[k * nq + i] + w * jp->q[(k + 1) * nq + i];
        for (int i = 0; i < nv && i < 64; i++) {
            dqi[i] = (1 - w) * jp->dq[k * nv + i] + w * jp->dq[(k + 1) * nv + i];
            ddqi[i] = (1 - w) * jp->ddq[k * nv + i] + w * jp->ddq[(k + 1) * nv + i];
        }
        dq = dqi;
        ddq = ddqi;
    }
    for (int i = 0; i < nv; i++) {
        qd[i] = dq[i] * sd;
        qdd[i] = ddq[i] * sd * sd + dq[i] * sdd;
    }
}

static PyObject *tpath_at(XnTimedPath *o, PyObject *arg) {
    double t = PyFloat_AsDouble(arg);
    if (PyErr_Occurred() || !isfinite(t)) {
        PyErr_Clear();
        return xnpy_argument_error("t: a finite time (s)");
    }
    npy_intp nq = o->jp->nq, nv = o->jp->nv;
    PyObject *q = PyArray_ZEROS(1, &nq, NPY_DOUBLE, 0), *qd = PyArray_ZEROS(1, &nv, NPY_DOUBLE, 0),
             *qdd = PyArray_ZEROS(1, &nv, NPY_DOUBLE, 0);
    if (q && qd && qdd)
        state_at(o, t, PyArray_DATA((PyArrayObject *)q), PyArray_DATA((PyArrayObject *)qd),
                 PyArray_DATA((PyArrayObject *)qdd));
    PyObject *r = q && qd && qdd ? PyTuple_Pack(3, q, qd, qdd) : NULL;
    Py_XDECREF(q);
    Py_XDECREF(qd);
    Py_XDECREF(qdd);
    return r;
}

static PyObject *tpath_duration(XnTimedPath *o, void *unused) {
    (void)unused;
    return PyFloat_FromDouble(o->tp->duration);
}

static PyObject *tpath_grid(XnTimedPath *o, void *unused) {
    (void)unused;
    return PyLong_FromLong(o->jp->N);
}

static PyMethodDef tpath_methods[] = {
    {"at", (PyCFunction)tpath_at, METH_O,
     "at(t) -> (q, qd, qdd)\n\nThe state at time t (s; held at the ends): q (nq,), qd and qdd "
     "(nv,), new arrays. Speeds and accelerations follow from the path's derivatives and the "
     "timing's speed and acceleration along it."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef tpath_getset[] = {
    {"duration", (getter)tpath_duration, NULL, "s: from rest to rest", NULL},
    {"grid", (getter)tpath_grid, NULL, "grid points the limits were enforced at", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject XnTimedPathType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "xiaonao.TimedPath",
    .tp_basicsize = sizeof(XnTimedPath),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A path timed by xiaonao.topp: duration, at(t).",
    .tp_dealloc = (destructor)tpath_dealloc,
    .tp_methods = tpath_methods,
    .tp_getset = tpath_getset,
};

/* the waypoints as a path: joint rows (K, nq), or poses (K, 4, 4) of a frame */
static xn_status build(const xn_model *m, PyObject *wps, int cartesian, double blend, xn_path *path,
                       xn_error *err, int *bad) {
    *bad = 0;
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(wps, NPY_DOUBLE, 2, 3, NPY_ARRAY_IN_ARRAY);
    int dim = cartesian ? 3 : m->nq;
    if (!a || PyArray_DIM(a, 0) < 2 ||
        (cartesian ? PyArray_NDIM(a) != 3 || PyArray_DIM(a, 1) != 4 || PyArray_DIM(a, 2) != 4
                   : PyArray_NDIM(a) != 2 || PyArray_DIM(a, 1) != dim)) {
        PyErr_Clear();
        Py_XDECREF(a);
        *bad = 1;
        return XN_ERR_SIZE;
    }
    int n = (int)PyArray_DIM(a, 0);
    xn_waypoint *wp = calloc((size_t)n, sizeof *wp);
    if (!wp) {
        Py_DECREF(a);
        return XN_ERR_NOMEM;
    }
    const double *v = PyArray_DATA(a);
    for (int k = 0; k < n; k++) {
        if (cartesian) {
            const double *T = v + 16 * k;
            for (int r = 0; r < 3; r++) {
                wp[k].p[r] = T[4 * r + 3];
                for (int c = 0; c < 3; c++) wp[k].R[3 * r + c] = T[4 * r + c];
            }
        } else {
            memcpy(wp[k].p, v + (size_t)k * (size_t)dim, (size_t)dim * sizeof(xn_real));
        }
        wp[k].blend = k == 0 || k == n - 1 ? 0 : blend;
    }
    xn_status st = xn_path_build(path, dim, cartesian, wp, n, 0, err);
    free(wp);
    Py_DECREF(a);
    return st;
}

static PyObject *py_topp(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    static char *kwn[] = {
        "model", "waypoints", "max_velocity", "max_acceleration", "max_torque",        "blend",
        "frame", "q_start",   "grid",         "tool_speed",       "tool_acceleration", NULL};
    PyObject *model, *wps, *vo = Py_None, *ao = Py_None, *to = Py_None, *frame = Py_None,
                           *qso = Py_None;
    double blend = 0, tool_speed = 0, tool_accel = 0;
    int grid = 200;
    XnModel *mo;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOOdOOidd", kwn, &model, &wps, &vo, &ao, &to,
                                     &blend, &frame, &qso, &grid, &tool_speed, &tool_accel) ||
        xnpy_model_data(model, NULL, &mo, NULL))
        return NULL;
    const xn_model *m = mo->m;
    int cartesian = frame != Py_None, f = cartesian ? xnpy_frame(m, frame) : -1;
    if (cartesian && f < 0) return NULL;
    if (!cartesian && (m->nq != m->nv || m->nq > XN_PATH_MAX_DIM))
        return xnpy_argument_error("a joint-space path needs one coordinate per joint and at "
                                   "most %d (this model: nq %d, nv %d)",
                                   XN_PATH_MAX_DIM, m->nq, m->nv);
    if (grid < 2 || grid > 100000) return xnpy_argument_error("grid: 2 to 100000, got %d", grid);
    if (!cartesian && (tool_speed > 0 || tool_accel > 0))
        return xnpy_argument_error("tool_speed and tool_acceleration: for a Cartesian path (give "
                                   "frame)");
    if (!(blend >= 0) || !(tool_speed >= 0) || !(tool_accel >= 0))
        return xnpy_argument_error("blend, tool_speed and tool_acceleration: >= 0");
    int nv = m->nv, gv, ga, gt;
    xn_real *lim = calloc(3 * (size_t)nv, sizeof *lim);
    if (!lim) return PyErr_NoMemory();
    if (limit(vo, "max_velocity", nv, lim, &gv) ||
        limit(ao, "max_acceleration", nv, lim + nv, &ga) ||
        limit(to, "max_torque", nv, lim + 2 * nv, &gt)) {
        free(lim);
        return NULL;
    }
    if (!gv && !gt && !(tool_speed > 0)) {
        free(lim);
        return xnpy_argument_error("max_velocity, max_torque or tool_speed: something must "
                                   "bound the speed");
    }
    XnTimedPath *o = PyObject_New(XnTimedPath, &XnTimedPathType);
    if (!o) {
        free(lim);
        return NULL;
    }
    o->path = NULL;
    o->jp = NULL;
    o->tp = NULL;
    Py_INCREF(mo);
    o->model = mo;
    xn_error err;
    memset(&err, 0, sizeof err);
    xn_path *path = calloc(1, sizeof *path);
    int bad = 0;
    xn_status st = path ? build(m, wps, cartesian, blend, path, &err, &bad) : XN_ERR_NOMEM;
    if (st == XN_OK) st = xn_joint_path_create(grid, m->nq, nv, cartesian, &o->jp, &err);
    if (st == XN_OK) st = xn_topp_create(grid, nv, &o->tp, &err);
    xn_data *d = NULL;
    if (st == XN_OK && !(d = xn_data_create(m))) st = XN_ERR_NOMEM;
    PyArrayObject *qs = NULL;
    if (st == XN_OK && cartesian) { /* the frame's poses into joints, from q_start */
        qs = qso == Py_None ? NULL : xnpy_vector(qso, "q_start", m->nq);
        if (qso != Py_None && !qs) st = XN_ERR_INVALID, bad = 2;
        xn_ik *ik = NULL;
        if (st == XN_OK) st = xn_ik_create(m, f, &ik, &err);
        if (st == XN_OK)
            st = xn_path_to_joints(path, ik, NULL, NULL,
                                   qs ? (const xn_real *)PyArray_DATA(qs) : m->q_neutral, 0, o->jp,
                                   &err);
        xn_ik_free(ik);
    } else if (st == XN_OK) {
        xn_joint_path_from_path(o->jp, path);
    }
    if (st == XN_OK) {
        xn_topp_limits L = {gv ? lim : NULL, ga ? lim + nv : NULL, gt ? lim + 2 * nv : NULL,
                            tool_speed,      tool_accel,           NULL};
        PyThreadState *ts = PyEval_SaveThread();
        st = xn_topp_solve(o->tp, m, d, o->jp, &L, &err);
        PyEval_RestoreThread(ts);
    }
    xn_data_free(d);
    Py_XDECREF(qs);
    free(lim);
    if (st != XN_OK) {
        free(path);
        Py_DECREF(o);
        if (bad == 1)
            return xnpy_argument_error(cartesian ? "waypoints: expected (K, 4, 4) poses, K >= 2"
                                                 : "waypoints: expected (K, nq) rows, K >= 2");
        if (bad == 2) return NULL;
        return xnpy_raise(st, &err);
    }
    if (cartesian)
        free(path);
    else
        o->path = path;
    return (PyObject *)o;
}

PyMethodDef xnpy_path_methods[] = {
    {"topp", (PyCFunction)(void (*)(void))py_topp, METH_VARARGS | METH_KEYWORDS,
     "topp(model, waypoints, max_velocity=None, max_acceleration=None, max_torque=None, "
     "blend=0.0, frame=None, q_start=None, grid=200, tool_speed=0.0, tool_acceleration=0.0) -> "
     "TimedPath\n\nA path through the waypoints, from rest to rest as fast as the limits allow "
     "(time-optimal path parameterization by reachability analysis, the limits enforced on a "
     "grid of `grid` points). Without `frame`: joint-space waypoints (K, nq), straight lines "
     "blended within `blend` (rad) of each inner waypoint. With `frame`: its poses (K, 4, 4) in "
     "the world, straight lines and blends in Cartesian space (m), turned into joints by IK from "
     "q_start (the neutral configuration when None). Limits: a number for every joint or (nv,); "
     "max_torque uses the model's dynamics; tool_speed (m/s) and tool_acceleration (m/s^2) along "
     "the path. A path that cannot be timed (a torque limit below what gravity needs, a pose out "
     "of reach) raises Error with where."},
    {NULL, NULL, 0, NULL}};
