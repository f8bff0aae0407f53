/* Bad model files get a clear error naming the file, the line and the reason, never a crash or a
 * half-built model. One case per kind of mistake, for URDF and MJCF. */
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "xiaonao/xiaonao.h"

#define INERTIA "<inertia ixx=\"1\" iyy=\"1\" izz=\"1\" ixy=\"0\" ixz=\"0\" iyz=\"0\"/>"
#define LINK(n) "<link name=\"" n "\"><inertial><mass value=\"1\"/>" INERTIA "</inertial></link>\n"
#define REV(n, p, c)                                                                               \
    "<joint name=\"" n "\" type=\"revolute\"><parent link=\"" p "\"/><child link=\"" c             \
    "\"/><limit lower=\"-1\" upper=\"1\" effort=\"1\" velocity=\"1\"/></joint>\n"

static void expect_urdf(const char *label, const char *xml, xn_status st, int line, const char *msg,
                        int strict) {
    xn_load_options opt = {0, strict};
    xn_model *m = (xn_model *)1;
    xn_error err;
    xn_status got = xn_load_urdf_string(xml, strlen(xml), "test.urdf", &opt, &m, &err);
    XT_CHECK(got == st, "%s: status %d (%s), expected %d; message: %s", label, got,
             xn_status_str(got), st, err.message);
    XT_CHECK(m == NULL, "%s: a model was returned on failure", label);
    if (line >= 0)
        XT_CHECK(err.line == line, "%s: line %d, expected %d (%s)", label, err.line, line,
                 err.message);
    XT_CHECK(strstr(err.message, msg) != NULL, "%s: message '%s' lacks '%s'", label, err.message,
             msg);
    XT_CHECK(strcmp(err.file, "test.urdf") == 0, "%s: file '%s'", label, err.file);
}

static char tmpdir[] = XN_TMP_DIR;

static const char *write_file(const char *name, const char *text) {
    static char path[8][512];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    return p;
}

static void expect_mjcf(const char *label, const char *file, const char *xml, xn_status st,
                        int line, const char *msg, const char *errfile) {
    const char *path = write_file(file, xml);
    xn_model *m = (xn_model *)1;
    xn_error err;
    xn_status got = xn_load_model(path, NULL, &m, &err);
    XT_CHECK(got == st, "%s: status %d (%s), expected %d; message: %s", label, got,
             xn_status_str(got), st, err.message);
    XT_CHECK(m == NULL, "%s: a model was returned on failure", label);
    if (line >= 0)
        XT_CHECK(err.line == line, "%s: line %d, expected %d (%s)", label, err.line, line,
                 err.message);
    XT_CHECK(strstr(err.message, msg) != NULL, "%s: message '%s' lacks '%s'", label, err.message,
             msg);
    XT_CHECK(strstr(err.file, errfile) != NULL, "%s: file '%s' is not %s", label, err.file,
             errfile);
}

