/* xn ecat: the EtherCAT master from the command line (scan a segment, take it through the
 * states), and xn ecat-sim: the virtual segment on a network interface, for trying the master
 * without hardware. SPDX-License-Identifier: Apache-2.0 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fieldbus/ethercat/esc.h"
#include "fieldbus/ethercat/frame.h"
#include "fieldbus/ethercat/sim.h"
#ifdef XN_HAVE_MUJOCO
#include "fieldbus/ethercat/sim_mujoco.h"
#endif
#include "xiaonao/ethercat.h"

static int usage(FILE *f) {
    fprintf(f, "usage: xn ecat scan IFACE [--state init|preop|safeop|op]\n"
               "       xn ecat sdo IFACE SLAVE INDEX:SUB [VALUE] [--type T]\n\n"
               "scan: find the EtherCAT slaves on network interface IFACE (root or CAP_NET_RAW):\n"
               "each one's position, station address, identity, name, sync managers, AL state.\n"
               "  --state S   then take every slave to S, and say why one refuses\n"
               "sdo: read (or write VALUE to) object INDEX:SUB (hex, e.g. 6060:00) of slave\n"
               "SLAVE (its position) over CoE; the slaves are taken to PRE-OP first if below.\n"
               "  --type T    u8 u16 u32 i8 i16 i32 or string (default: the object's present\n"
               "              size, as an integer)\n");
    return f == stdout ? 0 : 1;
}

static int state_of(const char *s) {
    static const char *const names[] = {"init", "preop", "safeop", "op"};
    static const int values[] = {XN_ECAT_INIT, XN_ECAT_PREOP, XN_ECAT_SAFEOP, XN_ECAT_OP};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) return values[i];
    return -1;
}

static void print_slaves(const xn_ecat_master *m, int dc) {
    printf("%d slaves\n", xn_ecat_slave_count(m));
    for (int i = 0; i < xn_ecat_slave_count(m); i++) {
        const xn_ecat_slave *s = xn_ecat_slave_get(m, i);
        printf("  %2d  station 0x%04X  vendor 0x%08X  product 0x%08X  revision 0x%08X  serial %u"
               "  %s  '%s'\n",
               s->position, s->station, s->vendor, s->product, s->revision, s->serial,
               xn_ecat_state_str(s->al_state), s->name);
        if (dc)
            printf("      distributed clock, %lld ns from the first\n", (long long)s->dc_delay_ns);
        for (int k = 0; k < s->nsm; k++)
            printf("      SM%d  0x%04X, %u bytes, control 0x%02X%s\n", k, s->sm[k].start,
                   s->sm[k].length, s->sm[k].control, s->sm[k].enable ? "" : " (disabled)");
    }
}

/* the value read, as bytes and as what it probably is */
static void print_value(const uint8_t *b, size_t n) {
    int text = n > 0;
    for (size_t i = 0; i < n; i++) text &= b[i] >= 32 && b[i] < 127;
    if (n > 0 && n <= 4) {
        uint32_t u = 0;
        for (size_t i = 0; i < n; i++) u |= (uint32_t)b[i] << (8 * i);
        int32_t sv = n == 1 ? (int8_t)u : n == 2 ? (int16_t)u : (int32_t)u;
        printf("%u (0x%0*X, signed %d)\n", u, (int)(2 * n), u, sv);
    } else if (text) {
        printf("'%.*s'\n", (int)n, (const char *)b);
    } else {
        for (size_t i = 0; i < n; i++) printf("%02X%s", b[i], i + 1 < n ? " " : "\n");
        if (!n) printf("(empty)\n");
    }
}

