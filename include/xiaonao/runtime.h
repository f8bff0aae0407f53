/* xiaonao: the controller runtime. A controller joins a model, a robot (xn_hal) and a program:
 * every cycle it checks the readings, runs the drives' CiA 402 state machines, interprets the
 * program, generates the reference with the online trajectory generator, runs the servo and
 * sends the commands. The loop (xn_loop_run) calls it at a fixed period, in lockstep with a
 * simulation or on the wall clock in real time, measures every cycle and stops the robot when a
 * cycle is late.
 *
 * Allocation happens in xn_controller_create only; xn_controller_step allocates nothing, does no
 * I/O and never blocks (events and log samples go to fixed-size rings the caller drains).
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_RUNTIME_H
#define XIAONAO_RUNTIME_H

#include <stdint.h>

#include "xiaonao/balance.h"
#include "xiaonao/control.h"
#include "xiaonao/hal.h"
#include "xiaonao/model.h"
#include "xiaonao/otg.h"
#include "xiaonao/program.h"
#include "xiaonao/safety.h"
#include "xiaonao/shaping.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/* ---- events ---- */

/** What happened. */
typedef enum {
    XN_EV_ENABLED = 1,      /**< every drive reached operation enabled */
    XN_EV_LINE,             /**< a program line started (line) */
    XN_EV_SETTING,          /**< a set command took effect */
    XN_EV_PROGRAM_END,      /**< the program ended and the robot holds still */
    XN_EV_SENSOR_NAN,       /**< a joint's reading is not finite (joint) */
    XN_EV_SENSOR_STALE,     /**< a joint's reading did not update (joint) */
    XN_EV_DRIVE_FAULT,      /**< a drive reports a fault (joint, value: its error code) */
    XN_EV_QUICK_STOP,       /**< every drive was told to quick stop */
    XN_EV_LIMIT_STOP,       /**< a reference would leave a position or velocity limit: stop */
    XN_EV_TORQUE_LIMIT,     /**< the servo saturated at a torque limit too long: stop */
    XN_EV_WATCHDOG,         /**< a cycle was late beyond the margin: quick stop */
    XN_EV_OVERRUN,          /**< a cycle's compute time exceeded the period */
    XN_EV_STOPPED,          /**< a controlled stop finished */
    XN_EV_OTG_ERROR,        /**< the trajectory generator rejected a motion (line) */
    XN_EV_BLEND_REFUSED,    /**< blending into the next motion would leave a position limit: the
                                robot stops at the waypoint instead */
    XN_EV_COLLISION,        /**< the momentum observer detected a contact (joint: the most distal
                                 joint carrying it; value: its residual, N m) */
    XN_EV_PFL_SLOWED,       /**< a movej was slowed for power and force limiting (value: the
                                 time scale) */
    XN_EV_PFL_SPEED,        /**< a watched point moved faster than its power-and-force or
                                 tool-speed limit allows: controlled stop (value: speed, m/s) */
    XN_EV_POLICY_STOP,      /**< a learned policy's supervisor stopped it (damping mode) */
    XN_EV_BALANCE_STEP,     /**< the balance controller took a recovery step (value: the steps) */
    XN_EV_BALANCE_DAMP,     /**< the balance controller gave up into joint damping (the IMU was
                                 lost, the whole-body problem stayed infeasible) */
    XN_EV_BALANCE_SLIP,     /**< a stance foot slipped (value: by how much, m) */
    XN_EV_PUSH,             /**< a simulated push started (value: the force, N) */
    XN_EV_BALANCE_SET_DOWN, /**< a stance foot lost the ground and is set back down in place,
                                 not a step (value: how many since the start) */
    XN_EV_BALANCE_HEIGHT,   /**< a push along the heading started the balance controller's
                                 height strategy: the CoM pushed up, then let down (value: how
                                 many since the start) */
    XN_EV_STOP_REQUEST,     /**< a stop was requested from outside the step (another thread, a
                                 signal, the end of the loop; value: its category 0, 1 or 2) */
    XN_EV_POWER_OFF,        /**< every drive was told to power off (the end of a stop category
                                 0 or 1, or of the loop) */
    XN_EV_BALANCE_BUDGET,   /**< the whole-body QP ran out of its iteration budget and the last
                                 solution stood in; once per run of such cycles (value: the
                                 cycles so far) */
    XN_EV_STREAM,           /**< a `stream` line: value 1 waiting for setpoints, 2 the first
                                 setpoint drives the joints, 3 a trajectory starts, 4 it
                                 ended (holding its last point), 0 the client ended the
                                 stream */
    XN_EV_STREAM_TIMEOUT,   /**< no setpoint within the stream's timeout: every joint brought to
                                 rest, power kept (stop category 2); a new setpoint resumes
                                 (value: the silence, s) */
    XN_EV_COMMAND_CLAMPED,  /**< the safety layer held a drive command inside a limit: a torque
                                 beyond the joint's rating (value: the torque asked, N m) or a
                                 position command outside the joint's range (value: the
                                 position asked); once per joint until it is back inside */
    XN_EV_COMMAND_INVALID,  /**< a drive command that is not finite reached the safety layer:
                                 the joint holds where it is and every drive quick-stops */
    XN_EV_PAUSE,            /**< the program paused (value 1: its motion slowed to rest along
                                 its own path), resumed (0), or a pause could not apply (-1:
                                 the joints follow a stream, a policy or the balance) */
    XN_EV_PROGRAM_RUN       /**< a program given by xn_controller_run_program: value 1 it took
                                 the `stream` line's place, 0 it ended and the line is back, -1
                                 not run: the joints moved after it was planned (joint: the one
                                 that moved most) */
} xn_event_code;

