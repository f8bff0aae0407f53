/* The bus description: which slave drives which joint, and the units of its drive, from a JSON
 * file like the rest of xn's inputs:
 *
 *   {"interface": "eth1",
 *    "joints": [{"slave": 0, "joint": "joint1", "counts_per_rev": 1048576, "gear_ratio": 100,
 *                "direction": 1, "rated_torque": 0.64, "mode": "csp"}, ...],
 *    "imus": [{"slave": 7, "imu": "imu_in_pelvis"}],          (optional)
 *    "distributed_clocks": true, "sync0_shift_us": 500}       (both optional)
 *
 * Every field is checked where it is read, and an error names the joint and the field.
 * SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "model/error_internal.h"
#include "xiaonao/ethercat.h"

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && n < (1 << 20) && fseek(f, 0, SEEK_SET) == 0 &&
            (buf = malloc((size_t)n + 1))) {
            *len = fread(buf, 1, (size_t)n, f);
            buf[*len] = 0;
        }
    }
    fclose(f);
    return buf;
}

static xn_status field(const xn_json *o, const char *key, double lo, double hi, int integer,
                       double dflt, double *out, const char *path, int k, xn_error *err) {
    const xn_json *v = xn_json_get(o, key);
    if (!v) {
        if (isnan(dflt))
            return xn_fail_at(err, XN_ERR_INVALID, path, k, "joints[%d]: '%s' is missing", k, key);
        *out = dflt;
        return XN_OK;
    }
    if (v->type != XN_JSON_NUMBER)
        return xn_fail_at(err, XN_ERR_INVALID, path, k, "joints[%d]: '%s' must be a number", k,
                          key);
    if (!(v->num >= lo && v->num <= hi) || (integer && v->num != floor(v->num)))
        return xn_fail_at(err, XN_ERR_RANGE, path, k, "joints[%d]: '%s' is %g (%s%g to %g)", k, key,
                          v->num, integer ? "an integer, " : "", lo, hi);
    *out = v->num;
    return XN_OK;
}

/* "pdo": {"outputs": ["6040:00/16", ...], "inputs": [...]}: index:subindex (hex) / bits */
static xn_status pdo_list(const xn_json *a, const char *side, xn_ecat_pdo_entry *e, int *n,
                          const char *path, int k, xn_error *err) {
    *n = 0;
    if (!a) return XN_OK;
    if (a->type != XN_JSON_ARRAY || a->n > XN_ECAT_PDO_ENTRIES)
        return xn_fail_at(err, XN_ERR_INVALID, path, k,
                          "joints[%d]: 'pdo.%s' must list up to %d entries", k, side,
                          XN_ECAT_PDO_ENTRIES);
    for (int i = 0; i < a->n; i++) {
        unsigned index = 0, sub = 0, bits = 0;
        char extra;
        const xn_json *v = &a->items[i];
        if (v->type != XN_JSON_STRING ||
            sscanf(v->str, "%x:%x/%u%c", &index, &sub, &bits, &extra) != 3 || index > 0xFFFF ||
            sub > 0xFF || bits == 0 || bits > 32 || bits % 8)
            return xn_fail_at(err, XN_ERR_INVALID, path, k,
                              "joints[%d]: pdo.%s[%d] must read INDEX:SUB/BITS (hex index and "
                              "subindex, 8, 16 or 32 bits), e.g. \"6040:00/16\"",
                              k, side, i);
        e[(*n)++] = (xn_ecat_pdo_entry){(uint16_t)index, (uint8_t)sub, (uint8_t)bits};
    }
    return XN_OK;
}

