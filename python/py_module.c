/* The Python module `xiaonao`: its types, exceptions and functions.
 * SPDX-License-Identifier: Apache-2.0 */
#define XN_PY_MODULE_C
#include "py_internal.h"

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "xiaonao",
    .m_doc = "xiaonao: robot kinematics and dynamics from Python, on NumPy arrays.\n\n"
             "    import xiaonao as xn\n"
             "    model = xn.Model.from_urdf('panda.urdf')\n"
             "    data = xn.Data(model)\n"
             "    tau = xn.rnea(model, data, q, v, a)   # a view of data.tau\n\n"
             "Results are views of the Data's workspace, overwritten by the next call on that "
             "Data: .copy() what you keep. One Data per thread; the batched calls (rnea_batch, "
             "aba_batch, crba_batch) release the GIL. Errors raise xiaonao.Error: ModelError for "
             "a file's problem (.file, .line), ArgumentError (also a ValueError) for a bad "
             "argument, naming it and the shape expected.",
    .m_size = -1,
    .m_methods = NULL,
};

PyMODINIT_FUNC PyInit_xiaonao(void) {
    import_array();
    module.m_methods = xnpy_dynamics_methods;
    if (PyType_Ready(&XnModelType) < 0 || PyType_Ready(&XnDataType) < 0 ||
        PyType_Ready(&XnTrajectoryType) < 0 || PyType_Ready(&XnControllerType) < 0 ||
        PyType_Ready(&XnTimedPathType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    if (PyModule_AddFunctions(m, xnpy_motion_methods) < 0 ||
        PyModule_AddFunctions(m, xnpy_path_methods) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    XnError = PyErr_NewExceptionWithDoc("xiaonao.Error", "Every error xiaonao raises.",
                                        PyExc_RuntimeError, NULL);
    XnModelError = PyErr_NewExceptionWithDoc(
        "xiaonao.ModelError", "A robot description's problem: .file and .line say where.", XnError,
        NULL);
    PyObject *bases = XnError ? PyTuple_Pack(2, XnError, PyExc_ValueError) : NULL;
    XnArgumentError = bases ? PyErr_NewExceptionWithDoc(
                                  "xiaonao.ArgumentError",
                                  "A bad argument: which one, and what was expected.", bases, NULL)
                            : NULL;
    Py_XDECREF(bases);
    if (!XnError || !XnModelError || !XnArgumentError ||
        PyModule_AddObjectRef(m, "Error", XnError) < 0 ||
        PyModule_AddObjectRef(m, "ModelError", XnModelError) < 0 ||
        PyModule_AddObjectRef(m, "ArgumentError", XnArgumentError) < 0 ||
        PyModule_AddObjectRef(m, "Model", (PyObject *)&XnModelType) < 0 ||
        PyModule_AddObjectRef(m, "Data", (PyObject *)&XnDataType) < 0 ||
        PyModule_AddObjectRef(m, "Trajectory", (PyObject *)&XnTrajectoryType) < 0 ||
        PyModule_AddObjectRef(m, "TimedPath", (PyObject *)&XnTimedPathType) < 0 ||
        PyModule_AddObjectRef(m, "Controller", (PyObject *)&XnControllerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
#ifdef XN_HAVE_LEARN
    if (PyType_Ready(&XnPolicyType) < 0 ||
        PyModule_AddObjectRef(m, "Policy", (PyObject *)&XnPolicyType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
#endif
    return m;
}
