/* The runtime from Python: xiaonao.Controller, a robot program (or none) on the simulated robot
 * (MuJoCo or the loopback robot), stepped from Python, its log as NumPy arrays, its events as
 * dicts, and setpoints streamed into a `stream` line. Each step runs in C with the GIL released.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "py_internal.h"

typedef struct {
    PyObject_HEAD XnModel *model; /* the model the controller was made for (a reference) */
    xn_hal *hal;
    xn_program *prog;
    xn_controller *c;
    int nj;
    /* the log so far: a growing array of cycle records */
    xn_ctl_sample *log;
    size_t nlog, cap;
} XnController;

static void controller_dealloc(XnController *o) {
    xn_controller_free(o->c);
    xn_hal_close(o->hal);
    xn_program_free(o->prog);
    free(o->log);
    Py_XDECREF(o->model);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

/* a per-joint limit argument into cfg (NULL/None: the default kept) */
static int limits(PyObject *obj, const char *name, int nj, xn_real *to) {
    if (!obj || obj == Py_None) return 0;
    PyArrayObject *a = xnpy_vector(obj, name, nj);
    if (!a) return -1;
    memcpy(to, PyArray_DATA(a), (size_t)nj * sizeof(xn_real));
    Py_DECREF(a);
    return 0;
}

static PyObject *controller_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    static char *kwn[] = {"model",
                          "backend",
                          "scene",
                          "program",
                          "program_file",
                          "max_velocity",
                          "max_acceleration",
                          "max_jerk",
                          "period",
                          "command_mode",
                          NULL};
    PyObject *model, *vmax = NULL, *amax = NULL, *jmax = NULL;
    const char *backend = "loopback", *scene = NULL, *text = NULL, *file = NULL, *mode = "torque";
    double period = 0.001;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!|szzzOOOds", kwn, &XnModelType, &model, &backend,
                                     &scene, &text, &file, &vmax, &amax, &jmax, &period, &mode))
        return NULL;
    if (strcmp(mode, "torque") && strcmp(mode, "position"))
        return xnpy_argument_error("command_mode: 'torque' or 'position', got '%s'", mode);
    if (!(period > 0 && period < 1))
        return xnpy_argument_error("period: in (0, 1) s, got %s", xnpy_number(period).text);
    XnController *o = (XnController *)type->tp_alloc(type, 0);
    if (!o) return NULL;
    Py_INCREF(model);
    o->model = (XnModel *)model;
    const xn_model *m = o->model->m;
    xn_error err;
    xn_status st = XN_OK;
    int64_t period_ns = (int64_t)llround(period * 1e9);
    if (!strcmp(backend, "loopback")) {
        st = xn_loopback_open(m, NULL, period_ns, NULL, 0, &o->hal, &err);
    } else if (!strcmp(backend, "mujoco")) {
#ifdef XN_HAVE_MUJOCO
        if (!scene) {
            Py_DECREF(o);
            return xnpy_argument_error("scene: the MJCF scene the MuJoCo backend simulates");
        }
        xn_mujoco_options mo;
        memset(&mo, 0, sizeof mo);
        mo.period_ns = period_ns;
        st = xn_mujoco_open(scene, &mo, &o->hal, &err);
#else
        Py_DECREF(o);
        return xnpy_argument_error("backend: this build has no MuJoCo");
#endif
    } else {
        Py_DECREF(o);
        return xnpy_argument_error("backend: 'loopback' or 'mujoco', got '%s'", backend);
    }
    if (st == XN_OK && text) st = xn_program_parse(text, strlen(text), "<program>", &o->prog, &err);
    if (st == XN_OK && file) st = xn_program_load(file, &o->prog, &err);
    if (st != XN_OK) {
        Py_DECREF(o);
        return xnpy_raise(st, &err);
    }
    xn_controller_config cfg;
    xn_controller_config_init(&cfg);
    cfg.command_mode = strcmp(mode, "position") ? XN_CMD_TORQUE : XN_CMD_POSITION;
    int nj = 0;
    for (int i = 0; i < o->hal->njoint; i++) nj += o->hal->joint_info[i].commandable;
    if (limits(vmax, "max_velocity", nj, cfg.max_velocity) ||
        limits(amax, "max_acceleration", nj, cfg.max_acceleration) ||
        limits(jmax, "max_jerk", nj, cfg.max_jerk)) {
        Py_DECREF(o);
        return NULL;
    }
    st = xn_controller_create(m, o->hal, o->prog, &cfg, &o->c, &err);
    if (st != XN_OK) {
        Py_DECREF(o);
        return xnpy_raise(st, &err);
    }
    o->nj = xn_controller_njoint(o->c);
    return (PyObject *)o;
}