static xn_status joint(const xn_json *o, xn_ecat_bus_joint *j, const char *path, int k,
                       xn_error *err) {
    if (o->type != XN_JSON_OBJECT)
        return xn_fail_at(err, XN_ERR_INVALID, path, k, "joints[%d] is not an object", k);
    const xn_json *name = xn_json_get(o, "joint");
    if (!name || name->type != XN_JSON_STRING || !name->str[0] || strlen(name->str) >= 64)
        return xn_fail_at(err, XN_ERR_INVALID, path, k,
                          "joints[%d]: 'joint' must name the joint (1 to 63 characters)", k);
    snprintf(j->joint, sizeof j->joint, "%s", name->str);
    double slave, cpr, gear, dir, rated;
    xn_status st = field(o, "slave", 0, XN_ECAT_MAX_SLAVES - 1, 1, NAN, &slave, path, k, err);
    if (st == XN_OK) st = field(o, "counts_per_rev", 1, 1e12, 0, NAN, &cpr, path, k, err);
    if (st == XN_OK) st = field(o, "gear_ratio", 1e-6, 1e6, 0, 1, &gear, path, k, err);
    if (st == XN_OK) st = field(o, "direction", -1, 1, 1, 1, &dir, path, k, err);
    if (st == XN_OK) st = field(o, "rated_torque", 1e-9, 1e6, 0, NAN, &rated, path, k, err);
    if (st != XN_OK) return st;
    if (dir == 0)
        return xn_fail_at(err, XN_ERR_RANGE, path, k, "joints[%d]: 'direction' is 1 or -1", k);
    const xn_json *pdo = xn_json_get(o, "pdo");
    j->has_map = pdo != NULL;
    if (pdo && pdo->type != XN_JSON_OBJECT)
        return xn_fail_at(err, XN_ERR_INVALID, path, k,
                          "joints[%d]: 'pdo' must be {\"outputs\": [...], \"inputs\": [...]}", k);
    if (pdo && ((st = pdo_list(xn_json_get(pdo, "outputs"), "outputs", j->map.out, &j->map.nout,
                               path, k, err)) != XN_OK ||
                (st = pdo_list(xn_json_get(pdo, "inputs"), "inputs", j->map.in, &j->map.nin, path,
                               k, err)) != XN_OK))
        return st;
    j->slave = (int)slave;
    j->counts_per_rev = cpr;
    j->gear_ratio = gear;
    j->direction = (int)dir;
    j->rated_torque = rated;
    j->mode = 8;
    const xn_json *mode = xn_json_get(o, "mode");
    if (mode) {
        static const char *const names[3] = {"csp", "csv", "cst"};
        int found = -1;
        for (int i = 0; i < 3 && mode->type == XN_JSON_STRING; i++)
            if (strcmp(mode->str, names[i]) == 0) found = i;
        if (found < 0)
            return xn_fail_at(err, XN_ERR_INVALID, path, k,
                              "joints[%d]: 'mode' is \"csp\", \"csv\" or \"cst\"", k);
        j->mode = 8 + found;
    }
    return XN_OK;
}

/* "imus": [{"slave": 29, "imu": "imu_in_pelvis"}, ...]: each on a slave of its own */
static xn_status imu_list(const xn_json *a, xn_ecat_bus *out, const char *path, xn_error *err) {
    if (a->type != XN_JSON_ARRAY || a->n > XN_ECAT_BUS_IMUS)
        return xn_fail(err, XN_ERR_INVALID, path, "'imus' must list up to %d IMUs",
                       XN_ECAT_BUS_IMUS);
    for (int k = 0; k < a->n; k++) {
        const xn_json *o = &a->items[k], *name = xn_json_get(o, "imu"),
                      *slave = xn_json_get(o, "slave");
        if (o->type != XN_JSON_OBJECT || !name || name->type != XN_JSON_STRING || !name->str[0] ||
            strlen(name->str) >= 64)
            return xn_fail_at(err, XN_ERR_INVALID, path, k,
                              "imus[%d]: 'imu' must name the robot's IMU (1 to 63 characters)", k);
        if (!slave || slave->type != XN_JSON_NUMBER || slave->num != floor(slave->num) ||
            !(slave->num >= 0 && slave->num < XN_ECAT_MAX_SLAVES))
            return xn_fail_at(err, XN_ERR_RANGE, path, k,
                              "imus[%d]: 'slave' must be a position from 0 to %d", k,
                              XN_ECAT_MAX_SLAVES - 1);
        xn_ecat_bus_imu *u = &out->imu[k];
        u->slave = (int)slave->num;
        snprintf(u->name, sizeof u->name, "%s", name->str);
        for (int i = 0; i < out->njoint; i++)
            if (out->joint[i].slave == u->slave)
                return xn_fail_at(err, XN_ERR_INVALID, path, k,
                                  "imus[%d]: slave %d already drives joint '%s'", k, u->slave,
                                  out->joint[i].joint);
        for (int i = 0; i < k; i++)
            if (out->imu[i].slave == u->slave || strcmp(out->imu[i].name, u->name) == 0)
                return xn_fail_at(err, XN_ERR_INVALID, path, k,
                                  "imus[%d]: slave %d or IMU '%s' twice", k, u->slave, u->name);
        out->nimu = k + 1;
    }
    return XN_OK;
}

