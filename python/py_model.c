/* xiaonao.Model and xiaonao.Data, errors, and NumPy conversions for the Python module.
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <string.h>

#include "py_internal.h"

PyObject *XnError, *XnModelError, *XnArgumentError;

/* ---- errors ---- */

PyObject *xnpy_raise(xn_status st, const xn_error *err) {
    PyObject *type = XnError;
    if (st == XN_ERR_PARSE || st == XN_ERR_IO || (err->line > 0 && st != XN_ERR_NOMEM))
        type = XnModelError;
    else if (st == XN_ERR_RANGE || st == XN_ERR_SIZE || st == XN_ERR_INVALID ||
             st == XN_ERR_NOT_FOUND)
        type = XnArgumentError;
    if (st == XN_ERR_NOMEM) return PyErr_NoMemory();
    PyObject *msg = err->line > 0
                        ? PyUnicode_FromFormat("%s:%d: %s", err->file, err->line, err->message)
                        : PyUnicode_FromFormat("%s: %s", err->file, err->message);
    if (!msg) return NULL;
    PyObject *exc = PyObject_CallOneArg(type, msg);
    Py_DECREF(msg);
    if (!exc) return NULL;
    PyObject *file = PyUnicode_FromString(err->file), *line = PyLong_FromLong(err->line),
             *status = PyUnicode_FromString(xn_status_str(st));
    if (file && line && status) {
        PyObject_SetAttrString(exc, "file", file);
        PyObject_SetAttrString(exc, "line", line);
        PyObject_SetAttrString(exc, "status", status);
    }
    Py_XDECREF(file);
    Py_XDECREF(line);
    Py_XDECREF(status);
    PyErr_SetObject(type, exc);
    Py_DECREF(exc);
    return NULL;
}

PyObject *xnpy_argument_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    PyObject *msg = PyUnicode_FromFormatV(fmt, ap);
    va_end(ap);
    if (msg) {
        PyErr_SetObject(XnArgumentError, msg);
        Py_DECREF(msg);
    }
    return NULL;
}

xnpy_text xnpy_number(double x) {
    xnpy_text t;
    snprintf(t.text, sizeof t.text, "%g", x);
    return t;
}

/* ---- NumPy ---- */

