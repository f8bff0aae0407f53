/* The controller's state, shared by the files of the runtime (not installed).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XN_RUNTIME_INTERNAL_H
#define XN_RUNTIME_INTERNAL_H

#include <stdatomic.h>

#include "runtime/triple.h"
#include "xiaonao/compliance.h"
#include "xiaonao/estimator.h"
#include "xiaonao/ik.h"
#include "xiaonao/observer.h"
#include "xiaonao/path.h"
#include "xiaonao/runtime.h"
#include "xiaonao/safety.h"

/* program_parse.c: fill err for an instruction the runtime refuses ("line L, column C: why",
 * the program's source as the file) and return st. Every refusal of a program line goes through
 * here so that they all read alike. */
xn_status xn_program_line_fail(xn_error *err, const xn_program *p, const xn_instruction *in,
                               xn_status st, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* What the program interpreter is waiting for. */
typedef enum {
    ACT_NONE = 0,
    ACT_MOTION, /* a movej on the trajectory generator */
    ACT_PATH,   /* a planned Cartesian path (movel / movec, blended chains) */
    ACT_WAIT_TIME,
    ACT_WAIT_SETTLED,
    ACT_WAIT_JOINT,
    ACT_COMPLY, /* impedance, guiding or admittance for a while */
    ACT_STREAM, /* the joints follow setpoints from outside (stream.c) */
    ACT_EXCITE  /* fourier series for identification (excite.c) */
} activity;

/* The events' rings, one per reader (events.c); xn_ctl_event writes every claimed one. */
typedef struct xn_ctl_event_ring xn_ctl_event_ring;
xn_ctl_event_ring *xn_ctl_events_create(void); /* XN_CTL_EVENT_READERS rings */
void xn_ctl_events_free(xn_ctl_event_ring *r);

/* The newest cycle's record for another thread (latest.c). */
typedef struct xn_ctl_latest xn_ctl_latest;
xn_ctl_latest *xn_ctl_latest_create(void);
void xn_ctl_latest_free(xn_ctl_latest *l);
void xn_ctl_latest_publish(xn_ctl_latest *l, const xn_ctl_sample *s); /* the step only */
/* the loop's statistics (xn_loop_run only) */
void xn_ctl_live_publish(xn_controller *c, const xn_loop_live *s);

/* The trajectory source (trajectory.c): timed joint trajectories from other threads, followed
 * while a `stream` line runs. */
typedef struct xn_ctl_traj xn_ctl_traj;
xn_ctl_traj *xn_ctl_traj_create(void);
void xn_ctl_traj_free(xn_ctl_traj *t);
int xn_ctl_traj_take(xn_controller *c); /* 1: a new trajectory starts from the reference */
int xn_ctl_traj_active(const xn_controller *c);
void xn_ctl_traj_discard(xn_controller *c); /* drop one sent before a `stream` line began */
void xn_ctl_traj_cancel(xn_controller *c);
int xn_ctl_traj_step(xn_controller *c); /* 1: this cycle's reference came from it */

/* The stream source (stream.c): its mailbox and state, apart from the controller's own. */
typedef struct xn_ctl_stream xn_ctl_stream;
xn_ctl_stream *xn_ctl_stream_create(void);
void xn_ctl_stream_free(xn_ctl_stream *s);
/* the inverse kinematics Cartesian setpoints need (none on a floating-base model) */
xn_status xn_ctl_stream_prepare(xn_controller *c);
/* a `stream` line starts: the joints wait for setpoints */
void xn_ctl_stream_begin(xn_controller *c, const xn_instruction *in);
/* one cycle of the line: the newest setpoint into the trajectory generator's input, the timeout,
 * the velocity stream's limit guard; 1 once the client ended the stream and the joints rest */
int xn_ctl_stream_step(xn_controller *c);
/* the running `stream` line's instruction index (the joints it claims), -1 none; any thread */
int xn_ctl_stream_line(const xn_controller *c);
/* the joints `stream` line `line` claims (every one for -1): their controller indices into sel
 * (XN_OTG_MAX_DOFS entries), how many */
int xn_ctl_stream_selection(const xn_controller *c, int line, int *sel);
/* stream.c: XN_ERR_SIZE for `given` joints where the stream takes n (fn: the public function) */
xn_status xn_ctl_stream_size_error(const xn_controller *c, int given, int n, const char *fn,
                                   xn_error *err);
/* the controller stops (a stop or a fault): the `stream` line is over for its clients */
void xn_ctl_stream_abort(xn_controller *c);
/* 1 while streamed torques drive the joints (the `stream` line runs, the newest setpoint was a
 * torque one and its guard has not stopped it) */
int xn_ctl_stream_torque(const xn_controller *c);
/* the torque source's drive commands (CST: gravity and Coriolis compensation plus the torques) */
void xn_ctl_stream_command(xn_controller *c);

/* A Cartesian motion planned before the program runs: the path sampled in joint space and its
 * time law s(t) at every control period. */
typedef struct {
    int first, last;   /* the instructions it covers (a blended chain) */
    xn_joint_path *jp; /* the path in joint space (the model's nq / nv) */
    xn_real *S;        /* s at t = k * period, k = 0 .. nS - 1 */
    long nS;
} xn_ctl_plan;

/* excite.c: fourier lines resolved to the controlled joints and checked against the rated
 * velocity and acceleration (at creation); an excite line starts (the robot at rest at q(0), or
 * a controlled stop), its reference each cycle (dt: the control period), its end */
xn_status xn_ctl_excite_prepare(xn_controller *c, xn_error *err);
void xn_ctl_excite_start(xn_controller *c, const xn_instruction *in);
void xn_ctl_excite_follow(xn_controller *c, xn_real dt);
int xn_ctl_excite_done(const xn_controller *c);

/* claims.c: which source writes each joint this cycle, decided in this one place from what the
 * controller does (the state, the program's activity, the stream line's joints, the policy, the
 * balance, the collision reaction); the step dispatches on it */
void xn_ctl_claims_update(xn_controller *c);
/* claims.c: each `stream joints ...` line's patterns matched to the controlled joints (at
 * creation; a pattern that matches none fails with the line named) */
xn_status xn_ctl_claims_prepare(xn_controller *c, xn_error *err);

/* The safety layer every drive command passes (command_gate.c): its record. */
typedef struct {
    unsigned char reported[XN_OTG_MAX_DOFS]; /* per controlled joint: a clamp already reported */
    long clamps;                             /* commands held inside a limit so far */
} xn_ctl_gate;
/* after the source of this cycle wrote the drive commands: hold each inside the joint's limits;
 * a command that is not finite quick-stops the robot */
void xn_ctl_gate_pass(xn_controller *c);

/* The program interpreter, one source of motion among the others: where it is in the program,
 * what it waits for, and what was worked out per instruction when the controller was made
 * (plans, targets, time scales, filters, claims), so that running a line allocates nothing. */
typedef struct {
    int pc, line; /* the instruction running, its line in the program's text */
    activity act; /* what it waits for */
    int64_t wait_end_ns;
    int wait_joint;
    xn_real blend;
    xn_real target[XN_OTG_MAX_DOFS]; /* the running movej's */
    int path_plan;                   /* ACT_PATH: which plan */
    xn_real path_k; /* ACT_PATH: control periods of the plan's clock since it started (whole
                     * numbers unless a pause or a resume scaled the clock) */
    /* planned Cartesian motions (plan.c) */
    int nplan;
    xn_ctl_plan *plans;
    int *plan_of;      /* per instruction: the plan it starts, or -1 */
    xn_real *resolved; /* per instruction: a Cartesian movej's joint target (nj), planned */
    unsigned char *has_resolved;
    xn_real *motion_scale;      /* per instruction: a movej's time scale (<= 1) from the limits */
    xn_shaper_filter **shapers; /* per instruction: a `set shaper`'s filter, or NULL */
    int *policy_id;             /* per instruction: the hook's id of a `policy load` (-1 none) */
    /* per instruction: the joints a `stream` line claims (XN_OTG_MAX_DOFS flags each; every
     * controlled joint for a line that names none), resolved at creation */
    unsigned char *stream_claim;
    /* excitations (excite.c): per instruction the controlled joint of a fourier line (-1 for
     * other lines); the running excite's first fourier line and its clock (s) */
    int *fourier_joint;
    int excite_first;
    xn_real excite_t;
} xn_ctl_interp;

struct xn_controller {
    xn_model *m;
    xn_data *d;
    xn_hal *hal;
    const xn_program *prog;
    xn_controller_config cfg;
    xn_servo *servo;

    /* controlled joints k = 0..nj-1 */
    int nj;
    int hal_of[XN_OTG_MAX_DOFS]; /* robot joint index */
    int qadr[XN_OTG_MAX_DOFS], vadr[XN_OTG_MAX_DOFS];
    xn_real lo[XN_OTG_MAX_DOFS], hi[XN_OTG_MAX_DOFS]; /* position limits */
    const char *name[XN_OTG_MAX_DOFS];
    /* every robot joint: where it sits in the model's q and v (-1: not in the model) */
    int *joint_qadr, *joint_vadr;
    int64_t *last_stamp;
    unsigned char *reported; /* per robot joint: a fault already reported */

    /* model-sized state and reference */
    xn_real *q, *v, *q_ref, *v_ref, *a_ref, *tau;

    xn_ctl_state state;
    int64_t time_ns, enable_start_ns;
    long cycle;
    int have_reference;
    int sat_cycles;

    /* trajectory generation */
    xn_otg otg;
    xn_otg_workspace *otg_ws; /* the calculation's scratch (not on the step's stack) */
    xn_otg_problem input;
    xn_otg_output output;
    /* a blend in progress: the motion it left, restored if the blended trajectory would leave a
     * position limit (the robot then finishes that motion and starts the next from rest) */
    int blending;
    xn_otg saved_otg;
    xn_otg_problem saved_input;
    xn_otg_output saved_output;
    xn_real saved_target[XN_OTG_MAX_DOFS];

    xn_ctl_interp interp; /* the program interpreter: a source of motion (program_run.c) */
    xn_real speed_override;
    int payload_body;
    xn_se3 payload_frame; /* the payload frame in payload_body's frame */
    xn_inertia base_inertia;
    xn_real tool[6];

    /* input shaping: the filter in use (the interpreter's per `set shaper` line); `auto`
     * redesigns it at each motion's start */
    xn_shaper_filter *shaper; /* the one in use, or NULL */
    int shaper_auto;
    long shaper_tail; /* cycles since the unshaped reference stopped */

    /* collision detection and reaction */
    xn_observer *obs;
    xn_real *tau_meas;       /* nv: the torques the observer sees */
    xn_real *base_threshold; /* nv: thresholds before the program's scale */
    int coll_kind;           /* XN_REACT_*, -1 off */
    int reacted;
    int compliant;        /* the compliant reaction is on: gravity compensation + damping */
    int64_t compliant_ns; /* when it began: the person pinned has this long to push the arm away
                           * before the run may end (and its end brakes and powers off) */
    uint16_t fault_cw;    /* what the drives are told in FAULT (quick stop, or power off) */
    int stop1;            /* stop category 1: power off once at rest */
    int64_t fault_ns;     /* when the controller went to XN_CTL_FAULT */

    /* power and force limiting (set contact, set collaborative) */
    xn_pfl *pfl;     /* NULL when the program declares neither */
    int pfl_flange;  /* the frame the tool point is on */
    int pfl_tripped; /* the speed monitor stopped the robot */

    /* learned behaviours (policy load, walk, stand) */
    int policy_active;  /* the policy drives the joints */
    int policy_current; /* the hook's id of the policy that does */
    int policy_stopped; /* its supervisor stopped it */

    /* a balancing humanoid (balance load, stand, posture, hand; humanoid.c) */
    xn_balance *bal;
    xn_base_estimator *est;
    int hum_active, hum_damping, hum_imu, hum_failures, hum_stepping, hum_set_down, hum_height;
    int hum_fallback;       /* the last cycle used the whole-body budget's fallback */
    int *hum_joint;         /* per model DoF: the robot joint (-1: the floating base) */
    xn_real *hum_q, *hum_v; /* nq, nv: the estimated state */
    xn_real *hum_tau;       /* nv */
    xn_real *hum_posture0;  /* nq: the posture at the start (posture home) */
    xn_real hand_offset[2][3];
    xn_balance_status bstat;

    /* the stream source: setpoints from other threads (stream.c) */
    xn_ctl_stream *stream;
    xn_ctl_latest *latest; /* the newest record, for other threads (latest.c) */
    /* the loop's statistics for other threads (latest.c): a triple buffer, the loop writes */
    xn_loop_live live[3];
    xn_triple live_idx;
    atomic_flag live_reading;
    int live_have;
    xn_ctl_traj *traj; /* the trajectory source (trajectory.c) */

    /* compliant modes (impedance, guide, admittance) */
    xn_compliance *comp;
    xn_cartesian_law law;
    xn_op comply_op;
    int comply_cart; /* impedance: Cartesian (1) or joint (0) */
    int64_t comply_end_ns;
    int flange;            /* the frame Cartesian compliance acts on (with the tool offset) */
    xn_real *Kj, *Dj, *Mj; /* nv: joint impedance (Mj: desired inertia, 0: not shaped) */
    int comply_shaped;     /* joint impedance with inertia shaping */
    xn_real *q_anchor;     /* nq: where the compliant mode started */
    xn_admittance adm;
    xn_real ft_bias[3]; /* the F/T sensor's reading (world) when admittance started */
    xn_ik *ik;          /* admittance: the reference follows the virtual motion by IK */
    xn_real *scratch;   /* nv * 7 */

    xn_ctl_gate gate; /* the safety layer's record */

    /* the sources' claims (claims.c): per controlled joint, the xn_source that writes its
     * command this cycle; how many joints each source claims */
    unsigned char claim[XN_OTG_MAX_DOFS];
    int nclaim[XN_SOURCE_COUNT];

    /* stop requests from other threads and signal handlers (controller.c): the strongest
     * pending XN_REQ_*, and a quick stop's reason, copied under a try-lock */
    atomic_int req;
    atomic_flag req_text_busy;
    atomic_int req_text_ready;
    xn_event_code req_why;
    char req_text[120];
    int power_off; /* every drive is told to power off (a stop with the robot at rest) */

    /* pause and resume (program_pause.c): the program's clock runs at `rate` times robot time,
     * rate = smoothstep(pause_u); pause_u ramps to 0 while a pause is asked for, back to 1 */
    atomic_int pause_req;   /* 1: asked for (any thread) */
    atomic_int pause_shown; /* xn_controller_paused's answer */
    xn_real pause_u, pause_ramp_s, rate, rate_dot;
    int pause_told; /* 1: this pause's XN_EV_PAUSE is written */

    /* programs from other threads (program_load.c): each is prepared in a controller of its own
     * (`sub`), whose interpreter and program trade places with this one's at a safe point */
    int is_sub;
    xn_model *model0;          /* the model as given: what a sub is made from */
    const xn_real *plan_start; /* nq: where planning starts (NULL: the robot's readings) */
    xn_real *start_q;          /* a sub's plan_start */
    int sub_comply;            /* a sub: its program's compliance trades places too */
    _Atomic(xn_controller *) load_pending; /* prepared, waiting for the safe point */
    xn_controller *load_running;           /* the loop's: holds the `stream` line's side */
    _Atomic(xn_controller *) load_done;    /* ended: freed by the next call from outside */
    atomic_int run_state;                  /* xn_run_state */
    xn_program *owned_prog;                /* a sub's program, freed with it */
    xn_shaper_filter *load_shaper;         /* the shaper in use when the sub took over */
    int load_shaper_auto;

    /* rings (single producer: the step; single consumer: whoever drains) */
    xn_ctl_event_ring *events; /* one per event reader (events.c) */
    xn_ctl_sample *samples;
    atomic_long s_head, s_tail;
    long s_lost;
    xn_ctl_sample cur;
};

/* program_pause.c: the program clock's rate for this cycle (RUNNING, before the program) */
void xn_ctl_pause_update(xn_controller *c);
/* 1 while a pause holds the interpreter where it is (no line finishes, none starts) */
int xn_ctl_pause_holds(const xn_controller *c);
/* the running joint motion sampled on the scaled clock (1), or 0 when the clock runs at full
 * speed and the trajectory generator steps as usual */
int xn_ctl_pause_motion(xn_controller *c);
/* the `stream` line's joints rest with nothing driving them (stream.c) */
int xn_ctl_stream_idle(const xn_controller *c);
/* the `stream` line gives way to a program from another thread (stream.c) */
void xn_ctl_stream_yield(xn_controller *c);
/* program_load.c: at a `stream` line, take a waiting program's place (before the line's step) */
void xn_ctl_load_step(xn_controller *c);
/* program_load.c: the program ended; 1 when it was one given from outside and the `stream`
 * line is back */
int xn_ctl_load_end(xn_controller *c);
/* program_load.c: the controller stops: a program given from outside is over (or never runs) */
void xn_ctl_load_abandon(xn_controller *c);
/* program_load.c: trade back before freeing (xn_controller_free) */
void xn_ctl_load_free(xn_controller *c);
/* controller.c: the controller as xn_controller_create makes it; plan_start (nq, may be NULL)
 * where its program's planning starts, sub: one made for xn_controller_run_program */
xn_status xn_ctl_create(const xn_model *model, xn_hal *hal, const xn_program *program,
                        const xn_controller_config *cfg, const xn_real *plan_start, int sub,
                        xn_controller **out, xn_error *err);
/* program_run.c: the shaper's history set to the unshaped reference (no jump when it takes
 * over) */
void xn_ctl_shaper_reset(xn_controller *c);

/* controller.c: 1 when the shaped reference has caught up with the unshaped one */
int xn_ctl_shaper_settled(const xn_controller *c);
/* program_run.c: switch shapers at a `set shaper` (returns 0 and stops the program on error) */
void xn_ctl_set_shaper(xn_controller *c, const xn_instruction *in);

/* compliance.c (runtime part, comply.c): start, run one cycle, check the program */
void xn_ctl_comply_start(xn_controller *c, const xn_instruction *in);
void xn_ctl_comply_torque(xn_controller *c);    /* impedance and guide: the torques */
void xn_ctl_comply_reference(xn_controller *c); /* admittance: the reference */
void xn_ctl_comply_finish(xn_controller *c);
xn_status xn_ctl_comply_prepare(xn_controller *c, xn_error *err);

/* learned.c: policies through the hook */
xn_status xn_ctl_policy_prepare(xn_controller *c, xn_error *err);
/* humanoid.c: balance load, stand, push, posture, hand */
xn_status xn_ctl_humanoid_prepare(xn_controller *c, xn_error *err);
void xn_ctl_humanoid_instruction(xn_controller *c, const xn_instruction *in);
void xn_ctl_humanoid_step(xn_controller *c);
void xn_ctl_humanoid_record(const xn_controller *c, xn_ctl_sample *s);
void xn_ctl_humanoid_free(xn_controller *c);
void xn_ctl_policy_instruction(xn_controller *c, const xn_instruction *in);
void xn_ctl_policy_step(xn_controller *c);

/* controller.c: one step of the momentum observer on this cycle's torques (the measured ones,
 * or the commanded ones less friction); returns how many joints are over their thresholds */
int xn_ctl_observer_step(xn_controller *c);

/* controller.c: collision detection on/off (`set collision`) */
void xn_ctl_set_collision(xn_controller *c, const xn_instruction *in);

/* plan.c: plan every Cartesian motion of the program (in xn_controller_create) */
xn_status xn_ctl_plan_program(xn_controller *c, xn_error *err);
void xn_ctl_plan_free(xn_controller *c);
/* plan.c: the reference of plan p at control period k (model-sized q, v, a) */
void xn_ctl_plan_sample(const xn_controller *c, const xn_ctl_plan *p, xn_real k, xn_real *q,
                        xn_real *v, xn_real *a);

/* Pending stop requests, weakest first (a stronger one replaces a weaker one). */
enum { XN_REQ_NONE = 0, XN_REQ_CAT2, XN_REQ_QUICK, XN_REQ_CAT1, XN_REQ_CAT0 };

/* controller.c */
/* quick stop now, from the step's own thread (the public xn_controller_quick_stop only asks) */
void xn_ctl_quick_stop(xn_controller *c, xn_event_code why, const char *text);
/* carry out a stop of category 0, 1 or 2 now (the step's thread); why goes into the event */
void xn_ctl_stop_category(xn_controller *c, int cat, const char *why);
void xn_ctl_event(xn_controller *c, xn_event_code code, int joint, double value, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));
void xn_ctl_begin_stop(xn_controller *c, xn_event_code why, const char *text);
/* program_run.c: one cycle of interpretation (state RUNNING), before the trajectory update */
void xn_ctl_program_step(xn_controller *c);
/* program_run.c: after a new trajectory was calculated: 1 if it stays inside the position
 * limits; else a refused blend is undone (returns 0: update again) or a controlled stop begins */
int xn_ctl_check_trajectory(xn_controller *c);

#endif
