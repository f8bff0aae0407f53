/* The module's dynamics: Pinocchio's calling convention (model, data, arrays), results as views
 * of the Data's workspace; batched calls over rows of states in C with the GIL released.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "py_internal.h"

/* the model's velocity size as a dims array */
static npy_intp nv_of(const XnModel *mo) { return mo->m->nv; }

/* parse (model, data, q [, v [, a]]) with q of nq, the rest of nv; arrays into out[] */
static int states(PyObject *args, int nvec, XnModel **mo, XnData **da, PyArrayObject **out,
                  const char *const *names) {
    PyObject *model, *data, *x[3] = {NULL, NULL, NULL};
    if (!PyArg_UnpackTuple(args, "xiaonao", 2 + nvec, 2 + nvec, &model, &data, &x[0], &x[1], &x[2]))
        return -1;
    if (xnpy_model_data(model, data, mo, da)) return -1;
    for (int i = 0; i < nvec; i++) {
        out[i] = xnpy_vector(x[i], names[i], i == 0 ? (*mo)->m->nq : (*mo)->m->nv);
        if (!out[i]) {
            for (int j = 0; j < i; j++) Py_DECREF(out[j]);
            return -1;
        }
    }
    return 0;
}

#define ARR(a) ((double *)PyArray_DATA(a))

static void release(PyArrayObject **a, int n) {
    for (int i = 0; i < n; i++) Py_XDECREF(a[i]);
}

/* The functions of (model, data, q [, v [, a]]) whose result is a view of the Data: which
 * arguments they take, what they compute, and which of the Data's arrays they return. */
enum {
    OP_RNEA,
    OP_GRAVITY,
    OP_NLE,
    OP_ABA,
    OP_CRBA,
    OP_FK,
    OP_COM,
    OP_COM_JACOBIAN,
    OP_CENTROIDAL
};

typedef struct {
    int nvec;             /* q, then vectors of nv */
    const char *names[3]; /* the arguments, for errors */
    int rows, cols;       /* the result's shape: (cols,) when rows is 0; cols -1: nv */
} dyn_op;

static const dyn_op ops[] = {
    [OP_RNEA] = {3, {"q", "v", "a"}, 0, -1},
    [OP_GRAVITY] = {1, {"q"}, 0, -1},
    [OP_NLE] = {2, {"q", "v"}, 0, -1},
    [OP_ABA] = {3, {"q", "v", "tau"}, 0, -1},
    [OP_CRBA] = {1, {"q"}, -1, -1},
    [OP_FK] = {1, {"q"}, 0, 0},
    [OP_COM] = {1, {"q"}, 0, 3},
    [OP_COM_JACOBIAN] = {1, {"q"}, 3, -1},
    [OP_CENTROIDAL] = {1, {"q"}, 6, -1},
};

static PyObject *dyn_call(PyObject *args, int which) {
    const dyn_op *op = &ops[which];
    XnModel *mo;
    XnData *da;
    PyArrayObject *x[3] = {NULL, NULL, NULL};
    if (states(args, op->nvec, &mo, &da, x, op->names)) return NULL;
    const xn_model *m = mo->m;
    xn_data *d = da->d;
    double *q = ARR(x[0]), *v = x[1] ? ARR(x[1]) : NULL, *a = x[2] ? ARR(x[2]) : NULL, *out;
    switch (which) {
    case OP_RNEA: xn_dyn_rnea(m, d, q, v, a), out = d->tau; break;
    case OP_GRAVITY: xn_dyn_gravity(m, d, q), out = d->g; break;
    case OP_NLE: xn_dyn_nle(m, d, q, v), out = d->nle; break;
    case OP_ABA: xn_dyn_aba(m, d, q, v, a), out = d->qdd; break;
    case OP_CRBA: xn_dyn_crba(m, d, q), out = d->M; break;
    case OP_FK: xn_dyn_fk(m, d, q), xn_dyn_frames(m, d), out = NULL; break;
    case OP_COM: xn_dyn_com(m, d, q), out = d->com; break;
    case OP_COM_JACOBIAN: xn_dyn_com_jacobian(m, d, q), out = d->Jcom; break;
    default: xn_dyn_centroidal_map(m, d, q), out = d->Ag; break;
    }
    release(x, op->nvec);
    if (!out) return Py_NewRef(Py_None);
    npy_intp nv = nv_of(mo), dims[2] = {op->rows < 0 ? nv : op->rows, op->cols < 0 ? nv : op->cols};
    return op->rows ? xnpy_view((PyObject *)da, out, 2, dims, 1)
                    : xnpy_view((PyObject *)da, out, 1, dims + 1, 1);
}