static PyArrayObject *as_doubles(PyObject *obj, const char *name, const char *shape) {
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(obj, NPY_DOUBLE, 0, 0,
                                                        NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
    if (!a) {
        PyErr_Clear();
        xnpy_argument_error("%s: expected an array of float64 of shape %s, got %s", name, shape,
                            Py_TYPE(obj)->tp_name);
    }
    return a;
}

/* obj as a C-contiguous float64 array of nd dimensions (1 or 2) whose last is n, with at least
 * one row (a new reference), or NULL with ArgumentError naming the shape expected */
static PyArrayObject *shaped(PyObject *obj, const char *name, int nd, int n) {
    char shape[32];
    snprintf(shape, sizeof shape, nd == 1 ? "(%d,)" : "(N, %d)", n);
    PyArrayObject *a = as_doubles(obj, name, shape);
    if (!a) return NULL;
    if (PyArray_NDIM(a) != nd || PyArray_DIM(a, nd - 1) != n || PyArray_DIM(a, 0) < 1) {
        PyObject *got = PyObject_GetAttrString((PyObject *)a, "shape");
        xnpy_argument_error("%s: expected shape %s%s, got %R", name, shape,
                            nd == 2 ? " with N >= 1" : "", got);
        Py_XDECREF(got);
        Py_DECREF(a);
        return NULL;
    }
    return a;
}

PyArrayObject *xnpy_vector(PyObject *obj, const char *name, int n) {
    return shaped(obj, name, 1, n);
}

PyArrayObject *xnpy_rows(PyObject *obj, const char *name, int n) { return shaped(obj, name, 2, n); }

PyObject *xnpy_view(PyObject *owner, double *ptr, int nd, const npy_intp *dims, int writable) {
    PyObject *a = PyArray_SimpleNewFromData(nd, (npy_intp *)dims, NPY_DOUBLE, ptr);
    if (!a) return NULL;
    Py_INCREF(owner);
    if (PyArray_SetBaseObject((PyArrayObject *)a, owner) < 0) {
        Py_DECREF(a);
        return NULL;
    }
    if (!writable) PyArray_CLEARFLAGS((PyArrayObject *)a, NPY_ARRAY_WRITEABLE);
    return a;
}

int xnpy_frame(const xn_model *m, PyObject *frame) {
    if (PyUnicode_Check(frame)) {
        const char *name = PyUnicode_AsUTF8(frame);
        int f = name ? xn_model_frame_id(m, name) : -1;
        if (f < 0 && name) xnpy_argument_error("frame: the model has no frame '%s'", name);
        return f;
    }
    long f = PyLong_Check(frame) ? PyLong_AsLong(frame) : -1;
    if (f < 0 || f >= m->nframe) {
        PyErr_Clear();
        xnpy_argument_error("frame: a frame name or an id in [0, %d), got %R", m->nframe, frame);
        return -1;
    }
    return (int)f;
}

int xnpy_model_data(PyObject *model, PyObject *data, XnModel **mo, XnData **da) {
    if (!PyObject_TypeCheck(model, &XnModelType)) {
        PyErr_Format(PyExc_TypeError, "model: expected xiaonao.Model, got %s",
                     Py_TYPE(model)->tp_name);
        return -1;
    }
    *mo = (XnModel *)model;
    if (!da) return 0;
    if (!PyObject_TypeCheck(data, &XnDataType)) {
        PyErr_Format(PyExc_TypeError, "data: expected xiaonao.Data, got %s",
                     Py_TYPE(data)->tp_name);
        return -1;
    }
    *da = (XnData *)data;
    if ((*da)->model->m->nv != (*mo)->m->nv || (*da)->model->m->nbody != (*mo)->m->nbody) {
        xnpy_argument_error("data: made for another model (nv %d, this model's %d)",
                            (*da)->model->m->nv, (*mo)->m->nv);
        return -1;
    }
    return 0;
}

/* ---- Model ---- */

static PyObject *model_wrap(xn_model *m) {
    XnModel *o = PyObject_New(XnModel, &XnModelType);
    if (!o) {
        xn_model_free(m);
        return NULL;
    }
    o->m = m;
    return (PyObject *)o;
}

static void model_dealloc(XnModel *o) {
    xn_model_free(o->m);
    PyObject_Free(o);
}

enum { LOAD_URDF, LOAD_MJCF, LOAD_ANY }; /* ANY: the format by the file's root element */

static PyObject *model_load(PyObject *args, PyObject *kw, int format) {
    static char *names[] = {"path", "floating_base", NULL};
    const char *path;
    int floating = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|p", names, &path, &floating)) return NULL;
    xn_load_options opt = {0};
    opt.floating_base = floating;
    xn_model *m = NULL;
    xn_error err;
    xn_status st;
    PyThreadState *ts = PyEval_SaveThread(); /* a large file takes a while */
    st = format == LOAD_URDF   ? xn_load_urdf(path, &opt, &m, &err)
         : format == LOAD_MJCF ? xn_load_mjcf(path, &opt, &m, &err)
                               : xn_load_model(path, &opt, &m, &err);
    PyEval_RestoreThread(ts);
    if (st != XN_OK) return xnpy_raise(st, &err);
    return model_wrap(m);
}

static PyObject *model_from_urdf(PyObject *cls, PyObject *args, PyObject *kw) {
    (void)cls;
    return model_load(args, kw, LOAD_URDF);
}

static PyObject *model_from_mjcf(PyObject *cls, PyObject *args, PyObject *kw) {
    (void)cls;
    return model_load(args, kw, LOAD_MJCF);
}

static PyObject *model_from_file(PyObject *cls, PyObject *args, PyObject *kw) {
    (void)cls;
    return model_load(args, kw, LOAD_ANY);
}

static PyObject *model_from_string(PyObject *cls, PyObject *args, PyObject *kw) {
    (void)cls;
    static char *names[] = {"text", "format", "floating_base", "base_dir", NULL};
    const char *text, *format = "urdf", *base = ".";
    Py_ssize_t len;
    int floating = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s#|sps", names, &text, &len, &format, &floating,
                                     &base))
        return NULL;
    xn_load_options opt = {0};
    opt.floating_base = floating;
    xn_model *m = NULL;
    xn_error err;
    xn_status st;
    if (!strcmp(format, "urdf"))
        st = xn_load_urdf_string(text, (size_t)len, "<string>", &opt, &m, &err);
    else if (!strcmp(format, "mjcf"))
        st = xn_load_mjcf_string(text, (size_t)len, "<string>", base, &opt, &m, &err);
    else
        return xnpy_argument_error("format: 'urdf' or 'mjcf', got '%s'", format);
    if (st != XN_OK) return xnpy_raise(st, &err);
    return model_wrap(m);
}