static int sdo(xn_ecat_master *m, int argc, char **argv) {
    int slave = atoi(argv[3]);
    unsigned index = 0, sub = 0;
    char extra;
    if (sscanf(argv[4], "%x:%x%c", &index, &sub, &extra) != 2 || index > 0xFFFF || sub > 0xFF)
        return xn_cli_error("ecat sdo: '%s' is no INDEX:SUB (hex, e.g. 6060:00)", argv[4]);
    const char *value = NULL, *type = NULL;
    for (int i = 5; i < argc; i++) {
        if (strcmp(argv[i], "--type") == 0 && i + 1 < argc)
            type = argv[++i];
        else if (!value)
            value = argv[i];
        else
            return xn_cli_error("ecat sdo: unexpected '%s'", argv[i]);
    }
    xn_error err;
    uint8_t b[1024];
    size_t n = 0;
    if (slave < 0 || slave >= xn_ecat_slave_count(m))
        return xn_cli_error("ecat sdo: slave %d (the segment has %d)", slave,
                            xn_ecat_slave_count(m));
    if ((xn_ecat_slave_get(m, slave)->al_state & 0x0F) == XN_ECAT_INIT &&
        xn_ecat_set_state(m, slave, XN_ECAT_PREOP, 2.0, &err) != XN_OK)
        return xn_cli_error("%s", err.message);
    if (!value) {
        if (xn_ecat_sdo_read(m, slave, (uint16_t)index, (uint8_t)sub, b, sizeof b, &n, &err))
            return xn_cli_error("%s", err.message);
        printf("0x%04X:%02X = ", index, sub);
        print_value(b, n);
        return 0;
    }
    if (type && strcmp(type, "string") == 0) {
        n = strlen(value);
        memcpy(b, value, n < sizeof b ? n : sizeof b);
    } else {
        if (!type) { /* the object's present size */
            if (xn_ecat_sdo_read(m, slave, (uint16_t)index, (uint8_t)sub, b, sizeof b, &n, &err))
                return xn_cli_error("%s", err.message);
        } else if (type[1] == '8' || type[1] == '1' || type[1] == '3') {
            n = type[1] == '8' ? 1 : type[1] == '1' ? 2 : 4;
        }
        if (!type && n > 4)
            return xn_cli_error("ecat sdo: 0x%04X:%02X has %zu bytes: give --type string", index,
                                sub, n);
        if ((type && strspn(type, "ui") != 1) || n < 1 || n > 4)
            return xn_cli_error("ecat sdo: --type %s (u8 u16 u32 i8 i16 i32 string)",
                                type ? type : "?");
        char *end = NULL;
        long long v = strtoll(value, &end, 0);
        long long lo = type && type[0] == 'i' ? -(1LL << (8 * n - 1)) : 0;
        long long hi = type && type[0] == 'i' ? (1LL << (8 * n - 1)) - 1 : (1LL << (8 * n)) - 1;
        if (!type && v < 0) lo = -(1LL << (8 * n - 1));
        if (!end || *end || v < lo || v > hi)
            return xn_cli_error("ecat sdo: '%s' is no %zu-byte %s (%lld to %lld)", value, n,
                                type && type[0] == 'i' ? "signed integer" : "integer", lo, hi);
        for (size_t i = 0; i < n; i++) b[i] = (uint8_t)((unsigned long long)v >> (8 * i));
    }
    if (xn_ecat_sdo_write(m, slave, (uint16_t)index, (uint8_t)sub, b, n, &err) != XN_OK)
        return xn_cli_error("%s", err.message);
    printf("0x%04X:%02X written (%zu bytes)\n", index, sub, n);
    return 0;
}

int xn_cmd_ecat(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return usage(argc < 2 ? stderr : stdout);
    if (strcmp(argv[1], "sdo") == 0) {
        if (argc < 5) return usage(stderr);
        xn_error err;
        xn_ecat_transport *t = NULL;
        xn_ecat_master *m = NULL;
        if (xn_ecat_transport_raw(argv[2], &t, &err) != XN_OK ||
            xn_ecat_master_open(t, &m, &err) != XN_OK || xn_ecat_scan(m, &err) != XN_OK) {
            xn_ecat_master_close(m);
            return xn_cli_error("%s", err.message);
        }
        int rc = sdo(m, argc, argv);
        xn_ecat_master_close(m);
        return rc;
    }
    if (strcmp(argv[1], "scan") != 0 || argc < 3) return usage(stderr);
    const char *iface = argv[2];
    int state = 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--state") == 0 && i + 1 < argc) {
            state = state_of(argv[++i]);
            if (state < 0) return xn_cli_error("--state %s: init, preop, safeop or op", argv[i]);
        } else {
            return xn_cli_error("ecat scan: unknown option '%s'", argv[i]);
        }
    }
    xn_error err;
    xn_ecat_transport *t = NULL;
    xn_ecat_master *m = NULL;
    if (xn_ecat_transport_raw(iface, &t, &err) != XN_OK ||
        xn_ecat_master_open(t, &m, &err) != XN_OK)
        return xn_cli_error("%s", err.message);
    int rc = 0, dc = 0;
    if (xn_ecat_scan(m, &err) != XN_OK) {
        rc = xn_cli_error("%s", err.message);
    } else {
        if (state && xn_ecat_set_state(m, -1, (xn_ecat_state)state, 2.0, &err) != XN_OK)
            rc = xn_cli_error("%s", err.message);
        /* the propagation delays, where every slave has a clock and they form a line */
        xn_error dc_err;
        dc = xn_ecat_dc_measure(m, &dc_err) == XN_OK;
        print_slaves(m, dc);
        if (!dc) printf("distributed clocks: %s\n", dc_err.message);
    }
    xn_ecat_stats st;
    xn_ecat_get_stats(m, &st);
    printf("frames: %ld sent, %ld answered, %ld lost, %ld malformed, %ld late\n", st.frames_sent,
           st.frames_received, st.frames_lost, st.frames_malformed, st.frames_stale);
    xn_ecat_master_close(m);
    return rc;
}