/** One event: when, what, where, and a sentence for people. */
typedef struct {
    int64_t time_ns;
    xn_event_code code;
    int joint; /**< controlled-joint index, or -1 */
    int line;  /**< program line, or 0 */
    double value;
    char text[120];
} xn_event;

/** A short name of an event code, e.g. "drive fault". Never NULL. */
const char *xn_event_str(xn_event_code c);

/* ---- the controller ---- */

/** What the controller is doing. */
typedef enum {
    XN_CTL_ENABLING = 0, /**< bringing every drive to operation enabled */
    XN_CTL_RUNNING,      /**< interpreting the program */
    XN_CTL_STOPPING,     /**< controlled stop: decelerating on the trajectory generator */
    XN_CTL_DONE,         /**< program finished (or stopped): holding the last reference */
    XN_CTL_FAULT         /**< a fault, or a stop of category 0 or 1: every drive quick-stopped
                              (category 1: then powered off; 0: powered off at once); the robot
                              is not controlled */
} xn_ctl_state;

/** A short name of a controller state. */
const char *xn_ctl_state_str(xn_ctl_state s);

/** The sources of motion: which one writes a controlled joint's drive commands. Each joint has
 * one source at a time (ros2_control's claimed command interfaces), and whatever a source
 * writes passes the one safety layer (limits, NaN, collision detection, power and force
 * limiting) before it reaches the drives. docs/architecture.md tells how claims change. */
typedef enum {
    XN_SOURCE_NONE = 0,   /**< none: the safety layer's own stop or hold (enabling, a
                               controlled stop, the program's end, a fault) */
    XN_SOURCE_PROGRAM,    /**< the program interpreter (movej, movel, paths, waits) */
    XN_SOURCE_COMPLIANCE, /**< the program's compliant modes (impedance, guide, admittance) */
    XN_SOURCE_STREAM,     /**< setpoints, trajectories or torques from other threads (a `stream`
                               line; `stream joints ...` claims some joints, the program holds
                               the rest) */
    XN_SOURCE_POLICY,     /**< a learned policy (walk, stand) */
    XN_SOURCE_BALANCE,    /**< the humanoid's whole-body balance */
    XN_SOURCE_REACTION,   /**< the compliant collision reaction (gravity compensation and
                               damping, so that a person pinned can push the arm away) */
    XN_SOURCE_COUNT
} xn_source;

/** A short name of a source ("program", "stream", ...). */
const char *xn_source_str(xn_source s);

/** How the controller commands the drives. */
typedef enum {
    XN_CMD_TORQUE = 0,  /**< CST: the controller's servo computes the joint torque */
    XN_CMD_POSITION = 1 /**< CSP: the drive's servo tracks the reference, the controller adds
                             the model's torque as feedforward */
} xn_command_mode;

#define XN_CTL_EVENT_RING 256   /**< events kept until drained */
#define XN_CTL_SAMPLE_RING 1024 /**< log samples kept until drained */

#define XN_SHAPER_TABLE_MAX 64 /**< identified poses in a shaper table */

/** Modes identified at several poses (xn tune-shaper): `set shaper auto` shapes each motion for
 * the mode at its target pose, interpolated by inverse squared distance in joint space. */
typedef struct {
    int n;  /**< entries */
    int nj; /**< joint values per entry (the controlled joints, in order) */
    xn_real q[XN_SHAPER_TABLE_MAX][XN_OTG_MAX_DOFS];
    xn_real frequency[XN_SHAPER_TABLE_MAX]; /**< Hz */
    xn_real damping[XN_SHAPER_TABLE_MAX];   /**< ratio */
    xn_shaper_type type;                    /**< the shaper to design (ZVD by default) */
    xn_real v_tol;                          /**< EI's tolerance */
} xn_shaper_table;

/** The mode at joint configuration q (nj values): the entries' frequencies and dampings weighted
 * by inverse squared distance (an entry at distance < 1e-9 is taken as is). XN_ERR_INVALID for an
 * empty table. */
xn_status xn_shaper_table_lookup(const xn_shaper_table *t, const xn_real *q, xn_real *f,
                                 xn_real *zeta);

/** A learned behaviour that takes the drives over (a locomotion policy). The learn layer provides
 * it (xn_locomotion_hook, locomotion.h), so that the core does not depend on it; the controller
 * calls it for the program's `policy load`, `walk` and `stand`. */