static void urdf_cases(void) {
    expect_urdf("malformed xml", "<robot name=\"r\">\n<link name=\"a\">\n</robot>\n", XN_ERR_PARSE,
                4, "malformed XML", 0);
    expect_urdf("empty", "", XN_ERR_PARSE, -1, "malformed XML", 0);
    expect_urdf("wrong root", "<mujoco/>", XN_ERR_PARSE, 1, "expected <robot>", 0);
    expect_urdf("unknown joint type",
                "<robot name=\"r\">\n" LINK("a")
                    LINK("b") "<joint name=\"j\" type=\"screw\"><parent link=\"a\"/><child "
                              "link=\"b\"/></joint>\n</robot>",
                XN_ERR_UNSUPPORTED, 4, "unknown joint type 'screw'", 0);
    expect_urdf("missing mass",
                "<robot name=\"r\">\n<link name=\"a\">\n<inertial>" INERTIA
                "</inertial></link>\n</robot>",
                XN_ERR_PARSE, 3, "without <mass>", 0);
    expect_urdf("negative mass",
                "<robot name=\"r\">\n<link name=\"a\"><inertial><mass value=\"-2\"/>" INERTIA
                "</inertial></link>\n</robot>",
                XN_ERR_RANGE, 2, "mass -2", 0);
    expect_urdf("non-positive-definite inertia",
                "<robot name=\"r\">\n<link name=\"a\"><inertial><mass value=\"1\"/>"
                "<inertia ixx=\"1\" iyy=\"1\" izz=\"-1\" ixy=\"0\" ixz=\"0\" "
                "iyz=\"0\"/></inertial></link>\n</robot>",
                XN_ERR_RANGE, 2, "not positive semi-definite", 0);
    static const char *tri =
        "<robot name=\"r\">\n<link name=\"a\"><inertial><mass value=\"1\"/>"
        "<inertia ixx=\"0.1\" iyy=\"0.1\" izz=\"1\" ixy=\"0\" ixz=\"0\" iyz=\"0\"/>"
        "</inertial></link>\n</robot>";
    expect_urdf("triangle inequality, strict", tri, XN_ERR_RANGE, 2, "triangle inequality", 1);
    xn_model *m = NULL;
    xn_error err;
    XT_CHECK(xn_load_urdf_string(tri, strlen(tri), "t", NULL, &m, &err) == XN_OK, "triangle: %s",
             err.message);
    XT_CHECK(m && m->nwarning == 1 && strstr(m->warning[0], "link 'a'"),
             "triangle inequality warns, naming the link");
    xn_model_free(m);
    expect_urdf("missing parent link",
                "<robot name=\"r\">\n" LINK("a")
                    LINK("b") "<joint name=\"j\" type=\"fixed\">\n<parent link=\"nope\"/><child "
                              "link=\"b\"/></joint>\n</robot>",
                XN_ERR_NOT_FOUND, 5, "parent link 'nope' does not exist", 0);
    expect_urdf("cycle",
                "<robot name=\"r\">\n" LINK("a") LINK("b") REV("j1", "a", "b")
                    REV("j2", "b", "a") "</robot>",
                XN_ERR_INVALID, -1, "cycle", 0);
    expect_urdf("two roots", "<robot name=\"r\">\n" LINK("a") LINK("b") "</robot>", XN_ERR_INVALID,
                1, "more than one root link", 0);
    expect_urdf("two parents",
                "<robot name=\"r\">\n" LINK("a") LINK("b") LINK("c") REV("j1", "a", "c")
                    REV("j2", "b", "c") "</robot>",
                XN_ERR_INVALID, 6, "already has parent joint", 0);
    expect_urdf("duplicate link", "<robot name=\"r\">\n" LINK("a") LINK("a") "</robot>",
                XN_ERR_INVALID, 3, "duplicate link name 'a'", 0);
    expect_urdf("duplicate joint",
                "<robot name=\"r\">\n" LINK("a") LINK("b") LINK("c") REV("j", "a", "b")
                    REV("j", "b", "c") "</robot>",
                XN_ERR_INVALID, -1, "duplicate joint name 'j'", 0);
    expect_urdf(
        "nan in origin",
        "<robot name=\"r\">\n" LINK("a")
            LINK("b") "<joint name=\"j\" type=\"fixed\"><parent link=\"a\"/><child link=\"b\"/>\n"
                      "<origin xyz=\"0 nan 0\"/></joint>\n</robot>",
        XN_ERR_RANGE, 5, "not finite", 0);
    expect_urdf(
        "text in number",
        "<robot name=\"r\">\n" LINK("a")
            LINK("b") "<joint name=\"j\" type=\"fixed\"><parent link=\"a\"/><child link=\"b\"/>\n"
                      "<origin xyz=\"0 zero 0\"/></joint>\n</robot>",
        XN_ERR_PARSE, 5, "'zero 0' is not a number", 0);
    expect_urdf(
        "too few numbers",
        "<robot name=\"r\">\n" LINK("a")
            LINK("b") "<joint name=\"j\" type=\"fixed\"><parent link=\"a\"/><child link=\"b\"/>\n"
                      "<origin rpy=\"0 0\"/></joint>\n</robot>",
        XN_ERR_PARSE, 5, "expected 3 numbers, got 2", 0);
    expect_urdf("revolute without limit",
                "<robot name=\"r\">\n" LINK("a")
                    LINK("b") "<joint name=\"j\" type=\"revolute\"><parent link=\"a\"/><child "
                              "link=\"b\"/></joint>\n</robot>",
                XN_ERR_PARSE, 4, "has no <limit>", 0);
    expect_urdf(
        "zero axis",
        "<robot name=\"r\">\n" LINK("a") LINK(
            "b") "<joint name=\"j\" type=\"continuous\"><parent link=\"a\"/><child link=\"b\"/>"
                 "<axis xyz=\"0 0 0\"/></joint>\n</robot>",
        XN_ERR_RANGE, 4, "axis has zero length", 0);
    expect_urdf(
        "inverted limits",
        "<robot name=\"r\">\n" LINK("a") LINK(
            "b") "<joint name=\"j\" type=\"revolute\"><parent link=\"a\"/><child link=\"b\"/>\n"
                 "<limit lower=\"1\" upper=\"-1\" effort=\"1\" velocity=\"1\"/></joint>\n</robot>",
        XN_ERR_RANGE, 5, "lower limit 1 > upper -1", 0);
    m = (xn_model *)1;
    XT_CHECK(xn_load_urdf("/nonexistent/r.urdf", NULL, &m, &err) == XN_ERR_IO && m == NULL &&
                 strstr(err.message, "No such file"),
             "missing file: %s", err.message);
}