/* room for n more records (outside the step: the Python thread may allocate) */
static int reserve(XnController *o, size_t n) {
    if (o->nlog + n <= o->cap) return 0;
    size_t cap = o->cap ? o->cap : 4096;
    while (cap < o->nlog + n) cap *= 2;
    xn_ctl_sample *l = realloc(o->log, cap * sizeof *l);
    if (!l) return -1;
    o->log = l;
    o->cap = cap;
    return 0;
}

/* n cycles (or until the program ends, when until_done): read, step, write, advance; every
 * record kept. The GIL is released: nothing Python is touched. Returns the cycles run. */
static long run_cycles(XnController *o, long n, int until_done) {
    long k = 0;
    PyThreadState *ts = PyEval_SaveThread();
    for (; k < n && !(until_done && xn_controller_finished(o->c)); k++) {
        xn_hal_read(o->hal);
        xn_controller_step(o->c);
        xn_hal_write(o->hal);
        xn_hal_advance(o->hal);
        xn_ctl_sample s;
        while (xn_controller_next_sample(o->c, &s))
            if (o->nlog < o->cap) o->log[o->nlog++] = s;
    }
    PyEval_RestoreThread(ts);
    return k;
}

static PyObject *controller_step(XnController *o, PyObject *args) {
    long n = 1;
    if (!PyArg_ParseTuple(args, "|l", &n)) return NULL;
    if (n < 0) return xnpy_argument_error("n: cycles >= 0, got %ld", n);
    if (reserve(o, (size_t)n)) return PyErr_NoMemory();
    return PyLong_FromLong(run_cycles(o, n, 0));
}

static PyObject *controller_run(XnController *o, PyObject *args, PyObject *kw) {
    static char *kwn[] = {"max_time", NULL};
    double max_time = 60;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|d", kwn, &max_time)) return NULL;
    if (!(max_time >= 0) || !isfinite(max_time))
        return xnpy_argument_error("max_time: a finite time >= 0 (s), got %s",
                                   xnpy_number(max_time).text);
    long n = (long)ceil(max_time * 1e9 / (double)o->hal->period_ns);
    long done = 0;
    while (done < n && !xn_controller_finished(o->c)) { /* in chunks: the log grows between */
        long chunk = n - done < 10000 ? n - done : 10000;
        if (reserve(o, (size_t)chunk)) return PyErr_NoMemory();
        long k = run_cycles(o, chunk, 1);
        done += k;
        if (k < chunk) break;
    }
    return PyLong_FromLong(done);
}

/* the log as arrays: time (N,), line, state (N,), and (N, nj) for each joint quantity */
static PyObject *controller_log(XnController *o, PyObject *unused) {
    (void)unused;
    npy_intp n = (npy_intp)o->nlog, d2[2] = {n, o->nj};
    PyObject *dict = PyDict_New();
    if (!dict) return NULL;
    PyObject *t = PyArray_ZEROS(1, &n, NPY_DOUBLE, 0), *line = PyArray_ZEROS(1, &n, NPY_INT32, 0),
             *state = PyArray_ZEROS(1, &n, NPY_INT32, 0);
    static const char *const names[6] = {"q", "v", "tau", "q_ref", "v_ref", "a_ref"};
    PyObject *arr[6];
    int ok = t && line && state;
    for (int k = 0; k < 6; k++) ok &= (arr[k] = PyArray_ZEROS(2, d2, NPY_DOUBLE, 0)) != NULL;
    if (ok) {
        double *tp = PyArray_DATA((PyArrayObject *)t);
        int *lp = PyArray_DATA((PyArrayObject *)line), *sp = PyArray_DATA((PyArrayObject *)state);
        double *ap[6];
        for (int k = 0; k < 6; k++) ap[k] = PyArray_DATA((PyArrayObject *)arr[k]);
        for (size_t i = 0; i < o->nlog; i++) {
            const xn_ctl_sample *s = &o->log[i];
            tp[i] = (double)s->time_ns * 1e-9;
            lp[i] = s->line;
            sp[i] = (int)s->state;
            const xn_real *src[6] = {s->q, s->v, s->tau, s->q_ref, s->v_ref, s->a_ref};
            for (int k = 0; k < 6; k++)
                memcpy(ap[k] + i * (size_t)o->nj, src[k], (size_t)o->nj * sizeof(double));
        }
        ok = !PyDict_SetItemString(dict, "time", t) && !PyDict_SetItemString(dict, "line", line) &&
             !PyDict_SetItemString(dict, "state", state);
        for (int k = 0; k < 6 && ok; k++) ok = !PyDict_SetItemString(dict, names[k], arr[k]);
    }
    Py_XDECREF(t);
    Py_XDECREF(line);
    Py_XDECREF(state);
    for (int k = 0; k < 6; k++) Py_XDECREF(arr[k]);
    if (!ok) {
        Py_DECREF(dict);
        return NULL;
    }
    return dict;
}