#define DYN_FUNCTION(fn, which)                                                                    \
    static PyObject *fn(PyObject *self, PyObject *args) {                                          \
        (void)self;                                                                                \
        return dyn_call(args, which);                                                              \
    }
DYN_FUNCTION(py_rnea, OP_RNEA)
DYN_FUNCTION(py_gravity, OP_GRAVITY)
DYN_FUNCTION(py_nle, OP_NLE)
DYN_FUNCTION(py_aba, OP_ABA)
DYN_FUNCTION(py_crba, OP_CRBA)
DYN_FUNCTION(py_fk, OP_FK)
DYN_FUNCTION(py_com, OP_COM)
DYN_FUNCTION(py_com_jacobian, OP_COM_JACOBIAN)
DYN_FUNCTION(py_centroidal, OP_CENTROIDAL)

/* a frame's placement as a new 4 x 4 homogeneous matrix */
static PyObject *placement_matrix(const xn_se3 *X) {
    npy_intp dims[2] = {4, 4};
    PyObject *T = PyArray_ZEROS(2, dims, NPY_DOUBLE, 0);
    if (!T) return NULL;
    double *t = (double *)PyArray_DATA((PyArrayObject *)T);
    for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 3; c++) t[4 * r + c] = X->R[3 * r + c];
        t[4 * r + 3] = X->p[r];
    }
    t[15] = 1;
    return T;
}

static PyObject *py_frame_pose(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *model, *data, *frame;
    XnModel *mo;
    XnData *da;
    if (!PyArg_UnpackTuple(args, "frame_pose", 3, 3, &model, &data, &frame) ||
        xnpy_model_data(model, data, &mo, &da))
        return NULL;
    int f = xnpy_frame(mo->m, frame);
    if (f < 0) return NULL;
    xn_se3 X;
    xn_dyn_frame_placement(mo->m, da->d, f, &X);
    return placement_matrix(&X);
}

static int convention(PyObject *obj, xn_reference_frame *rf) {
    const char *s = obj ? PyUnicode_AsUTF8(obj) : "local_world_aligned";
    if (!s) return -1;
    if (!strcmp(s, "local_world_aligned"))
        *rf = XN_LOCAL_WORLD_ALIGNED;
    else if (!strcmp(s, "local"))
        *rf = XN_LOCAL;
    else if (!strcmp(s, "world"))
        *rf = XN_WORLD;
    else {
        xnpy_argument_error("convention: 'local_world_aligned', 'local' or 'world', got '%s'", s);
        return -1;
    }
    return 0;
}

static PyObject *py_frame_jacobian(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    static char *kwn[] = {"model", "data", "q", "frame", "convention", NULL};
    PyObject *model, *data, *qo, *frame, *conv = NULL;
    XnModel *mo;
    XnData *da;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOO|U", kwn, &model, &data, &qo, &frame, &conv) ||
        xnpy_model_data(model, data, &mo, &da))
        return NULL;
    xn_reference_frame rf;
    int f = xnpy_frame(mo->m, frame);
    if (f < 0 || convention(conv, &rf)) return NULL;
    PyArrayObject *q = xnpy_vector(qo, "q", mo->m->nq);
    if (!q) return NULL;
    npy_intp dims[2] = {6, mo->m->nv};
    PyObject *J = PyArray_ZEROS(2, dims, NPY_DOUBLE, 0);
    if (J) xn_dyn_frame_jacobian_at(mo->m, da->d, ARR(q), f, rf, ARR((PyArrayObject *)J));
    Py_DECREF(q);
    return J;
}

static PyObject *py_integrate(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    static char *kwn[] = {"model", "q", "v", "dt", NULL};
    PyObject *model, *qo, *vo;
    double dt = 1;
    XnModel *mo;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|d", kwn, &model, &qo, &vo, &dt) ||
        xnpy_model_data(model, NULL, &mo, NULL))
        return NULL;
    PyArrayObject *q = xnpy_vector(qo, "q", mo->m->nq),
                  *v = q ? xnpy_vector(vo, "v", mo->m->nv) : NULL;
    npy_intp n = mo->m->nq;
    PyObject *out = v ? PyArray_ZEROS(1, &n, NPY_DOUBLE, 0) : NULL;
    if (out) xn_lie_integrate(mo->m, ARR(q), ARR(v), dt, ARR((PyArrayObject *)out));
    Py_XDECREF(q);
    Py_XDECREF(v);
    return out;
}

