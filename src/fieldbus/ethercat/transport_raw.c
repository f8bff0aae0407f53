/* EtherCAT frames over a Linux raw socket (AF_PACKET) bound to one interface and to EtherCAT's
 * Ethernet type. The kernel hands a packet socket the frames it sends as well as those it
 * receives; the ones it sent are skipped by their packet type, so that the master only sees
 * what came back from the segment.
 * SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE /* struct ifreq's names in <net/if.h> */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fieldbus/ethercat/frame.h"
#include "model/error_internal.h"
#include "xiaonao/ethercat.h"

typedef struct {
    xn_ecat_transport t;
    int fd;
} raw;

static int raw_send(void *self, const uint8_t *frame, size_t len) {
    raw *r = self;
    ssize_t n = send(r->fd, frame, len, 0);
    return n == (ssize_t)len ? 0 : -1;
}

static long raw_recv(void *self, uint8_t *buf, size_t cap, int64_t timeout_ns) {
    raw *r = self;
    for (;;) {
        struct pollfd p = {r->fd, POLLIN, 0};
        if (timeout_ns < 0) timeout_ns = 0;
        struct timespec ts = {(time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000)};
        int k = ppoll(&p, 1, &ts, NULL); /* to the ns: a cycle's budget is well under a ms */
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return k;
        struct sockaddr_ll from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(r->fd, buf, cap, 0, (struct sockaddr *)&from, &fl);
        if (n < 0) return errno == EINTR || errno == EAGAIN ? 0 : -1;
        if (from.sll_pkttype == PACKET_OUTGOING) continue; /* our own, on its way out */
        return (long)n;
    }
}

static void raw_close(void *self) {
    raw *r = self;
    close(r->fd);
    free(r);
}

xn_status xn_ecat_transport_raw(const char *iface, xn_ecat_transport **out, xn_error *err) {
    static const char *const fn = "xn_ecat_transport_raw";
    *out = NULL;
    if (!iface || !iface[0] || strlen(iface) >= IFNAMSIZ)
        return xn_fail(err, XN_ERR_INVALID, fn, "no network interface name");
    int fd = socket(AF_PACKET, SOCK_RAW, htons(XN_ECAT_ETHERTYPE));
    if (fd < 0)
        return xn_fail(err, XN_ERR_IO, fn, "a raw socket: %s (it needs root or CAP_NET_RAW)",
                       strerror(errno));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, iface, IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        int e = errno;
        close(fd);
        return xn_fail(err, XN_ERR_NOT_FOUND, fn, "network interface '%s': %s", iface, strerror(e));
    }
    int index = ifr.ifr_ifindex;
    struct sockaddr_ll a;
    memset(&a, 0, sizeof a);
    a.sll_family = AF_PACKET;
    a.sll_protocol = htons(XN_ECAT_ETHERTYPE);
    a.sll_ifindex = index;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        int e = errno;
        close(fd);
        return xn_fail(err, XN_ERR_IO, fn, "binding to '%s': %s", iface, strerror(e));
    }
    /* every frame the segment returns, whatever its destination address */
    struct packet_mreq mr;
    memset(&mr, 0, sizeof mr);
    mr.mr_ifindex = index;
    mr.mr_type = PACKET_MR_PROMISC;
    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr);
    raw *r = calloc(1, sizeof *r);
    if (!r) {
        close(fd);
        return XN_ERR_NOMEM;
    }
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) memcpy(r->t.mac, ifr.ifr_hwaddr.sa_data, 6);
    r->fd = fd;
    r->t.self = r;
    r->t.send = raw_send;
    r->t.recv = raw_recv;
    r->t.close = raw_close;
    *out = &r->t;
    return XN_OK;
}