typedef struct {
    void *self;
    /** At controller creation, for each `policy load`: load it for this robot (path: a folder
     * holding deploy.json and the ONNX file, or the deploy.json; relative paths are tried from
     * the working directory, then from program_dir). Returns an id >= 0, or -1 and err. */
    int (*prepare)(void *self, const char *path, const char *program_dir, xn_hal *hal,
                   xn_error *err);
    /** The program reached that `policy load`: the policy drives the joints from now on. */
    void (*activate)(void *self, int id);
    /** The velocity command (m/s, m/s, rad/s). */
    void (*command)(void *self, xn_real vx, xn_real vy, xn_real wz);
    /** Policy id's largest |vx|, |vy| (m/s) and |yaw rate| (rad/s), the range it was trained on
     * (infinity where its description declares none). */
    void (*command_range)(void *self, int id, xn_real max[3]);
    /** One control cycle between read and write (it writes the joints' commands): 0 while the
     * policy runs, 1 once its supervisor has stopped it (it keeps damping the joints). */
    int (*step)(void *self);
    /** Why it stopped. */
    const char *(*reason)(void *self);
} xn_policy_hook;

/** A humanoid's balance, for the program's `balance load` (then `stand`, `push`, `posture`,
 * `hand`): the whole-body balance controller's configuration (balance.h: its feet, soles, torso,
 * hands) and the IMU on the base it reads. The application (xn run: from the robot's
 * balance.json) fills it; the controller copies what it needs at creation. */
typedef struct {
    xn_balance_config balance;
    char imu[64];       /**< the base IMU's name among the robot's IMUs */
    xn_real imu_filter; /**< s: the time constant of the base estimator's orientation filter
                             (xn_base_estimator_set_orientation_filter; 0: the IMU's orientation
                             as it comes) */
} xn_humanoid_config;

/** Configuration of a controller. Fill with xn_controller_config_init, then change fields.
 * Per-joint arrays are indexed by controlled joint (the order of the robot's commandable joints)
 * and hold up to XN_OTG_MAX_DOFS entries. */
typedef struct {
    xn_command_mode command_mode;
    xn_servo_law law;
    xn_real bandwidth;                     /**< servo natural frequency omega (rad/s), default 60 */
    xn_real max_velocity[XN_OTG_MAX_DOFS]; /**< rated limits for motions (rad/s, ...) */
    xn_real max_acceleration[XN_OTG_MAX_DOFS]; /**< rad/s^2 */
    xn_real max_jerk[XN_OTG_MAX_DOFS];         /**< rad/s^3 */
    xn_real stop_deceleration_scale;           /**< controlled stop at this fraction of the
                                                    acceleration and jerk limits (default 1) */
    int torque_limit_cycles;   /**< saturated this many cycles in a row: controlled stop (50) */
    const char *payload_frame; /**< frame the payload attaches to (default "flange" if the model
                                    has it, else the last body) */
    const char *flange_frame;  /**< the frame Cartesian motions move (with the tool offset on
                                    it); default "flange", else the payload body's frame */
    xn_real torque_margin;     /**< Cartesian paths are timed with this fraction of the torque
                                    limits, leaving the rest to the servo (default 0.8) */
    const xn_shaper_table *shaper_table; /**< for `set shaper auto` (NULL: the command is
                                              refused); must outlive the controller */
    const xn_policy_hook *policy_hook;   /**< for `policy load` (NULL: the command is refused);
                                              must outlive the controller */
    const xn_humanoid_config *humanoid;  /**< for `balance load` (NULL: the command is refused) */
    /* collision detection (`set collision`), per controlled joint: */
    xn_real collision_threshold[XN_OTG_MAX_DOFS];       /**< N m (default (NaN):
                                                             XN_COLLISION_THRESHOLD times the
                                                             joint's torque limit) */
    xn_real collision_threshold_speed[XN_OTG_MAX_DOFS]; /**< N m per rad/s (default 0) */
    xn_real friction_coulomb[XN_OTG_MAX_DOFS];          /**< N m, the observer's friction model */
    xn_real friction_viscous[XN_OTG_MAX_DOFS];          /**< N m s/rad */
    xn_real observer_gain;                              /**< 1/s (default 400: a 2.5 ms lag) */
    int collision_persistence;         /**< cycles in a row a residual must stay over its
                                            threshold (default 2: one noisy sample is not a
                                            contact) */
    xn_real collision_threshold_model; /**< fraction of each joint's torque added to its
                                            threshold: how far off the model may be (default
                                            0.3: masses and centres of mass +-10 %) */
    xn_real reflex_distance;           /**< rad (joint space) the reflex retracts (default 0.05) */
    xn_real collision_braking;         /**< the stop2 and reflex reactions brake at this multiple of
                                            the rated acceleration and jerk (default 4; the servo
                                            clips at the torque limits): every millimetre of braking
                                            distance presses the person harder */
    xn_real compliant_damping;         /**< N m s/rad of the compliant reaction (default 5) */
    xn_real stream_timeout;            /**< s: a `stream` line whose client falls silent this
                                            long brings the joints to rest (default 0.1) */
} xn_controller_config;