static PyObject *py_difference(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *model, *q0o, *q1o;
    XnModel *mo;
    if (!PyArg_UnpackTuple(args, "difference", 3, 3, &model, &q0o, &q1o) ||
        xnpy_model_data(model, NULL, &mo, NULL))
        return NULL;
    PyArrayObject *q0 = xnpy_vector(q0o, "q0", mo->m->nq),
                  *q1 = q0 ? xnpy_vector(q1o, "q1", mo->m->nq) : NULL;
    npy_intp n = mo->m->nv;
    PyObject *out = q1 ? PyArray_ZEROS(1, &n, NPY_DOUBLE, 0) : NULL;
    if (out) xn_lie_difference(mo->m, ARR(q0), ARR(q1), ARR((PyArrayObject *)out));
    Py_XDECREF(q0);
    Py_XDECREF(q1);
    return out;
}

/* ---- batched: rows of states, a workspace of the call's own, the GIL released ---- */

enum { BATCH_RNEA, BATCH_ABA, BATCH_CRBA };

/* the batch's rows into out, on workspace d (no Python object is touched: the GIL is free) */
static void run_batch(int kind, const xn_model *m, xn_data *d, PyArrayObject *const *a, double *out,
                      npy_intp rows) {
    size_t nq = (size_t)m->nq, nv = (size_t)m->nv;
    for (npy_intp r = 0; r < rows; r++) {
        const double *q = ARR(a[0]) + (size_t)r * nq;
        if (kind == BATCH_RNEA) {
            xn_dyn_rnea(m, d, q, ARR(a[1]) + (size_t)r * nv, ARR(a[2]) + (size_t)r * nv);
            memcpy(out + (size_t)r * nv, d->tau, nv * sizeof(double));
        } else if (kind == BATCH_ABA) {
            xn_dyn_aba(m, d, q, ARR(a[1]) + (size_t)r * nv, ARR(a[2]) + (size_t)r * nv);
            memcpy(out + (size_t)r * nv, d->qdd, nv * sizeof(double));
        } else {
            xn_dyn_crba(m, d, q);
            memcpy(out + (size_t)r * nv * nv, d->M, nv * nv * sizeof(double));
        }
    }
}

static PyObject *batch(PyObject *args, int kind) {
    static const char *const names[3][3] = {{"Q", "V", "A"}, {"Q", "V", "TAU"}, {"Q", "", ""}};
    int nvec = kind == BATCH_CRBA ? 1 : 3;
    PyObject *model, *x[3] = {NULL, NULL, NULL};
    XnModel *mo;
    if (!PyArg_UnpackTuple(args, "batch", 1 + nvec, 1 + nvec, &model, &x[0], &x[1], &x[2]) ||
        xnpy_model_data(model, NULL, &mo, NULL))
        return NULL;
    const xn_model *m = mo->m;
    PyArrayObject *a[3] = {NULL, NULL, NULL};
    npy_intp rows = 0;
    for (int i = 0; i < nvec; i++) {
        a[i] = xnpy_rows(x[i], names[kind][i], i == 0 ? m->nq : m->nv);
        if (!a[i]) {
            release(a, i);
            return NULL;
        }
        if (i > 0 && PyArray_DIM(a[i], 0) != PyArray_DIM(a[0], 0)) {
            xnpy_argument_error("%s: %zd rows, Q has %zd", names[kind][i],
                                (Py_ssize_t)PyArray_DIM(a[i], 0), (Py_ssize_t)PyArray_DIM(a[0], 0));
            release(a, i + 1);
            return NULL;
        }
        rows = PyArray_DIM(a[0], 0);
    }
    npy_intp dims[3] = {rows, m->nv, m->nv};
    PyObject *out = PyArray_ZEROS(kind == BATCH_CRBA ? 3 : 2, dims, NPY_DOUBLE, 0);
    xn_data *d = out ? xn_data_create(m) : NULL;
    if (!d) {
        release(a, nvec);
        Py_XDECREF(out);
        return PyErr_NoMemory();
    }
    PyThreadState *ts = PyEval_SaveThread(); /* the arrays stay referenced: nothing moves them */
    run_batch(kind, m, d, a, ARR((PyArrayObject *)out), rows);
    PyEval_RestoreThread(ts);
    xn_data_free(d);
    release(a, nvec);
    return out;
}