xn_status xn_ecat_bus_load(const char *path, xn_ecat_bus *out, xn_error *err) {
    memset(out, 0, sizeof *out);
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) return xn_fail(err, XN_ERR_IO, path, "cannot be read (or is over 1 MiB)");
    char why[200];
    xn_json *j = xn_json_parse(text, len, why, sizeof why);
    free(text);
    if (!j) return xn_fail(err, XN_ERR_PARSE, path, "%s", why);
    xn_status st = XN_OK;
    const xn_json *iface = xn_json_get(j, "interface"), *joints = xn_json_get(j, "joints");
    if (j->type != XN_JSON_OBJECT)
        st = xn_fail(err, XN_ERR_PARSE, path, "not a JSON object");
    else if (!iface || iface->type != XN_JSON_STRING || !iface->str[0] ||
             strlen(iface->str) >= sizeof out->interface)
        st = xn_fail(err, XN_ERR_INVALID, path, "'interface' must name the network interface");
    else if (!joints || joints->type != XN_JSON_ARRAY || joints->n < 1 ||
             joints->n > XN_ECAT_BUS_JOINTS)
        st = xn_fail(err, XN_ERR_INVALID, path, "'joints' must list 1 to %d drives",
                     XN_ECAT_BUS_JOINTS);
    if (st != XN_OK || !iface || !joints) {
        xn_json_free(j);
        return st;
    }
    snprintf(out->interface, sizeof out->interface, "%s", iface->str);
    const xn_json *dc = xn_json_get(j, "distributed_clocks"),
                  *shift = xn_json_get(j, "sync0_shift_us");
    out->dc = 1;
    out->sync0_shift = -1;
    if (dc && dc->type != XN_JSON_BOOL)
        st = xn_fail(err, XN_ERR_INVALID, path, "'distributed_clocks' must be true or false");
    else if (dc)
        out->dc = dc->num != 0;
    if (shift && (shift->type != XN_JSON_NUMBER || !(shift->num >= 0 && shift->num < 1e6)))
        st = xn_fail(err, XN_ERR_RANGE, path,
                     "'sync0_shift_us' must be a time within the cycle (us, from 0)");
    else if (shift)
        out->sync0_shift = shift->num * 1e-6;
    for (int k = 0; st == XN_OK && k < joints->n; k++) {
        st = joint(&joints->items[k], &out->joint[k], path, k, err);
        for (int i = 0; st == XN_OK && i < k; i++) {
            if (out->joint[i].slave == out->joint[k].slave)
                st = xn_fail_at(err, XN_ERR_INVALID, path, k,
                                "joints[%d]: slave %d already drives joint '%s'", k,
                                out->joint[k].slave, out->joint[i].joint);
            else if (strcmp(out->joint[i].joint, out->joint[k].joint) == 0)
                st = xn_fail_at(err, XN_ERR_INVALID, path, k, "joints[%d]: joint '%s' twice", k,
                                out->joint[k].joint);
        }
        out->njoint = k + 1;
    }
    const xn_json *imus = xn_json_get(j, "imus");
    if (st == XN_OK && imus) st = imu_list(imus, out, path, err);
    xn_json_free(j);
    if (st != XN_OK) out->njoint = out->nimu = 0;
    return st;
}
