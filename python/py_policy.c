/* xiaonao.Policy: an ONNX policy (the library's own runtime, xn_policy) evaluated on NumPy
 * inputs. SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "py_internal.h"
#include "xiaonao/policy.h"

typedef struct {
    PyObject_HEAD xn_policy *p;
} XnPolicy;

static void policy_dealloc(XnPolicy *self) {
    xn_policy_free(self->p);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int policy_init(XnPolicy *self, PyObject *args, PyObject *kw) {
    static char *kwn[] = {"path", "bind_state", NULL};
    const char *path;
    int bind = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|p", kwn, &path, &bind)) return -1;
    xn_policy *p = NULL;
    xn_error err;
    xn_status st;
    Py_BEGIN_ALLOW_THREADS st = xn_policy_load(path, &p, &err);
    Py_END_ALLOW_THREADS if (st != XN_OK) {
        xnpy_raise(st, &err);
        return -1;
    }
    if (bind) xn_policy_bind_state_auto(p);
    xn_policy_free(self->p);
    self->p = p;
    return 0;
}

/* a Policy made without __init__ has no graph */
static int loaded(const XnPolicy *self) {
    if (self->p) return 1;
    PyErr_SetString(XnError, "this Policy was not loaded: xiaonao.Policy(path)");
    return 0;
}

/* [(name, size), ...] of the inputs (outputs 0) or outputs (1) */
static PyObject *ports(XnPolicy *self, int outputs) {
    if (!loaded(self)) return NULL;
    int n = outputs ? xn_policy_noutputs(self->p) : xn_policy_ninputs(self->p);
    PyObject *list = PyList_New(n);
    for (int i = 0; list && i < n; i++) {
        const char *name =
            outputs ? xn_policy_output_name(self->p, i) : xn_policy_input_name(self->p, i);
        size_t size =
            outputs ? xn_policy_output_size(self->p, i) : xn_policy_input_size(self->p, i);
        PyObject *t = Py_BuildValue("(sn)", name, (Py_ssize_t)size);
        if (!t) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, t);
    }
    return list;
}

static PyObject *policy_inputs(XnPolicy *self, void *c) {
    (void)c;
    return ports(self, 0);
}

static PyObject *policy_outputs(XnPolicy *self, void *c) {
    (void)c;
    return ports(self, 1);
}

/* the inputs given by name into the policy's buffers: every input the graph has that is not
 * recurrent state must be given, with its size; an unknown name is refused */
static int fill(XnPolicy *self, PyObject *kw) {
    xn_policy *p = self->p;
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (kw && PyDict_Next(kw, &pos, &key, &value)) {
        const char *name = PyUnicode_AsUTF8(key);
        if (!name) return -1;
        int i = xn_policy_find_input(p, name);
        if (i < 0) {
            xnpy_argument_error("%s: the policy has no input of that name", name);
            return -1;
        }
        PyArrayObject *a = (PyArrayObject *)PyArray_FROM_OTF(
            value, NPY_FLOAT32, NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
        if (!a) {
            PyErr_Clear();
            xnpy_argument_error("%s: numbers expected", name);
            return -1;
        }
        size_t n = xn_policy_input_size(p, i);
        if ((size_t)PyArray_SIZE(a) != n) {
            xnpy_argument_error("%s: %zd values, the policy takes %zd", name,
                                (Py_ssize_t)PyArray_SIZE(a), (Py_ssize_t)n);
            Py_DECREF(a);
            return -1;
        }
        memcpy(xn_policy_input(p, i), PyArray_DATA(a), n * sizeof(float));
        Py_DECREF(a);
    }
    return 0;
}

/* every output as a float32 array of its own (a copy) */
static PyObject *results(XnPolicy *self) {
    PyObject *d = PyDict_New();
    for (int i = 0; d && i < xn_policy_noutputs(self->p); i++) {
        npy_intp n = (npy_intp)xn_policy_output_size(self->p, i);
        PyObject *a = PyArray_SimpleNew(1, &n, NPY_FLOAT32);
        if (!a || PyDict_SetItemString(d, xn_policy_output_name(self->p, i), a) < 0) {
            Py_XDECREF(a);
            Py_DECREF(d);
            return NULL;
        }
        memcpy(PyArray_DATA((PyArrayObject *)a), xn_policy_output(self->p, i),
               (size_t)n * sizeof(float));
        Py_DECREF(a);
    }
    return d;
}

static PyObject *evaluate(XnPolicy *self, PyObject *args, PyObject *kw, int step) {
    if (!loaded(self)) return NULL;
    if (PyTuple_GET_SIZE(args) != 0)
        return xnpy_argument_error("inputs are given by name, e.g. run(obs=x)");
    if (fill(self, kw) < 0) return NULL;
    xn_status st;
    Py_BEGIN_ALLOW_THREADS st = step ? xn_policy_step(self->p) : xn_policy_run(self->p);
    Py_END_ALLOW_THREADS if (st != XN_OK) {
        if (st == XN_ERR_RANGE)
            return xnpy_argument_error("an input holds a NaN or an infinity: the outputs are "
                                       "left as they were");
        xn_error err;
        memset(&err, 0, sizeof err);
        return xnpy_raise(st, &err);
    }
    return results(self);
}

static PyObject *policy_run(XnPolicy *self, PyObject *args, PyObject *kw) {
    return evaluate(self, args, kw, 0);
}

static PyObject *policy_step(XnPolicy *self, PyObject *args, PyObject *kw) {
    return evaluate(self, args, kw, 1);
}

static PyObject *policy_reset(XnPolicy *self, PyObject *unused) {
    (void)unused;
    if (!loaded(self)) return NULL;
    xn_policy_reset(self->p);
    Py_RETURN_NONE;
}

static PyMethodDef policy_methods[] = {
    {"run", (PyCFunction)(void (*)(void))policy_run, METH_VARARGS | METH_KEYWORDS,
     "run(**inputs) -> {output name: float32 array}\n\nEvaluate the graph once on the inputs "
     "given by name (any array of the input's size, converted to float32). Inputs not given keep "
     "their last values (recurrent state its own). A NaN or infinity raises ArgumentError and "
     "leaves the outputs as they were."},
    {"step", (PyCFunction)(void (*)(void))policy_step, METH_VARARGS | METH_KEYWORDS,
     "step(**inputs) -> {output name: float32 array}\n\nrun(), then every recurrent state "
     "output (X_out) copied into its input (X_in) for the next step."},
    {"reset", (PyCFunction)policy_reset, METH_NOARGS,
     "reset()\n\nZero the recurrent state: the start of an episode."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef policy_getset[] = {
    {"inputs", (getter)policy_inputs, NULL, "[(name, size)] of the graph's inputs, in order", NULL},
    {"outputs", (getter)policy_outputs, NULL, "[(name, size)] of the graph's outputs, in order",
     NULL},
    {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject XnPolicyType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "xiaonao.Policy",
    .tp_basicsize = sizeof(XnPolicy),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Policy(path, bind_state=True)\n\nAn ONNX policy (an MLP or a recurrent network, as "
              "the library's own runtime runs it in the control loop), evaluated on NumPy inputs "
              "by name. With bind_state, every input X_in paired with an output X_out of the "
              "same size is recurrent state, carried by step() and zeroed by reset(). A file "
              "that cannot be read or an operator the runtime lacks raises Error naming it.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)policy_init,
    .tp_dealloc = (destructor)policy_dealloc,
    .tp_methods = policy_methods,
    .tp_getset = policy_getset,
};