static void mjcf_cases(void) {
    expect_mjcf("missing include", "inc_missing.xml",
                "<mujoco>\n  <include file=\"nope.xml\"/>\n</mujoco>", XN_ERR_IO, 2,
                "cannot read included file", "inc_missing.xml");
    write_file("inc_bad_part.xml",
               "<mujoco>\n<worldbody>\n<body name=\"b\">\n<joint type=\"twist\"/>\n"
               "<geom size=\"0.1\"/></body></worldbody></mujoco>");
    expect_mjcf("error inside an included file", "inc_bad.xml",
                "<mujoco>\n<include file=\"inc_bad_part.xml\"/>\n</mujoco>", XN_ERR_UNSUPPORTED, 4,
                "unknown type \"twist\"", "inc_bad_part.xml");
    write_file("inc_malformed_part.xml", "<mujoco>\n<worldbody>\n</mujoco>");
    expect_mjcf("malformed included file", "inc_malformed.xml",
                "<mujoco>\n<include file=\"inc_malformed_part.xml\"/>\n</mujoco>", XN_ERR_PARSE, 3,
                "malformed XML", "inc_malformed_part.xml");
    expect_mjcf("self include", "inc_self.xml",
                "<mujoco>\n<include file=\"inc_self.xml\"/>\n</mujoco>", XN_ERR_INVALID, 2,
                "a file including itself", "inc_self.xml");
    expect_mjcf(
        "mesh inertia", "mesh.xml",
        "<mujoco>\n<worldbody>\n<body name=\"arm\">\n<joint/>\n<geom type=\"mesh\" mesh=\"m\"/>\n"
        "</body></worldbody></mujoco>",
        XN_ERR_UNSUPPORTED, 5, "body 'arm' has no <inertial>", "mesh.xml");
    expect_mjcf(
        "unknown class", "cls.xml",
        "<mujoco>\n<worldbody>\n<body name=\"b\">\n<joint class=\"nope\"/>\n<geom size=\"1\"/>\n"
        "</body></worldbody></mujoco>",
        XN_ERR_NOT_FOUND, 4, "unknown default class \"nope\"", "cls.xml");
    expect_mjcf("zero quat", "quat.xml",
                "<mujoco>\n<worldbody>\n<body name=\"b\" quat=\"0 0 0 0\">\n<geom size=\"1\"/>\n"
                "</body></worldbody></mujoco>",
                XN_ERR_RANGE, 3, "quat is zero", "quat.xml");
    expect_mjcf("two orientations", "orient.xml",
                "<mujoco>\n<worldbody>\n<body name=\"b\" quat=\"1 0 0 0\" euler=\"0 0 1\">\n<geom "
                "size=\"1\"/>\n"
                "</body></worldbody></mujoco>",
                XN_ERR_PARSE, 3, "use one orientation form", "orient.xml");
    expect_mjcf("nested free joint", "free.xml",
                "<mujoco>\n<worldbody>\n<body name=\"a\"><geom size=\"1\"/>\n<body "
                "name=\"b\">\n<freejoint/>"
                "<geom size=\"1\"/>\n</body></body></worldbody></mujoco>",
                XN_ERR_INVALID, 5, "only allowed in a child of the world", "free.xml");
    expect_mjcf(
        "negative size", "size.xml",
        "<mujoco>\n<worldbody>\n<body name=\"b\">\n<joint/>\n<geom type=\"box\" size=\"1 -1 1\"/>\n"
        "</body></worldbody></mujoco>",
        XN_ERR_RANGE, 5, "size values must be positive", "size.xml");
    expect_mjcf("duplicate body", "dup.xml",
                "<mujoco>\n<worldbody>\n<body name=\"b\"><geom size=\"1\"/></body>\n<body "
                "name=\"b\"><geom size=\"1\"/></body>\n"
                "</worldbody></mujoco>",
                XN_ERR_INVALID, 4, "duplicate link name 'b'", "dup.xml");
    expect_mjcf(
        "text in range", "range.xml",
        "<mujoco>\n<worldbody>\n<body name=\"b\">\n<joint range=\"0 x\"/><geom size=\"1\"/>\n"
        "</body></worldbody></mujoco>",
        XN_ERR_PARSE, 4, "'x' is not a number", "range.xml");
    expect_mjcf("inertial without mass", "inertial.xml",
                "<mujoco>\n<worldbody>\n<body name=\"b\">\n<joint/>\n<inertial pos=\"0 0 0\" "
                "diaginertia=\"1 1 1\"/>\n"
                "</body></worldbody></mujoco>",
                XN_ERR_PARSE, 5, "<inertial> without mass", "inertial.xml");
}

/* A library never prints: a bad encoding (libxml2 reports those through a printing handler) must
 * come back as an error and leave stderr empty. */
static void silent_on_bad_encoding(void) {
    char path[600];
    snprintf(path, sizeof path, "%s/stderr_capture.txt", tmpdir);
    fflush(stderr);
    int saved = dup(2);
    FILE *cap = fopen(path, "w");
    dup2(fileno(cap), 2);
    static const char bad[] =
        "<?xml version=\"1.0\" encoding=\"ISO-2022-JP\"?>\n<robot>\xc3\xdd\x9d\x9d</robot>";
    xn_model *m = NULL;
    xn_error err;
    xn_status st = xn_load_urdf_string(bad, sizeof bad - 1, "enc.urdf", NULL, &m, &err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(cap);
    size_t n = 0;
    char *text = xt_slurp(path, &n);
    XT_CHECK(st == XN_ERR_PARSE && m == NULL, "bad encoding: status %d", st);
    XT_CHECK(n == 0, "the loader printed to stderr: %s", text);
    free(text);
}

int main(void) {
    silent_on_bad_encoding();
    urdf_cases();
    mjcf_cases();
    return xt_done("load_errors");
}