/* ---- xn ecat-sim ---- */

static volatile sig_atomic_t stop_sim;
static void on_signal(int s) {
    (void)s;
    stop_sim = 1;
}

static int sim_usage(FILE *f) {
    fprintf(f,
            "usage: xn ecat-sim IFACE [--slaves N] [--time S] [--positions Q,..]\n"
            "                     [--robot SCENE --bus BUS.json [--keyframe NAME]]\n\n"
            "A virtual EtherCAT segment of N slaves (default 7) on network interface IFACE:\n"
            "it answers the frames that arrive there as a chain of slave controllers would,\n"
            "each with a CiA 402 drive behind it, until Ctrl-C or S seconds. Use a veth pair\n"
            "(scripts/ecat-veth.sh) to run the master against it on one machine.\n"
            "  --positions  the drives' joints at the start (rad, one per slave; default 0)\n"
            "  --robot      the drives act on this MuJoCo scene's joints, as the bus\n"
            "               description maps slaves to joints, and its IMU slaves report the\n"
            "               scene's IMUs (one control period of physics per SYNC0)\n"
            "  --keyframe   the robot starts at this keyframe of the scene\n"
            "faults, for drills (T: seconds from the start):\n"
            "  --drop P@T[,T2]   slave P stops answering at T (link down; back at T2, as after\n"
            "                    a power loss: INIT, no address)\n"
            "  --fault P@T:CODE  slave P's drive faults at T with error code CODE (hex)\n"
            "  --push BODY@T:FX,FY,FZ,D  with --robot: push BODY with force F (N, world) for\n"
            "                    D seconds from T\n"
            "  --corrupt N       every Nth answer is cut short (the master counts it malformed)\n"
            "  --delay N:US      every Nth answer is held US microseconds\n"
            "  --sync-error-limit N  the drives' sync error counter limit (+3 a SYNC0 without\n"
            "                    new outputs, -1 one with; over N: out of OP with 0x001A;\n"
            "                    default 6)\n");
    return f == stdout ? 0 : 1;
}

