/* The console server's listen address and token (web_internal.h).
 * SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/web_internal.h"

int xn_web_parse_listen(const char *s, char *iface, size_t cap, int *port, int *loopback) {
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s) return -1;
    size_t n = (size_t)(colon - s);
    const char *host = s;
    if (s[0] == '[') { /* [IPv6]:port */
        if (n < 3 || s[n - 1] != ']') return -1;
        host = s + 1;
        n -= 2;
    }
    if (n + 1 > cap) return -1;
    memcpy(iface, host, n);
    iface[n] = 0;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || p < 0 || p > 65535) return -1;
    *port = (int)p;
    for (const char *c = iface; *c; c++)
        if (!strchr("0123456789abcdefABCDEF.:localht", *c)) return -1;
    if (strcmp(iface, "localhost") == 0) snprintf(iface, cap, "127.0.0.1");
    *loopback = strncmp(iface, "127.", 4) == 0 || strcmp(iface, "::1") == 0;
    return 0;
}

int xn_web_same_token(const char *want, const char *got) {
    size_t a = strlen(want), b = strlen(got);
    unsigned diff = (unsigned)(a ^ b);
    for (size_t i = 0; i < a; i++)
        diff |= (unsigned char)want[i] ^ (unsigned char)(i < b ? got[i] : 0);
    return diff == 0;
}