/** The default collision threshold: this fraction of each joint's torque limit (docs/safety.md
 * tells how it was chosen). */
#define XN_COLLISION_THRESHOLD 0.12

/** Defaults: torque mode, computed torque at 60 rad/s, limits from the model (velocity; or 1
 * rad/s when the model has none), acceleration 10 rad/s^2, jerk 1000 rad/s^3. */
void xn_controller_config_init(xn_controller_config *c);

/** How a streamed setpoint moves the joints. */
typedef enum {
    XN_STREAM_POSITION = 0, /**< toward position[], arriving with velocity[] (usually 0) */
    XN_STREAM_VELOCITY = 1, /**< at velocity[] until the next setpoint (stopped short of the
                                 position limits) */
    XN_STREAM_POSE = 2,     /**< the flange frame (xn_controller_config.flange_frame) toward
                                 `pose` (world frame): joint positions by inverse kinematics from
                                 the last streamed pose's solution (or the joints' present
                                 positions), then as XN_STREAM_POSITION */
    XN_STREAM_TWIST = 3,    /**< the flange frame at `twist` (m/s of its origin, then rad/s,
                                 world axes): joint velocities by damped least squares at the
                                 joints' present positions, scaled down together where one would
                                 exceed its rated velocity, then as XN_STREAM_VELOCITY */
    XN_STREAM_TORQUE = 4,   /**< torque[] (N m; N for prismatic joints) on top of the model's
                                 gravity, Coriolis and viscous friction compensation, as
                                 libfranka's torque interface (a streamed zero lets the arm
                                 float): the drives in torque mode, until the next setpoint.
                                 A joint faster than its rated velocity, or moving toward a
                                 limit faster than it could stop before it, ends the torque
                                 stream: every joint is brought to rest (stop category 2,
                                 XN_EV_LIMIT_STOP), and torque setpoints are refused until a
                                 position or velocity setpoint takes over */
    XN_STREAM_WALK = 5      /**< the walking policy's velocity command: twist[0] vx and
                                twist[1] vy (m/s, the base's heading frame), twist[5] the yaw
                                rate (rad/s), within the range the policy was trained on. Only
                                while a policy drives the joints (a `stream` line after `policy
                                load`), which then takes no other setpoint; on the stream's
                                timeout or end the command becomes zero (standing) */
} xn_stream_mode;

/** A setpoint streamed from outside the control loop (xn_controller_stream): a value for each
 * joint the stream claims, in the stream's order (xn_controller_stream_joints: every controlled
 * joint in the controller's order unless the `stream` line names some), rad and rad/s (m, m/s
 * for prismatic joints). Plain data, copied when sent. */
typedef struct {
    xn_stream_mode mode;
    int n; /**< joints given: must be xn_controller_stream_joints' count (POSE, TWIST and WALK:
                not read) */
    xn_real position[XN_OTG_MAX_DOFS];
    xn_real velocity[XN_OTG_MAX_DOFS];
    xn_se3 pose;                     /**< XN_STREAM_POSE */
    xn_real twist[6];                /**< XN_STREAM_TWIST */
    xn_real torque[XN_OTG_MAX_DOFS]; /**< XN_STREAM_TORQUE */
} xn_setpoint;

#define XN_SAMPLE_FT 4  /**< force/torque sensors a cycle's record keeps */
#define XN_SAMPLE_IMU 2 /**< IMUs a cycle's record keeps */

/** One cycle's record, for the log. Arrays hold the controlled joints (njoint entries). */
typedef struct {
    int64_t time_ns;
    int line; /**< program line being executed, 0 when none */
    xn_ctl_state state;
    xn_real q[XN_OTG_MAX_DOFS], v[XN_OTG_MAX_DOFS], tau[XN_OTG_MAX_DOFS];
    xn_real q_ref[XN_OTG_MAX_DOFS], v_ref[XN_OTG_MAX_DOFS], a_ref[XN_OTG_MAX_DOFS];
    int has_tracker;    /**< 1: the robot has a position tracker; tracker holds its reading */
    xn_real tracker[3]; /**< the first tracker's position (m, world) */
    int nft, nimu;      /**< the robot's first force/torque sensors and IMUs, as read this cycle
                             (at most XN_SAMPLE_FT and XN_SAMPLE_IMU; hal.h says their frames) */
    xn_ft_reading ft[XN_SAMPLE_FT];
    xn_imu_reading imu[XN_SAMPLE_IMU];
    /* a balancing humanoid (balance load): what its balance controller did this cycle */
    int humanoid;                   /**< 1: the fields below are filled */
    int phase, steps;               /**< xn_balance_phase; recovery steps so far */
    xn_real com[3], dcm[2], cop[2]; /**< estimated CoM, capture point, commanded CoP (world) */
    xn_real base[7];       /**< the estimated floating base: position (m) and quaternion (w x y z),
                                world */
    xn_real foot_force[2]; /**< the solved normal force under the left and right foot (N) */
    int npolygon;          /**< the support polygon (world, counter-clockwise) */
    xn_real polygon[8][2];
    unsigned char source[XN_OTG_MAX_DOFS]; /**< per joint: the xn_source that wrote its command */
} xn_ctl_sample;