int xn_cmd_ecat_sim(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return sim_usage(argc < 2 ? stderr : stdout);
    const char *iface = argv[1];
    int n = 7, npos = 0, n_given = 0, drop = -1, faulty = -1, corrupt = 0, delay_every = 0,
        sync_limit = -1;
    double drop_at = 0, back_at = -1, fault_at = 0;
    unsigned fault_code = 0;
    long delay_us = 0;
    const char *robot = NULL, *bus_path = NULL, *keyframe = NULL;
    char push_body[64] = "";
    double push_at = 0, push_f[3] = {0, 0, 0}, push_for = 0;
    double seconds = 0, pos[XN_ECAT_MAX_SLAVES] = {0};
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--slaves") == 0 && i + 1 < argc) {
            n = atoi(argv[++i]);
            n_given = 1;
        } else if (strcmp(argv[i], "--drop") == 0 && i + 1 < argc) {
            int k = sscanf(argv[++i], "%d@%lf,%lf", &drop, &drop_at, &back_at);
            if (k < 2 || drop < 0) return xn_cli_error("--drop P@T[,T2]: '%s'", argv[i]);
            if (k < 3) back_at = -1;
        } else if (strcmp(argv[i], "--fault") == 0 && i + 1 < argc) {
            if (sscanf(argv[++i], "%d@%lf:%x", &faulty, &fault_at, &fault_code) != 3 || faulty < 0)
                return xn_cli_error("--fault P@T:CODE: '%s'", argv[i]);
        } else if (strcmp(argv[i], "--push") == 0 && i + 1 < argc) {
            int used = 0;
            if (sscanf(argv[++i], "%63[^@]@%lf:%lf,%lf,%lf,%lf%n", push_body, &push_at, &push_f[0],
                       &push_f[1], &push_f[2], &push_for, &used) != 6 ||
                argv[i][used] != 0 || !(push_for > 0 && push_at >= 0))
                return xn_cli_error("--push BODY@T:FX,FY,FZ,DURATION: '%s'", argv[i]);
        } else if (strcmp(argv[i], "--corrupt") == 0 && i + 1 < argc) {
            corrupt = atoi(argv[++i]);
            if (corrupt < 1) return xn_cli_error("--corrupt N: N >= 1");
        } else if (strcmp(argv[i], "--delay") == 0 && i + 1 < argc) {
            if (sscanf(argv[++i], "%d:%ld", &delay_every, &delay_us) != 2 || delay_every < 1 ||
                delay_us < 0)
                return xn_cli_error("--delay N:US: '%s'", argv[i]);
        } else if (strcmp(argv[i], "--robot") == 0 && i + 1 < argc) {
            robot = argv[++i];
        } else if (strcmp(argv[i], "--keyframe") == 0 && i + 1 < argc) {
            keyframe = argv[++i];
        } else if (strcmp(argv[i], "--bus") == 0 && i + 1 < argc) {
            bus_path = argv[++i];
        } else if (strcmp(argv[i], "--time") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (strcmp(argv[i], "--sync-error-limit") == 0 && i + 1 < argc) {
            sync_limit = atoi(argv[++i]);
            if (sync_limit < 0) return xn_cli_error("--sync-error-limit N: N >= 0");
        } else if (strcmp(argv[i], "--positions") == 0 && i + 1 < argc) {
            npos = xn_cli_list(argv[++i], pos, XN_ECAT_MAX_SLAVES);
            if (npos < 1) return xn_cli_error("--positions: a list of numbers (rad)");
        } else {
            return xn_cli_error("ecat-sim: unknown option '%s'", argv[i]);
        }
    }
    xn_error err;
    xn_ecat_sim *sim = NULL;
    xn_ecat_transport *t = NULL;
    static xn_ecat_bus bus;
    if ((robot != NULL) != (bus_path != NULL))
        return xn_cli_error("ecat-sim: --robot and --bus go together");
    if (bus_path) {
        if (xn_ecat_bus_load(bus_path, &bus, &err) != XN_OK)
            return xn_cli_error("%s: %s", err.file, err.message);
        if (!n_given) { /* as many slaves as the bus uses */
            n = 0;
            for (int k = 0; k < bus.njoint; k++)
                n = bus.joint[k].slave + 1 > n ? bus.joint[k].slave + 1 : n;
            for (int k = 0; k < bus.nimu; k++)
                n = bus.imu[k].slave + 1 > n ? bus.imu[k].slave + 1 : n;
        }
    }
    if (n < 1 || n > XN_ECAT_MAX_SLAVES || npos > n)
        return xn_cli_error("ecat-sim: %d slaves (1 to %d) and %d positions", n, XN_ECAT_MAX_SLAVES,
                            npos);
    xn_ecat_sim_slave cfg[XN_ECAT_MAX_SLAVES];
    for (int i = 0; i < n; i++) {
        xn_ecat_sim_slave_default(&cfg[i], i);
        cfg[i].position = i < npos ? pos[i] : 0;
        if (sync_limit >= 0) cfg[i].sync_error_limit = sync_limit;
    }
    for (int k = 0; k < bus.nimu; k++) /* the bus's IMUs are IMU slaves */
        if (bus.imu[k].slave < n) {
            int i = bus.imu[k].slave, limit = cfg[i].sync_error_limit;
            xn_ecat_sim_slave_imu(&cfg[i], i);
            cfg[i].sync_error_limit = limit;
        }
    if (xn_ecat_sim_create(n, cfg, &sim, &err) != XN_OK) return xn_cli_error("%s", err.message);