static PyObject *model_copy(XnModel *o, PyObject *unused) {
    (void)unused;
    xn_model *m = xn_model_copy(o->m);
    return m ? model_wrap(m) : PyErr_NoMemory();
}

static PyObject *names_list(char **names, int from, int to) {
    PyObject *l = PyList_New(to - from);
    for (int i = from; l && i < to; i++) {
        PyObject *s = PyUnicode_FromString(names[i] ? names[i] : "");
        if (!s) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, i - from, s);
    }
    return l;
}

static PyObject *model_frame_id(XnModel *o, PyObject *name) {
    int f = xnpy_frame(o->m, name);
    return f < 0 ? NULL : PyLong_FromLong(f);
}

static PyObject *get_int(XnModel *o, void *which) {
    const xn_model *m = o->m;
    switch ((int)(intptr_t)which) {
    case 0: return PyLong_FromLong(m->nq);
    case 1: return PyLong_FromLong(m->nv);
    case 2: return PyLong_FromLong(m->nbody);
    default: return PyLong_FromLong(m->nframe);
    }
}

static PyObject *get_names(XnModel *o, void *which) {
    const xn_model *m = o->m;
    switch ((int)(intptr_t)which) {
    case 0: return names_list(m->joint_name, 1, m->nbody);
    case 1: return names_list(m->body_name, 1, m->nbody);
    default: return names_list(m->frame_name, 0, m->nframe);
    }
}

/* read-only views of the model's arrays */
static PyObject *get_array(XnModel *o, void *which) {
    xn_model *m = o->m;
    npy_intp nq = m->nq, nv = m->nv, three = 3;
    switch ((int)(intptr_t)which) {
    case 0: return xnpy_view((PyObject *)o, m->q_lower, 1, &nq, 0);
    case 1: return xnpy_view((PyObject *)o, m->q_upper, 1, &nq, 0);
    case 2: return xnpy_view((PyObject *)o, m->q_neutral, 1, &nq, 0);
    case 3: return xnpy_view((PyObject *)o, m->dof_vmax, 1, &nv, 0);
    case 4: return xnpy_view((PyObject *)o, m->dof_effort, 1, &nv, 0);
    case 5: return xnpy_view((PyObject *)o, m->dof_armature, 1, &nv, 0);
    case 6: return xnpy_view((PyObject *)o, m->dof_damping, 1, &nv, 0);
    default: return xnpy_view((PyObject *)o, m->gravity, 1, &three, 0);
    }
}

static PyObject *model_name(XnModel *o, void *unused) {
    (void)unused;
    return PyUnicode_FromString(o->m->name ? o->m->name : "");
}

static PyObject *model_repr(XnModel *o) {
    return PyUnicode_FromFormat("<xiaonao.Model '%s': nq %d, nv %d, %d bodies, %d frames>",
                                o->m->name ? o->m->name : "", o->m->nq, o->m->nv, o->m->nbody - 1,
                                o->m->nframe);
}