typedef struct xn_controller xn_controller;

/** Create a controller for robot `hal` described by model m. The controller works on its own
 * copy of m (xn_model_copy), which the payload command changes: m itself never changes and may be
 * freed after this call; hal must outlive the controller. Each commandable joint of the robot must
 * exist in the model (by name); model joints the robot lacks are held at their neutral value.
 * `program` may be NULL (the robot is enabled and holds still) and is checked against the
 * joints' limits here: a target beyond a limit fails with the line named, before any motion.
 * The configuration is checked too (limits finite and > 0, rated velocities within the model's
 * velocity limits).
 * All memory is allocated here. */
xn_status xn_controller_create(const xn_model *m, xn_hal *hal, const xn_program *program,
                               const xn_controller_config *cfg, xn_controller **out, xn_error *err);
/** Free a controller and its copy of the model (not the caller's model, the robot or the
 * program). NULL is allowed. */
void xn_controller_free(xn_controller *c);

/** One control cycle on readings already read (xn_hal_read): carries out the stops requested
 * since the last cycle, then checks, state machines, program, trajectory, servo; fills
 * hal->command (send with xn_hal_write). No allocation, no I/O. */
void xn_controller_step(xn_controller *c);

/** Stop categories (IEC 60204-1 9.2.2), strongest first. */
typedef enum {
    XN_STOP_CATEGORY_0 = 0, /**< power off at once: the holding brakes stop the robot */
    XN_STOP_CATEGORY_1 = 1, /**< every drive brakes on its quick-stop ramp, then powers off */
    XN_STOP_CATEGORY_2 = 2  /**< the program is abandoned; the trajectory generator decelerates
                                 within the rated limits and the robot holds, powered */
} xn_stop_category;

/* Stop requests. The three functions below may be called from any thread, and
 * xn_controller_request_stop also from a signal handler: they only raise a lock-free atomic
 * request (a stronger one replaces a weaker one still pending). The next xn_controller_step
 * carries the request out before it computes anything else and reports it as an event; the
 * step is the only writer of the controller's state and of its event ring. */

/** Ask for a stop of category `cat`. Async-signal-safe. In a controller holding still (done or
 * enabling) category 0 and 1 power the drives off and leave the state as it is; otherwise the
 * controller goes to XN_CTL_FAULT. A category outside 0..2 is taken as 0. */
void xn_controller_request_stop(xn_controller *c, xn_stop_category cat);
/** Ask for a quick stop: every drive quick-stops and holds (the watchdog's and a person's
 * emergency action); `why` and `text` become the first of its events (text is copied here; if
 * another thread is copying its own text at the same moment, a generic one is used). */
void xn_controller_quick_stop(xn_controller *c, xn_event_code why, const char *text);
/** Ask for a controlled stop: xn_controller_request_stop(c, XN_STOP_CATEGORY_2). */
void xn_controller_stop(xn_controller *c);

/* Streaming: while a program's `stream` line runs, the controlled joints follow setpoints that
 * other threads send (a network client, a teleoperation device, a planner). Sending never
 * blocks the loop and is safe from any thread but a signal handler; the loop takes the newest
 * complete setpoint each cycle and hands it to the online trajectory generator (jerk-limited
 * tracking: a late or jumpy stream never makes a jump). Whatever limits, collision detection
 * and power and force limiting apply to programs apply to streams. */

/** Send a setpoint. Checked here, in the caller's thread, before it can reach the loop:
 * XN_ERR_SIZE unless sp->n is the stream's joint count (xn_controller_stream_joints),
 * XN_ERR_INVALID for an unknown mode (or a Cartesian one on a model without a flange frame), a pose
 * out of reach (XN_ERR_RANGE, how far the inverse kinematics stayed), XN_ERR_RANGE for a value that
 * is not finite, a position outside a joint's limits, a velocity beyond its rated velocity, a
 * torque beyond its rating, or a position target arriving so fast toward a limit that it could not
 * stop before it (err->index: the joint); XN_ERR_INVALID for a torque setpoint after the torque
 * stream was stopped at a limit (a position or velocity setpoint first), for anything but an
 * XN_STREAM_WALK command while a walking policy owns the joints (and for one when none does),
 * and for every setpoint while the humanoid's balance owns them; XN_ERR_RANGE for a walking
 * command beyond the range the policy was trained on (err->index: 0, 1 or 5 of twist).
 * A refused setpoint changes nothing. An accepted one replaces any the loop has not taken yet; it
 * drives the joints only while a `stream` line runs (one sent before the line starts is not a
 * command for it). */