#ifdef XN_HAVE_MUJOCO
    xn_ecat_sim_robot *plant = NULL;
    if (robot &&
        xn_ecat_sim_robot_open(sim, n, robot, keyframe, &bus, 1000000, &plant, &err) != XN_OK) {
        xn_ecat_sim_free(sim);
        return xn_cli_error("%s", err.message);
    }
#else
    if (robot) {
        xn_ecat_sim_free(sim);
        return xn_cli_error("ecat-sim --robot: this xn was built without MuJoCo");
    }
#endif
    if (xn_ecat_transport_raw(iface, &t, &err) != XN_OK) {
        xn_ecat_sim_free(sim);
        return xn_cli_error("%s", err.message);
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    fprintf(stderr, "xn ecat-sim: %d slaves on %s\n", n, iface);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    static uint8_t frame[XN_ECAT_FRAME_MAX];
    while (!stop_sim) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        double el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) * 1e-9;
        if (seconds > 0 && el > seconds) break;
        if (drop >= 0 && el >= drop_at) { /* the drills, at their times */
            xn_ecat_sim_unplug(sim, drop, back_at < 0 || el < back_at);
            if (back_at >= 0 && el >= back_at) drop = -1;
        }
        if (faulty >= 0 && el >= fault_at) {
            xn_ecat_sim_fault(sim, faulty, (uint16_t)fault_code);
            faulty = -1;
        }
#ifdef XN_HAVE_MUJOCO
        if (plant && push_body[0] && el >= push_at) { /* a person pushes the robot */
            xn_real f[3] = {push_f[0], push_f[1], push_f[2]};
            if (xn_hal_push(xn_ecat_sim_robot_mutable(plant), push_body, f, push_for) != XN_OK)
                fprintf(stderr, "xn ecat-sim: --push: no body '%s' in the scene\n", push_body);
            push_body[0] = 0;
        }
#endif
        /* SYNC0's work at its own time, then wait for a frame until the next event */
        int64_t until = xn_ecat_sim_poll(sim);
        long len =
            t->recv(t->self, frame, sizeof frame,
                    until > 0 && until < 1000000 ? (until > 20000 ? until : 20000) : 1000000);
        if (len < 0) break;
        if (len == 0) continue;
        if (xn_ecat_sim_process(sim, frame, (size_t)len) != 0) continue;
        long answered = xn_ecat_sim_frames(sim, 0);
        if (corrupt && answered % corrupt == 0) len = 20; /* cut short */
        if (delay_every && answered % delay_every == 0) {
            struct timespec hold = {(time_t)(delay_us / 1000000), (delay_us % 1000000) * 1000};
            nanosleep(&hold, NULL);
        }
        t->send(t->self, frame, (size_t)len);
    }
    fprintf(stderr, "xn ecat-sim: %ld frames answered, %ld dropped as malformed\n",
            xn_ecat_sim_frames(sim, 0), xn_ecat_sim_frames(sim, 1));
    for (int i = 0; i < n; i++) { /* what each slave went through, where it ended */
        long missed = 0, events = xn_ecat_sim_sync0_events(sim, i, &missed);
        const uint8_t *reg = xn_ecat_sim_registers(sim, i);
        uint16_t code = xn_ecat_get16(reg + XN_ESC_AL_CODE);
        fprintf(stderr, "  slave %d: %s%s%s, SYNC0 %ld events (%ld without new outputs)\n", i,
                xn_ecat_state_str(reg[XN_ESC_AL_STATUS] & 0x0F),
                reg[XN_ESC_AL_STATUS] & XN_AL_ERROR ? " with error: " : "",
                reg[XN_ESC_AL_STATUS] & XN_AL_ERROR ? xn_ecat_al_code_str(code) : "", events,
                missed);
    }
    t->close(t->self);
    xn_ecat_sim_free(sim);
#ifdef XN_HAVE_MUJOCO
    xn_ecat_sim_robot_close(plant);
#endif
    return 0;
}
