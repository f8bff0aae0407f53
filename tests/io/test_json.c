/* The JSON reader (src/io/json.c) against RFC 8259's own examples of each construct: every escape,
 * numbers in all their forms, nesting, the object accessors; and malformed texts, each refused
 * with a message that names the place. SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "io/json.h"
#include "test_util.h"

static xn_json *parse(const char *text, char *err, size_t cap) {
    return xn_json_parse(text, strlen(text), err, cap);
}

static void strings(void) {
    char err[256] = "";
    const char *text = "[\"q\\\"b\\\\s\\/f\\bb\\ff\\nn\\rr\\tt\", \"\\u0041\\u00e9\", \"\"]";
    xn_json *j = parse(text, err, sizeof err);
    XT_CHECK(j && j->type == XN_JSON_ARRAY && j->n == 3, "array of strings: %s", err);
    if (!j) return;
    static const char want[] = "q\"b\\s/f\bb\ff\nn\rr\tt";
    XT_CHECK(strcmp(j->items[0].str, want) == 0, "escapes decoded: got \"%s\"", j->items[0].str);
    /* ASCII from \u, and a character outside ASCII replaced by '?' as documented in json.c */
    XT_CHECK(strcmp(j->items[1].str, "A?") == 0, "\\u escapes: got \"%s\"", j->items[1].str);
    XT_CHECK(j->items[2].str && j->items[2].str[0] == 0, "empty string");
    xn_json_free(j);
}

static void numbers_and_objects(void) {
    char err[256] = "";
    const char *text = "{\"a\": [0, -0, 1.5, -2e3, 6.02E+23, 1e-7, 123456789012],\n"
                       " \"b\": {\"c\": true, \"d\": false, \"e\": null}, \"f\": [[], {}]}";
    xn_json *j = parse(text, err, sizeof err);
    XT_CHECK(j && j->type == XN_JSON_OBJECT && j->n == 3, "object: %s", err);
    if (!j) return;
    double x[8];
    static const double want[7] = {0, -0.0, 1.5, -2e3, 6.02e23, 1e-7, 123456789012.0};
    int n = xn_json_reals(xn_json_get(j, "a"), x, 8);
    XT_CHECK(n == 7, "7 numbers, got %d", n);
    for (int i = 0; i < 7 && i < n; i++)
        XT_CHECK(x[i] == want[i], "number %d: %.17g, expected %.17g", i, x[i], want[i]);
    const xn_json *b = xn_json_get(j, "b");
    XT_CHECK(b && xn_json_get(b, "c")->type == XN_JSON_BOOL && xn_json_get(b, "c")->num == 1 &&
                 xn_json_get(b, "d")->num == 0 && xn_json_get(b, "e")->type == XN_JSON_NULL,
             "true, false, null");
    const xn_json *f = xn_json_get(j, "f");
    XT_CHECK(f && f->n == 2 && f->items[0].type == XN_JSON_ARRAY && f->items[0].n == 0 &&
                 f->items[1].type == XN_JSON_OBJECT && f->items[1].n == 0,
             "empty array and object");
    XT_CHECK(xn_json_get(j, "missing") == NULL, "absent key");
    XT_CHECK(xn_json_reals(b, x, 8) == -1, "an object is not an array of numbers");
    xn_json_free(j);
}

static void malformed(void) {
    static const struct {
        const char *text, *says;
    } bad[] = {
        {"[1, 2", "end"},
        {"{\"a\" 1}", ":"},
        {"[\"a\\x\"]", "escape"},
        {"[\"\\u12G4\"]", "\\u"},
        {"[1,]", ""},
        {"[01]", ""},
        {"[1.]", ""},
        {"[tru]", ""},
        {"[\"a\nb\"]", "control"},
        {"{\"a\": 1} x", ""},
        {"\n\n  [1 2]", "line 3"},
    };
    int n = (int)(sizeof bad / sizeof bad[0]);
    for (int i = 0; i < n; i++) {
        char err[256] = "";
        xn_json *j = parse(bad[i].text, err, sizeof err);
        XT_CHECK(j == NULL && err[0] && strstr(err, bad[i].says),
                 "malformed %d refused with a message naming \"%s\": %s", i, bad[i].says, err);
        xn_json_free(j);
    }
    /* nesting past 256 is refused, not a stack overflow */
    char deep[600];
    memset(deep, '[', 300);
    deep[300] = 0;
    char err[256] = "";
    xn_json *j = parse(deep, err, sizeof err);
    XT_CHECK(j == NULL && err[0], "300 levels of nesting refused: %s", err);
}

int main(void) {
    strings();
    numbers_and_objects();
    malformed();
    return xt_done("json");
}