static PyObject *controller_events(XnController *o, PyObject *unused) {
    (void)unused;
    PyObject *list = PyList_New(0);
    xn_event ev;
    while (list && xn_controller_next_event(o->c, &ev)) {
        PyObject *e =
            Py_BuildValue("{s:d,s:s,s:i,s:s,s:i,s:d,s:s}", "time", (double)ev.time_ns * 1e-9,
                          "kind", xn_event_str(ev.code), "joint", ev.joint, "joint_name",
                          ev.joint >= 0 ? xn_controller_joint_name(o->c, ev.joint) : "", "line",
                          ev.line, "value", ev.value, "text", ev.text);
        if (!e || PyList_Append(list, e)) {
            Py_XDECREF(e);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(e);
    }
    return list;
}

static PyObject *controller_stream(XnController *o, PyObject *args, PyObject *kw) {
    static char *kwn[] = {"positions", "velocities", "torques", NULL};
    PyObject *p = Py_None, *v = Py_None, *t = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOO", kwn, &p, &v, &t)) return NULL;
    xn_setpoint sp;
    memset(&sp, 0, sizeof sp);
    sp.n = xn_controller_stream_joints(o->c, NULL); /* a `stream joints` line claims some */
    int given = (p != Py_None) + (t != Py_None) + (p == Py_None && t == Py_None && v != Py_None);
    if (given != 1)
        return xnpy_argument_error("give positions (with optional velocities), velocities, or "
                                   "torques");
    sp.mode = p != Py_None   ? XN_STREAM_POSITION
              : t != Py_None ? XN_STREAM_TORQUE
                             : XN_STREAM_VELOCITY;
    if (limits(p, "positions", sp.n, sp.position) || limits(v, "velocities", sp.n, sp.velocity) ||
        limits(t, "torques", sp.n, sp.torque))
        return NULL;
    xn_error err;
    xn_status st = xn_controller_stream(o->c, &sp, &err);
    if (st != XN_OK) return xnpy_raise(st, &err);
    return Py_NewRef(Py_None);
}

static PyObject *controller_stream_end(XnController *o, PyObject *unused) {
    (void)unused;
    xn_controller_stream_end(o->c);
    return Py_NewRef(Py_None);
}

/* A program's text run in the `stream` line's place (xn_controller_run_program: prepared here,
 * with the GIL released, while the caller's thread may be stepping the controller elsewhere). */
static PyObject *controller_run_program(XnController *o, PyObject *args, PyObject *kw) {
    static char *kwn[] = {"text", "name", NULL};
    const char *text = NULL, *name = "python";
    Py_ssize_t len = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s#|s", kwn, &text, &len, &name)) return NULL;
    xn_program *p = NULL;
    xn_error err;
    xn_status st = xn_program_parse(text, (size_t)len, name, &p, &err);
    if (st == XN_OK) {
        Py_BEGIN_ALLOW_THREADS st = xn_controller_run_program(o->c, p, &err);
        Py_END_ALLOW_THREADS
    }
    if (st != XN_OK) return xnpy_raise(st, &err);
    return Py_NewRef(Py_None);
}

static PyObject *controller_pause(XnController *o, PyObject *unused) {
    (void)unused;
    xn_controller_pause(o->c);
    return Py_NewRef(Py_None);
}

static PyObject *controller_resume(XnController *o, PyObject *unused) {
    (void)unused;
    xn_controller_resume(o->c);
    return Py_NewRef(Py_None);
}

static PyObject *controller_get(XnController *o, void *which) {
    switch ((int)(intptr_t)which) {
    case 0: return PyUnicode_FromString(xn_ctl_state_str(xn_controller_state(o->c)));
    case 1: return PyBool_FromLong(xn_controller_finished(o->c));
    case 2: return PyBool_FromLong(xn_controller_streaming(o->c));
    case 3: return PyFloat_FromDouble((double)o->hal->time_ns * 1e-9);
    case 6: {
        static const char *const run[3] = {"none", "waiting", "running"};
        return PyUnicode_FromString(run[xn_controller_run_state(o->c)]);
    }
    case 7: {
        static const char *const pause[3] = {"no", "pausing", "paused"};
        return PyUnicode_FromString(pause[xn_controller_paused(o->c)]);
    }
    default: {
        int idx[XN_OTG_MAX_DOFS], n = o->nj;
        for (int k = 0; k < n; k++) idx[k] = k;
        if ((int)(intptr_t)which == 5) n = xn_controller_stream_joints(o->c, idx);
        PyObject *l = PyList_New(n);
        for (int k = 0; l && k < n; k++) {
            PyObject *s = PyUnicode_FromString(xn_controller_joint_name(o->c, idx[k]));
            if (!s) {
                Py_DECREF(l);
                return NULL;
            }
            PyList_SET_ITEM(l, k, s);
        }
        return l;
    }
    }
}

static PyMethodDef controller_methods[] = {
    {"step", (PyCFunction)controller_step, METH_VARARGS,
     "step(n=1) -> int\n\nRun n control cycles (read the robot, step, write, advance the "
     "simulation) with the GIL released; returns the cycles run."},
    {"run", (PyCFunction)(void (*)(void))controller_run, METH_VARARGS | METH_KEYWORDS,
     "run(max_time=60.0) -> int\n\nRun until the program ends or max_time (s of robot time) has "
     "passed; returns the cycles run."},
    {"log", (PyCFunction)controller_log, METH_NOARGS,
     "log() -> dict\n\nEvery cycle so far: 'time' (N,) s, 'line' and 'state' (N,), and 'q', 'v', "
     "'tau', 'q_ref', 'v_ref', 'a_ref' (N, njoint) in the controller's joint order (new "
     "arrays)."},
    {"events", (PyCFunction)controller_events, METH_NOARGS,
     "events() -> list of dict\n\nThe events since the last call: time, kind, joint, "
     "joint_name, line, value, text."},
    {"stream", (PyCFunction)(void (*)(void))controller_stream, METH_VARARGS | METH_KEYWORDS,
     "stream(positions=None, velocities=None, torques=None)\n\nSend a setpoint to a running "
     "`stream` line: positions (with optional arrival velocities), velocities, or torques, one "
     "per controlled joint. A setpoint the controller refuses raises ArgumentError with its "
     "reason and moves nothing."},
    {"stream_end", (PyCFunction)controller_stream_end, METH_NOARGS,
     "stream_end()\n\nEnd the `stream` line: the joints come to rest, the program goes on."},
    {"run_program", (PyCFunction)(void (*)(void))controller_run_program,
     METH_VARARGS | METH_KEYWORDS,
     "run_program(text, name='python')\n\nRun a program (its text) in the running `stream` "
     "line's place once the joints rest, then give the line back (docs/runtime.md). It is "
     "checked and planned here, from where the joints rest: a mistake raises ModelError with "
     "its line; no `stream` line, a program still running or joints moving raise Error."},
    {"pause", (PyCFunction)controller_pause, METH_NOARGS,
     "pause()\n\nSlow the running program to rest along its own path and hold it there."},
    {"resume", (PyCFunction)controller_resume, METH_NOARGS,
     "resume()\n\nLet a paused program go on from where it rests."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef controller_getset[] = {
    {"state", (getter)controller_get, NULL, "'enabling', 'running', 'stopping', 'done', 'fault'",
     (void *)0},
    {"finished", (getter)controller_get, NULL, "the program ended (or the controller stopped)",
     (void *)1},
    {"streaming", (getter)controller_get, NULL, "a `stream` line takes setpoints", (void *)2},
    {"time", (getter)controller_get, NULL, "the robot's clock (s)", (void *)3},
    {"joint_names", (getter)controller_get, NULL, "the controlled joints, in order", (void *)4},
    {"stream_joints", (getter)controller_get, NULL,
     "the joints a setpoint gives, in order: those the running `stream joints ...` line claims, "
     "else every controlled joint",
     (void *)5},
    {"run_state", (getter)controller_get, NULL,
     "a program given by run_program: 'none', 'waiting' (for the joints to rest), 'running'",
     (void *)6},
    {"pause_state", (getter)controller_get, NULL, "'no', 'pausing' (slowing down), 'paused'",
     (void *)7},
    {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject XnControllerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "xiaonao.Controller",
    .tp_basicsize = sizeof(XnController),
    .tp_dealloc = (destructor)controller_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Controller(model, backend='loopback', scene=None, program=None, program_file=None, "
              "max_velocity=None, max_acceleration=None, max_jerk=None, period=0.001, "
              "command_mode='torque')\n\nThe "
              "controller on a simulated robot: the loopback robot (ideal joints) or MuJoCo "
              "(scene: the MJCF scene), running a robot program given as text or a file (or none: "
              "it holds still). Limits are per controlled joint (defaults from the model); "
              "command_mode: the drives take torques (computed torque) or positions. Step "
              "it with step() or run(); read log() and events(); stream setpoints into a `stream` "
              "line. A program with a mistake raises ModelError naming its line.",
    .tp_new = controller_new,
    .tp_methods = controller_methods,
    .tp_getset = controller_getset,
};