xn_status xn_controller_stream(xn_controller *c, const xn_setpoint *sp, xn_error *err);
/** A whole timed joint trajectory (MoveIt's joint_trajectory_controller interface): each joint
 * the stream claims, in the order xn_controller_stream_joints gives, points at strictly increasing
 * times from its start (s), positions (rad, m) and, when has_velocity, velocities at the points
 * (the last at rest); without them each point's velocity is the slope through its neighbours, the
 * last 0. A first point at time 0 is the start state, as MoveIt sends it: it must be within
 * XN_TRAJ_START_TOLERANCE of where the joints are, and is then dropped.
 * About 130 KB: allocate it, do not put it on a small stack. */
#define XN_TRAJ_MAX_POINTS 256
/** rad (m): how far a first point at time 0 (the start state, as MoveIt sends it) may be from
 * where the joints are (MoveIt's default allowed_start_tolerance) */
#define XN_TRAJ_START_TOLERANCE 0.01
typedef struct {
    int n, npoints;
    int has_velocity;
    xn_real time[XN_TRAJ_MAX_POINTS];
    xn_real position[XN_TRAJ_MAX_POINTS][XN_OTG_MAX_DOFS];
    xn_real velocity[XN_TRAJ_MAX_POINTS][XN_OTG_MAX_DOFS];
} xn_joint_trajectory;

/** Send a trajectory, followed while a `stream` line runs: from the joints' state when the loop
 * takes it, through every point at its time (cubic Hermite segments), then held at the last
 * point. Checked whole in the caller's thread: XN_ERR_SIZE for the wrong joint count or point
 * count, XN_ERR_RANGE for times that do not increase, a value that is not finite, a point
 * outside a joint's limits, a last point not at rest, or a curve (from the joints' present
 * state, its extremes found in closed form on each segment) beyond a joint's limits or rated
 * velocity or acceleration, with the joint or point in err->index and the time. It replaces any
 * trajectory or setpoint before it; a setpoint sent after it replaces it; one sent before the
 * `stream` line starts is dropped. */
xn_status xn_controller_follow(xn_controller *c, const xn_joint_trajectory *t, xn_error *err);
/* Programs from other threads (an operator's console, a cell's supervisor), and pausing. */

/** Run `program` in place of the running `stream` line, then go back to that line. Called from
 * any thread but the loop's (it allocates): the program is checked and prepared here as
 * xn_controller_create would (targets inside the joints' limits, Cartesian motions planned from
 * where the joints now are, shapers, compliance), so that the loop only switches tables. The
 * switch happens at the first cycle the `stream` line's joints rest with no setpoint or
 * trajectory driving them (a held jog delays it); setpoints are refused while the program runs.
 * Settings it makes (speed, payload, tool, collision, contact regions) stay after it; its input
 * shaper does not.
 * The controller owns `program` from the call on, whatever it returns, and frees it
 * (xn_program_free) in a later call of this function or in xn_controller_free; the program's
 * `source` names it in line errors and events. XN_ERR_STATE when no `stream` line runs or a
 * program given before has not ended; XN_ERR_INVALID for a line that needs what only
 * xn_controller_create prepares (policy load, balance load, walk, stand, push, posture, hand),
 * with the line named; what xn_controller_create refuses, as it does. */
xn_status xn_controller_run_program(xn_controller *c, xn_program *program, xn_error *err);
/** Where a program given by xn_controller_run_program is. Any thread. */
typedef enum {
    XN_RUN_NONE = 0, /**< none given, or the last one ended */
    XN_RUN_WAITING,  /**< waiting for the `stream` line's joints to rest */
    XN_RUN_RUNNING   /**< running (paused or not) */
} xn_run_state;
xn_run_state xn_controller_run_state(const xn_controller *c);

/** Pause the running program: its clock slows to a stop over a smooth ramp (at most 2 s; its
 * length from the reference's speed against the rated accelerations), so a path keeps its shape
 * and a joint motion its synchronization; waits stop counting; no further line starts. A `stream`
 * line, a policy or the balance are not paused (XN_EV_PAUSE, value -1). Any thread; lock-free. */
void xn_controller_pause(xn_controller *c);
/** Resume a paused program: its clock ramps back to full speed from where it stopped. */
void xn_controller_resume(xn_controller *c);
/** 1 while a pause is asked for, 2 once the program rests paused, 0 otherwise. Any thread. */
int xn_controller_paused(const xn_controller *c);

/** End the running `stream` line: the joints come to rest, then the program goes on. */
void xn_controller_stream_end(xn_controller *c);
/** The newest cycle's record into *out (a whole cycle, never parts of two), for a thread
 * outside the loop (a network bridge, a console): 1, or 0 before the first cycle. Readers on
 * several threads take turns; the loop never waits for them. */
int xn_controller_latest(xn_controller *c, xn_ctl_sample *out);
/** 1 while a `stream` line runs (waiting for setpoints or following them). Any thread. */
int xn_controller_streaming(const xn_controller *c);
/** The joints setpoints and trajectories give, in their order: the controller's indices of the
 * joints the running `stream` line claims into idx (XN_OTG_MAX_DOFS entries; may be NULL), and
 * how many. Every controlled joint, in order, when the line names none or no line runs. Any
 * thread: a client asks before each setpoint it builds (a setpoint built for one line and
 * arriving in the next is dropped). */
