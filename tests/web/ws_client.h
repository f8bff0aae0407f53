/* A small WebSocket client (RFC 6455) written for the tests apart from the server's library:
 * the handshake, masked text frames out, frames in. Blocking sockets with a receive timeout.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_WS_CLIENT_H
#define XN_WS_CLIENT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

typedef struct {
    int fd;
    char *buf; /* the last message */
    size_t len;
    int closed, close_code;
} ws_client;

static inline int ws_tcp(int port, int timeout_ms) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* An HTTP GET of path: the status code, the body into body (cap bytes, NUL-terminated). */
static inline int http_get(int port, const char *path, char *body, size_t cap) {
    int fd = ws_tcp(port, 3000);
    if (fd < 0) return -1;
    char req[512];
    int n =
        snprintf(req, sizeof req,
                 "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", path, port);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    static char resp[1 << 20];
    size_t got = 0;
    ssize_t r;
    while (got < sizeof resp - 1 && (r = read(fd, resp + got, sizeof resp - 1 - got)) > 0)
        got += (size_t)r;
    resp[got] = 0;
    close(fd);
    int status = -1;
    if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1) return -1;
    const char *b = strstr(resp, "\r\n\r\n");
    if (body && cap) snprintf(body, cap, "%s", b ? b + 4 : "");
    return status;
}

/* Open a WebSocket on path; origin NULL sends none. 0, or -1 (no 101). */
static inline int ws_open(ws_client *c, int port, const char *path, const char *origin) {
    memset(c, 0, sizeof *c);
    c->fd = ws_tcp(port, 3000);
    if (c->fd < 0) return -1;
    char req[768], org[300] = "";
    if (origin) snprintf(org, sizeof org, "Origin: %s\r\n", origin);
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: xn-console\r\n%s\r\n",
                     path, port, org);
    if (write(c->fd, req, (size_t)n) != n) return -1;
    char resp[2048];
    size_t got = 0;
    while (got < sizeof resp - 1) { /* byte by byte up to the blank line: no frame is eaten */
        ssize_t r = read(c->fd, resp + got, 1);
        if (r <= 0) break;
        got++;
        if (got >= 4 && memcmp(resp + got - 4, "\r\n\r\n", 4) == 0) break;
    }
    resp[got] = 0;
    int status = 0;
    if (sscanf(resp, "HTTP/1.1 %d", &status) != 1 || status != 101) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    return 0;
}

static inline int ws_send_frame(ws_client *c, int opcode, const void *data, size_t len) {
    unsigned char h[14];
    size_t hn = 0;
    h[hn++] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        h[hn++] = (unsigned char)(0x80 | len);
    } else if (len < 65536) {
        h[hn++] = 0x80 | 126;
        h[hn++] = (unsigned char)(len >> 8);
        h[hn++] = (unsigned char)len;
    } else {
        h[hn++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--) h[hn++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    memcpy(h + hn, mask, 4);
    hn += 4;
    unsigned char *f = malloc(hn + len);
    if (!f) return -1;
    memcpy(f, h, hn);
    for (size_t i = 0; i < len; i++) f[hn + i] = ((const unsigned char *)data)[i] ^ mask[i % 4];
    size_t off = 0;
    while (off < hn + len) {
        ssize_t w = write(c->fd, f + off, hn + len - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    free(f);
    return off == hn + len ? 0 : -1;
}

static inline int ws_send(ws_client *c, const char *text) {
    return ws_send_frame(c, 1, text, strlen(text));
}

static inline int read_all(int fd, void *p, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)p + got, n - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

/* The next text message into c->buf: 1, 0 on timeout or close (c->closed, c->close_code). */
static inline int ws_recv(ws_client *c) {
    for (;;) {
        unsigned char h[2];
        if (read_all(c->fd, h, 2)) return 0;
        uint64_t len = h[1] & 0x7f;
        if (len == 126) {
            unsigned char e[2];
            if (read_all(c->fd, e, 2)) return 0;
            len = (uint64_t)e[0] << 8 | e[1];
        } else if (len == 127) {
            unsigned char e[8];
            if (read_all(c->fd, e, 8)) return 0;
            len = 0;
            for (int i = 0; i < 8; i++) len = len << 8 | e[i];
        }
        if (len > (1u << 24)) return 0;
        free(c->buf);
        c->buf = malloc(len + 1);
        if (!c->buf || read_all(c->fd, c->buf, len)) return 0;
        c->buf[len] = 0;
        c->len = len;
        int op = h[0] & 0x0f;
        if (op == 8) {
            c->closed = 1;
            c->close_code =
                len >= 2 ? ((unsigned char)c->buf[0] << 8 | (unsigned char)c->buf[1]) : 0;
            return 0;
        }
        if (op == 1) return 1;
    }
}

/* The next message whose text holds `what` (e.g. "\"type\":\"control\""), skipping others, within
 * n messages. */
static inline int ws_wait(ws_client *c, const char *what, int n) {
    for (int i = 0; i < n; i++) {
        if (!ws_recv(c)) return 0;
        if (strstr(c->buf, what)) return 1;
    }
    return 0;
}

/* Whether a message is waiting (within ms milliseconds). */
static inline int ws_pending(ws_client *c, int ms) {
    struct pollfd p = {c->fd, POLLIN, 0};
    return poll(&p, 1, ms) > 0;
}

/* Read whatever has queued up (the server kept sending while the test did other things), keeping
 * the last message of the given kind in c->buf: 1 when one was seen. */
static inline int ws_drain(ws_client *c, const char *what, char *keep, size_t cap) {
    int seen = 0;
    while (ws_pending(c, 0) && ws_recv(c)) /* only what is there now: states keep coming */
        if (strstr(c->buf, what)) {
            snprintf(keep, cap, "%s", c->buf);
            seen = 1;
        }
    return seen;
}

static inline void ws_close(ws_client *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    free(c->buf);
    c->buf = NULL;
}

#endif