static PyMethodDef model_methods[] = {
    {"from_urdf", (PyCFunction)(void (*)(void))model_from_urdf,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "from_urdf(path, floating_base=False) -> Model\n\nLoad a URDF file. floating_base attaches "
     "the root link to the world by a free joint (7 coordinates: position, then the quaternion "
     "w, x, y, z). Raises ModelError naming the file and line of a problem."},
    {"from_mjcf", (PyCFunction)(void (*)(void))model_from_mjcf,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "from_mjcf(path) -> Model\n\nLoad a MuJoCo MJCF file (the subset real robot files use)."},
    {"from_file", (PyCFunction)(void (*)(void))model_from_file,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "from_file(path, floating_base=False) -> Model\n\nURDF or MJCF, by the file's content."},
    {"from_string", (PyCFunction)(void (*)(void))model_from_string,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "from_string(text, format='urdf', floating_base=False, base_dir='.') -> Model\n\nLoad a "
     "description held in a string; base_dir resolves an MJCF's relative file names."},
    {"copy", (PyCFunction)model_copy, METH_NOARGS,
     "copy() -> Model\n\nAn independent copy (a model never changes, so this is rarely needed)."},
    {"frame_id", (PyCFunction)model_frame_id, METH_O,
     "frame_id(name) -> int\n\nThe id of a named frame; ArgumentError when there is none."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef model_getset[] = {
    {"name", (getter)model_name, NULL, "the model's name in its file", NULL},
    {"nq", (getter)get_int, NULL, "configuration size", (void *)0},
    {"nv", (getter)get_int, NULL, "velocity size (degrees of freedom)", (void *)1},
    {"nbody", (getter)get_int, NULL, "bodies, the world (body 0) included", (void *)2},
    {"nframe", (getter)get_int, NULL, "named frames", (void *)3},
    {"joint_names", (getter)get_names, NULL, "the joints of bodies 1..nbody-1 (a new list)",
     (void *)0},
    {"body_names", (getter)get_names, NULL, "bodies 1..nbody-1 (a new list)", (void *)1},
    {"frame_names", (getter)get_names, NULL, "every named frame, by id (a new list)", (void *)2},
    {"lower", (getter)get_array, NULL, "(nq,) position lower limits, read-only view (-inf: none)",
     (void *)0},
    {"upper", (getter)get_array, NULL, "(nq,) position upper limits, read-only view (inf: none)",
     (void *)1},
    {"neutral", (getter)get_array, NULL,
     "(nq,) the neutral configuration, read-only view (zeros, identity quaternions)", (void *)2},
    {"velocity_limit", (getter)get_array, NULL, "(nv,) rad/s or m/s, read-only view", (void *)3},
    {"effort_limit", (getter)get_array, NULL, "(nv,) N m or N, read-only view", (void *)4},
    {"armature", (getter)get_array, NULL, "(nv,) rotor inertia, read-only view", (void *)5},
    {"damping", (getter)get_array, NULL, "(nv,) viscous damping, read-only view", (void *)6},
    {"gravity", (getter)get_array, NULL, "(3,) m/s^2 in the world frame, read-only view",
     (void *)7},
    {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject XnModelType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "xiaonao.Model",
    .tp_basicsize = sizeof(XnModel),
    .tp_dealloc = (destructor)model_dealloc,
    .tp_repr = (reprfunc)model_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A robot model, immutable once loaded: Model.from_urdf(path), Model.from_mjcf(path), "
              "Model.from_string(text). Its arrays are read-only NumPy views of the model's own "
              "memory; copy them (np.array(model.lower)) to change them.",
    .tp_methods = model_methods,
    .tp_getset = model_getset,
};

/* ---- Data ---- */

static PyObject *data_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    static char *names[] = {"model", NULL};
    PyObject *model;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!", names, &XnModelType, &model)) return NULL;
    XnData *o = (XnData *)type->tp_alloc(type, 0);
    if (!o) return NULL;
    o->d = xn_data_create(((XnModel *)model)->m);
    if (!o->d) {
        Py_DECREF(o);
        return PyErr_NoMemory();
    }
    Py_INCREF(model);
    o->model = (XnModel *)model;
    return (PyObject *)o;
}

static void data_dealloc(XnData *o) {
    xn_data_free(o->d);
    Py_XDECREF(o->model);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

static PyObject *data_copy(XnData *o, PyObject *unused) {
    (void)unused;
    PyObject *args = PyTuple_Pack(1, (PyObject *)o->model);
    if (!args) return NULL;
    XnData *c = (XnData *)data_new(&XnDataType, args, NULL);
    Py_DECREF(args);
    if (!c) return NULL;
    /* the results a user reads (the scratch is rewritten by every call anyway) */
    const xn_model *m = o->model->m;
    size_t nv = (size_t)m->nv;
    memcpy(c->d->tau, o->d->tau, nv * sizeof(xn_real));
    memcpy(c->d->nle, o->d->nle, nv * sizeof(xn_real));
    memcpy(c->d->g, o->d->g, nv * sizeof(xn_real));
    memcpy(c->d->qdd, o->d->qdd, nv * sizeof(xn_real));
    memcpy(c->d->M, o->d->M, nv * nv * sizeof(xn_real));
    memcpy(c->d->Jcom, o->d->Jcom, 3 * nv * sizeof(xn_real));
    memcpy(c->d->Ag, o->d->Ag, 6 * nv * sizeof(xn_real));
    memcpy(c->d->oMi, o->d->oMi, (size_t)m->nbody * sizeof(xn_se3));
    memcpy(c->d->oMf, o->d->oMf, (size_t)m->nframe * sizeof(xn_se3));
    memcpy(c->d->com, o->d->com, sizeof c->d->com);
    c->d->mass = o->d->mass;
    return (PyObject *)c;
}

static PyObject *data_array(XnData *o, void *which) {
    xn_data *d = o->d;
    npy_intp nv = d->nv, sq[2] = {d->nv, d->nv}, three = 3, j3[2] = {3, d->nv}, j6[2] = {6, d->nv};
    switch ((int)(intptr_t)which) {
    case 0: return xnpy_view((PyObject *)o, d->tau, 1, &nv, 1);
    case 1: return xnpy_view((PyObject *)o, d->nle, 1, &nv, 1);
    case 2: return xnpy_view((PyObject *)o, d->g, 1, &nv, 1);
    case 3: return xnpy_view((PyObject *)o, d->qdd, 1, &nv, 1);
    case 4: return xnpy_view((PyObject *)o, d->M, 2, sq, 1);
    case 5: return xnpy_view((PyObject *)o, d->com, 1, &three, 1);
    case 6: return xnpy_view((PyObject *)o, d->Jcom, 2, j3, 1);
    default: return xnpy_view((PyObject *)o, d->Ag, 2, j6, 1);
    }
}

static PyObject *data_mass(XnData *o, void *unused) {
    (void)unused;
    return PyFloat_FromDouble(o->d->mass);
}

static PyMethodDef data_methods[] = {
    {"copy", (PyCFunction)data_copy, METH_NOARGS,
     "copy() -> Data\n\nA new Data with this one's results (tau, nle, g, qdd, M, com, mass, "
     "Jcom, Ag, placements): a snapshot the next call will not change."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef data_getset[] = {
    {"tau", (getter)data_array, NULL, "(nv,) rnea's result: a view the next call overwrites",
     (void *)0},
    {"nle", (getter)data_array, NULL, "(nv,) nle's result (view)", (void *)1},
    {"g", (getter)data_array, NULL, "(nv,) gravity's result (view)", (void *)2},
    {"qdd", (getter)data_array, NULL, "(nv,) aba's result (view)", (void *)3},
    {"M", (getter)data_array, NULL, "(nv, nv) crba's mass matrix, both triangles (view)",
     (void *)4},
    {"com", (getter)data_array, NULL, "(3,) com's centre of mass, world frame (view)", (void *)5},
    {"Jcom", (getter)data_array, NULL, "(3, nv) com_jacobian's result (view)", (void *)6},
    {"Ag", (getter)data_array, NULL,
     "(6, nv) centroidal_momentum_matrix's result: linear, then angular (view)", (void *)7},
    {"mass", (getter)data_mass, NULL, "the model's total mass (kg), from com", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject XnDataType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "xiaonao.Data",
    .tp_basicsize = sizeof(XnData),
    .tp_dealloc = (destructor)data_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Data(model): the workspace every computation on that model writes into. Its arrays "
              "are writable views of that workspace: the next call overwrites them, so take "
              ".copy() of an array (or data.copy()) to keep a result. One Data per thread.",
    .tp_new = data_new,
    .tp_methods = data_methods,
    .tp_getset = data_getset,
};