int xn_controller_stream_joints(const xn_controller *c, int *idx);
/** The source that wrote controlled joint k's command in the newest cycle (XN_SOURCE_NONE before
 * the first or for k out of range). The loop's thread; other threads read the source array of
 * xn_controller_latest's record. */
xn_source xn_controller_source(const xn_controller *c, int k);
/** How many setpoints were accepted (rejected 0) or refused (rejected 1) so far. Any thread. */
long xn_controller_stream_count(const xn_controller *c, int rejected);
/** 1 when every commandable drive reports its power stage off (switch on disabled, ready to
 * switch on, not ready, or fault); a drive whose readings cannot be trusted (NaN or stale) is
 * not waited for. */
int xn_controller_powered_off(const xn_controller *c);

xn_ctl_state xn_controller_state(const xn_controller *c);
/** 1 when the controller has nothing more to do: program done, or fault and every drive at
 * rest (or 2 s after the fault), or 2 s after a compliant collision reaction began (the time a
 * pinned person has to push the arm away before a run's final stop brakes it). */
int xn_controller_finished(const xn_controller *c);
/** The controller's power-and-force-limiting monitor (owned by the controller): an application
 * may declare contact regions or a tool-speed limit on it between two steps, e.g. when a sensor
 * sees a person come near. The monitor checks every cycle's reference against them and stops
 * the robot (controlled stop, XN_EV_PFL_SPEED) when a watched point is more than 5 % over its
 * limit; motions planned after the declaration are slowed to stay under it. */
xn_pfl *xn_controller_pfl(xn_controller *c);
/** The robot the controller drives: its devices' counts and names, which never change (its
 * readings and commands belong to the loop's thread: read them from xn_controller_latest). */
const xn_hal *xn_controller_hal(const xn_controller *c);
/** Controlled joints and their names (the robot's commandable joints, in its order). */
int xn_controller_njoint(const xn_controller *c);
const char *xn_controller_joint_name(const xn_controller *c, int k);
/** The latest cycle's record. */
const xn_ctl_sample *xn_controller_sample(const xn_controller *c);

/** Take the oldest undrained event into *ev; returns 0 when there is none. Events beyond the
 * ring's size are counted in xn_controller_events_lost. */
int xn_controller_next_event(xn_controller *c, xn_event *ev);
long xn_controller_events_lost(const xn_controller *c);
/** Claim an event reader of one's own besides the application's (which the two functions above
 * serve): for a bridge or a console on another thread, which then takes every event from its
 * claim on with xn_controller_next_event_of, at its own pace. Each reader has a ring of
 * XN_CTL_EVENT_RING events: one that falls behind loses its own newest events (counted by
 * xn_controller_events_lost_of), never the step's time or another reader's events. Not from the
 * step. Returns the reader (1 to XN_CTL_EVENT_READERS - 1), or -1 when every one is taken. */
#define XN_CTL_EVENT_READERS 4
int xn_controller_event_reader(xn_controller *c);
/** Give a reader back (its ring stops filling). */
void xn_controller_event_reader_release(xn_controller *c, int reader);
/** xn_controller_next_event for a claimed reader (0: the application's). */
int xn_controller_next_event_of(xn_controller *c, int reader, xn_event *ev);
long xn_controller_events_lost_of(const xn_controller *c, int reader);
/** Take the oldest undrained log sample; returns 0 when there is none. The ring keeps
 * XN_CTL_SAMPLE_RING samples; when nobody drains, new ones are dropped (counted). The two ring
 * functions may be called from another thread than xn_controller_step (one reader). */
int xn_controller_next_sample(xn_controller *c, xn_ctl_sample *s);
long xn_controller_samples_lost(const xn_controller *c);

/* ---- cycle statistics ---- */

#define XN_STATS_BINS 2001 /**< [0, 100 ns), then bins 0.58 % wider each to 10 ms, overflow */

/** A histogram of durations (ns) with exact count, max and mean. */
typedef struct {
    long count;
    double sum_ns, max_ns;
    long bins[XN_STATS_BINS];
} xn_stats;

void xn_stats_reset(xn_stats *s);
void xn_stats_add(xn_stats *s, double ns);
/** The p-quantile (p in [0, 1]) in ns: the upper edge of the bin holding it (the max for the
 * last sample). 0 when empty. */
double xn_stats_quantile(const xn_stats *s, double p);
/** Bin k's lower and upper edges (ns). */
void xn_stats_bin_edges(int k, double *lo, double *hi);

/* ---- the loop ---- */

/** What to do when a cycle overruns (compute time longer than the period). */
typedef enum {
    XN_OVERRUN_COUNT = 0, /**< count it, keep the schedule (skip missed wake-ups) */
    XN_OVERRUN_WARN = 1,  /**< count it and raise an XN_EV_OVERRUN event */
    XN_OVERRUN_STOP = 2   /**< raise the event and quick-stop the robot */
} xn_overrun_policy;

