/* The Python module's shared parts: the Model and Data types, errors, and the conversion of
 * arguments to and from NumPy arrays. SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_PY_INTERNAL_H
#define XN_PY_INTERNAL_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL xiaonao_ARRAY_API
#ifndef XN_PY_MODULE_C
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include "xiaonao/xiaonao.h"

typedef struct {
    PyObject_HEAD xn_model *m;
} XnModel;

typedef struct {
    PyObject_HEAD xn_data *d;
    XnModel *model; /* a reference: the model outlives its data */
} XnData;

extern PyTypeObject XnModelType, XnDataType;
/* xiaonao.Error, and its subclasses ModelError (a file's problem: .file, .line) and
 * ArgumentError (also a ValueError: a bad argument) */
extern PyObject *XnError, *XnModelError, *XnArgumentError;

/* Raise the exception that fits a failed call's status, with the library's message. NULL. */
PyObject *xnpy_raise(xn_status st, const xn_error *err);
/* Raise ArgumentError with a message formatted as PyUnicode_FromFormat does (%s, %d, %zd, %R;
 * no %g: pass xnpy_number(x).text as %s). NULL. */
PyObject *xnpy_argument_error(const char *fmt, ...);
/* a number as text, for messages */
typedef struct {
    char text[32];
} xnpy_text;
xnpy_text xnpy_number(double x);

/* obj as a C-contiguous float64 array of shape (n,) (a new reference), or NULL with
 * ArgumentError naming `name` and the shape expected */
PyArrayObject *xnpy_vector(PyObject *obj, const char *name, int n);
/* obj as a C-contiguous float64 array of shape (N, n), N >= 1 (a new reference), or NULL */
PyArrayObject *xnpy_rows(PyObject *obj, const char *name, int n);
/* A NumPy view of memory `owner` keeps alive (nd 1 to 3): writable or read-only. */
PyObject *xnpy_view(PyObject *owner, double *ptr, int nd, const npy_intp *dims, int writable);
/* a (4, 4) homogeneous transform (a rotation in its upper-left block) into X: 0, or -1 with
 * ArgumentError naming `name` */
int xnpy_transform(PyObject *obj, const char *name, xn_se3 *X);
/* A frame given by id or name: its id, or -1 with ArgumentError. */
int xnpy_frame(const xn_model *m, PyObject *frame);
/* the model and data arguments of a dynamics function: 0, or -1 with TypeError/ArgumentError */
int xnpy_model_data(PyObject *model, PyObject *data, XnModel **mo, XnData **da);

/* the module's functions: py_dynamics.c, py_motion.c (and its Trajectory type) */
extern PyMethodDef xnpy_dynamics_methods[], xnpy_motion_methods[];
extern PyTypeObject XnTrajectoryType;
/* py_runtime.c: the controller on a simulated robot */
extern PyTypeObject XnControllerType;
/* py_path.c: paths through waypoints timed by TOPP */
extern PyMethodDef xnpy_path_methods[];
extern PyTypeObject XnTimedPathType;
/* py_policy.c: an ONNX policy (built with the learn library) */
extern PyTypeObject XnPolicyType;

#endif