static PyObject *py_rnea_batch(PyObject *self, PyObject *args) {
    (void)self;
    return batch(args, BATCH_RNEA);
}

static PyObject *py_aba_batch(PyObject *self, PyObject *args) {
    (void)self;
    return batch(args, BATCH_ABA);
}

static PyObject *py_crba_batch(PyObject *self, PyObject *args) {
    (void)self;
    return batch(args, BATCH_CRBA);
}

PyMethodDef xnpy_dynamics_methods[] = {
    {"rnea", py_rnea, METH_VARARGS,
     "rnea(model, data, q, v, a) -> data.tau\n\nInverse dynamics: tau = M(q) a + C(q, v) v + g(q) "
     "(armature included, damping and friction not). Returns a view of data.tau (nv,)."},
    {"gravity", py_gravity, METH_VARARGS,
     "gravity(model, data, q) -> data.g\n\nGeneralized gravity g(q) (nv,), a view."},
    {"nle", py_nle, METH_VARARGS,
     "nle(model, data, q, v) -> data.nle\n\nC(q, v) v + g(q) (nv,), a view."},
    {"aba", py_aba, METH_VARARGS,
     "aba(model, data, q, v, tau) -> data.qdd\n\nForward dynamics (articulated-body algorithm): "
     "the accelerations (nv,), a view."},
    {"crba", py_crba, METH_VARARGS,
     "crba(model, data, q) -> data.M\n\nThe joint-space mass matrix (nv, nv), both triangles, "
     "armature on the diagonal; a view."},
    {"fk", py_fk, METH_VARARGS,
     "fk(model, data, q) -> None\n\nForward kinematics of every body and frame; frame_pose reads "
     "the result."},
    {"frame_pose", py_frame_pose, METH_VARARGS,
     "frame_pose(model, data, frame) -> (4, 4) array\n\nThe frame's placement in the world after "
     "fk (a new homogeneous matrix); frame: a name or an id."},
    {"frame_jacobian", (PyCFunction)(void (*)(void))py_frame_jacobian, METH_VARARGS | METH_KEYWORDS,
     "frame_jacobian(model, data, q, frame, convention='local_world_aligned') -> (6, nv)\n\nThe "
     "frame's Jacobian at q (a new array): rows linear then angular; 'local_world_aligned' (the "
     "origin's velocity and the angular velocity in world axes), 'local' or 'world'."},
    {"com", py_com, METH_VARARGS,
     "com(model, data, q) -> data.com\n\nThe centre of mass (3,) in the world, a view; data.mass "
     "the total mass."},
    {"com_jacobian", py_com_jacobian, METH_VARARGS,
     "com_jacobian(model, data, q) -> data.Jcom\n\n(3, nv), world axes, a view."},
    {"centroidal_momentum_matrix", py_centroidal, METH_VARARGS,
     "centroidal_momentum_matrix(model, data, q) -> data.Ag\n\n(6, nv): the momentum about the "
     "centre of mass (linear, then angular, world axes) is Ag v; a view."},
    {"integrate", (PyCFunction)(void (*)(void))py_integrate, METH_VARARGS | METH_KEYWORDS,
     "integrate(model, q, v, dt=1.0) -> (nq,)\n\nq (+) v dt on the configuration space "
     "(quaternions of free and ball joints move on the sphere); a new array."},
    {"difference", py_difference, METH_VARARGS,
     "difference(model, q0, q1) -> (nv,)\n\nThe velocity that takes q0 to q1 in unit time; a new "
     "array."},
    {"rnea_batch", py_rnea_batch, METH_VARARGS,
     "rnea_batch(model, Q, V, A) -> (N, nv)\n\nrnea on each row of Q (N, nq), V and A (N, nv), "
     "in C with the GIL released (other Python threads run meanwhile); a new array."},
    {"aba_batch", py_aba_batch, METH_VARARGS,
     "aba_batch(model, Q, V, TAU) -> (N, nv)\n\naba on each row, as rnea_batch."},
    {"crba_batch", py_crba_batch, METH_VARARGS,
     "crba_batch(model, Q) -> (N, nv, nv)\n\ncrba on each row of Q, as rnea_batch."},
    {NULL, NULL, 0, NULL}};