/** Loop settings. Fill with xn_loop_config_init. */
typedef struct {
    int realtime;               /**< 1: wall clock (clock_nanosleep, mlockall, a pre-faulted
                                     stack, SCHED_FIFO when allowed, the independent watchdog);
                                     0: simulation lockstep, as fast as possible */
    int priority;               /**< SCHED_FIFO priority (default 80; the watchdog thread runs one
                                     above) */
    int64_t watchdog_margin_ns; /**< a cycle that wakes up or ends later than this past its
                                     deadline quick-stops every drive (default: half a
                                     period); 0 disables. Armed once the drives are enabled */
    xn_overrun_policy overrun;
    double max_time_s;      /**< stop after this much robot time (default 600 s) */
    double shutdown_time_s; /**< at the end, how long the drives may take to brake and power off
                                 (default 5 s of robot time) */
    /** Called once per cycle after the step and write (e.g. to drain the log); may be NULL. In
     * real-time mode it runs inside the cycle: keep it short. Return nonzero to end the loop
     * (with a stop of category 1). It is called during the shutdown cycles too; its return value
     * is then ignored. */
    int (*after_cycle)(void *user, xn_controller *c);
    void *user;
    /** Test hook: called inside the cycle's compute time (to simulate a slow computation). */
    void (*inject_delay)(void *user, long cycle);
} xn_loop_config;

void xn_loop_config_init(xn_loop_config *c);

/** Why the loop ended. */
typedef enum {
    XN_LOOP_FINISHED = 0, /**< the controller had nothing more to do */
    XN_LOOP_TIME_LIMIT,   /**< max_time_s of robot time */
    XN_LOOP_REQUESTED,    /**< after_cycle asked to end */
    XN_LOOP_BACKEND_ERROR /**< read, write or advance failed */
} xn_loop_end;

/** What the loop measured. */
typedef struct {
    long cycles, overruns, late_wakeups;
    xn_stats compute;          /**< read -> write wall time, per cycle */
    xn_stats compute_cpu;      /**< read -> write CPU time of the loop's thread
                                    (CLOCK_THREAD_CPUTIME_ID): what the step itself cost. A cycle
                                    whose wall time is far above its CPU time was preempted, not
                                    slow */
    xn_stats jitter;           /**< wake-up lateness (real time) */
    double wall_s, robot_s;    /**< elapsed wall-clock and robot time (shutdown included) */
    int realtime_sched;        /**< 1: SCHED_FIFO was granted */
    int memory_locked;         /**< 1: mlockall succeeded */
    char note[200];            /**< why real-time features were not available, or "" */
    xn_loop_end end;           /**< why the loop ended */
    long shutdown_cycles;      /**< cycles after the end until every drive was powered off */
    int powered_off;           /**< 1: every drive reported its power stage off at return */
    int watchdog_fired;        /**< 1: the independent watchdog stopped a step that did not
                                    return within its margin */
    int64_t watchdog_fired_ns; /**< when (CLOCK_MONOTONIC, ns) */
} xn_loop_report;

/** The loop's statistics so far, as xn_loop_run last published them (every 100 cycles), for a
 * thread outside the loop (a console): cycles, overruns, late wake-ups, and the quantiles of each
 * cycle's compute time (read, step, write), wall and the loop thread's CPU time (us). */
typedef struct {
    long cycles, overruns, late_wakeups;
    double p50_us, p99_us, max_us;             /**< wall time */
    double cpu_p50_us, cpu_p99_us, cpu_max_us; /**< the loop thread's CPU time */
} xn_loop_live;
/** The newest published xn_loop_live into *out: 1, or 0 before the first (any thread; the loop
 * never waits for readers). */
int xn_controller_loop_live(xn_controller *c, xn_loop_live *out);

/** A short name of a loop end, e.g. "time limit". */
const char *xn_loop_end_str(xn_loop_end e);

/** Run the controller on its robot until the controller is finished, the time limit, an error
 * of the backend, or after_cycle asks to stop. Each cycle: read, step, write, advance (in
 * simulation), sleep until the next period (in real time).
 *
 * It never returns with a drive powered: every end but a backend error is followed by a stop of
 * category 1 (xn_controller_request_stop), cycled until every drive reports its power stage off
 * (at most shutdown_time_s; XN_ERR_TIMEOUT if they do not). On a backend error the drives are
 * sent quick stop through xn_hal_emergency_stop and one more write, and the error is returned.
 *
 * In real time a second thread watches the step: one that has not returned by its deadline plus
 * the margin gets xn_hal_emergency_stop and a quick-stop request at once, without waiting for
 * the step. Returns the backend's error, XN_ERR_TIMEOUT, or XN_OK. */
xn_status xn_loop_run(xn_controller *c, xn_hal *hal, const xn_loop_config *cfg,
                      xn_loop_report *report);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
