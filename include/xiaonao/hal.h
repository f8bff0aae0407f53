/* xiaonao: hardware abstraction. A robot is a set of devices: joint drives, 6-axis force/torque
 * sensors and IMUs. A backend (MuJoCo simulation, loopback, later a fieldbus master) fills the
 * readings and carries out the commands; the controller above sees only this interface.
 *
 * Joint drives follow the CiA 402 (IEC 61800-7-201) device profile: a state machine driven by a
 * controlword and reported by a statusword, and the cyclic synchronous modes of operation
 * (position 8, velocity 9, torque 10), so that an EtherCAT drive can take a simulated one's
 * place without changes above this layer.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_HAL_H
#define XIAONAO_HAL_H

#include <stdint.h>

#include "xiaonao/types.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

/* ---- CiA 402 drive state machine ---- */

/** The states of the CiA 402 power drive state machine. */
typedef enum {
    XN_CIA402_NOT_READY = 0,      /**< not ready to switch on (booting) */
    XN_CIA402_SWITCH_ON_DISABLED, /**< no power stage; waits for "shutdown" */
    XN_CIA402_READY,              /**< ready to switch on */
    XN_CIA402_SWITCHED_ON,        /**< power stage on, no torque */
    XN_CIA402_OPERATION_ENABLED,  /**< follows the commands */
    XN_CIA402_QUICK_STOP,         /**< quick stop active: braking on the quick-stop ramp, then
                                       holding still */
    XN_CIA402_FAULT_REACTION,     /**< fault reaction active: braking, then FAULT */
    XN_CIA402_FAULT               /**< faulted, no torque (holding brake); needs a fault reset */
} xn_cia402_state;

/* Controlword commands (bits 0-3 and 7), CiA 402 table "device control commands". */
#define XN_CW_SHUTDOWN 0x0006u         /**< -> ready to switch on (transitions 2, 6, 8) */
#define XN_CW_SWITCH_ON 0x0007u        /**< -> switched on (3); from enabled: disable op (5) */
#define XN_CW_ENABLE_OPERATION 0x000Fu /**< -> operation enabled (4, 16) */
#define XN_CW_DISABLE_VOLTAGE 0x0000u  /**< -> switch on disabled (7, 9, 10, 12) */
#define XN_CW_QUICK_STOP 0x0002u       /**< enabled -> quick stop active (11); else (7, 10) */
#define XN_CW_FAULT_RESET 0x0080u      /**< rising edge: fault -> switch on disabled (15) */

/* Modes of operation (object 0x6060). */
typedef enum {
    XN_MODE_CSP = 8, /**< cyclic synchronous position: the drive's own servo tracks the target
                          position, with velocity and torque feedforward */
    XN_MODE_CSV = 9, /**< cyclic synchronous velocity, with torque feedforward */
    XN_MODE_CST = 10 /**< cyclic synchronous torque */
} xn_drive_mode;

/** The statusword a drive in state s reports (bits 0-6 as the profile defines them: ready to
 * switch on, switched on, operation enabled, fault, voltage enabled, quick stop (active low),
 * switch on disabled). */
uint16_t xn_cia402_statusword(xn_cia402_state s);
/** The state a statusword reports (the inverse of xn_cia402_statusword). */
xn_cia402_state xn_cia402_decode(uint16_t statusword);
/** The drive side: the state after receiving controlword cw in state s (prev_cw is the previous
 * cycle's controlword, for the fault-reset rising edge). Automatic transitions (fault reaction
 * -> fault) are not made here: the drive makes them when its reaction is done. */
xn_cia402_state xn_cia402_next(xn_cia402_state s, uint16_t cw, uint16_t prev_cw);
/** The master side: the controlword that moves a drive now in state s one step toward
 * operation enabled (fault reset, shutdown, switch on, enable operation). In a fault it
 * alternates reset and zero so that every second cycle has a rising edge. */
uint16_t xn_cia402_enable_step(xn_cia402_state s, uint16_t prev_cw);
/** A short English name of a state, e.g. "operation enabled". Never NULL. */
const char *xn_cia402_state_str(xn_cia402_state s);

/* ---- devices ---- */

/** Error codes a drive reports (object 0x603F, the CiA 402 / DS 301 groups). */
#define XN_DRIVE_ERR_NONE 0x0000u
#define XN_DRIVE_ERR_SENSOR 0x7300u    /**< sensor (encoder) fault: a NaN or a stale reading */
#define XN_DRIVE_ERR_FOLLOWING 0x8611u /**< following error */
#define XN_DRIVE_ERR_LIMIT 0x8612u     /**< reference limit (position or velocity) */
#define XN_DRIVE_ERR_EXTERNAL 0x9000u  /**< external error (a fault injected or raised above) */

/** What one joint drive reports every cycle. Units: rad, rad/s, N m (m, m/s, N for a prismatic
 * joint). */
typedef struct {
    xn_real position;
    xn_real velocity;
    xn_real torque;      /**< measured joint torque; valid only when the drive has_torque */
    uint16_t statusword; /**< CiA 402 statusword (decode with xn_cia402_decode) */
    uint16_t error_code; /**< CiA 402 error code (XN_DRIVE_ERR_*), 0 when none */
    int64_t stamp_ns;    /**< when the reading was taken (backend clock, ns) */
} xn_joint_reading;

/** What the controller sends one joint drive every cycle. */
typedef struct {
    uint16_t controlword; /**< CiA 402 controlword */
    xn_drive_mode mode;   /**< what the targets mean */
    xn_real position;     /**< CSP target (rad or m) */
    xn_real velocity;     /**< CSV target, or the velocity feedforward in CSP (rad/s or m/s) */
    xn_real torque;       /**< CST target, or the torque feedforward in CSP and CSV (N m or N) */
} xn_joint_command;

/** A 6-axis force/torque reading: the wrench the sensor measures, in the sensor's frame, at its
 * origin (N, N m). */
typedef struct {
    xn_real force[3];
    xn_real torque[3];
    int64_t stamp_ns;
} xn_ft_reading;

/** An IMU reading, in the IMU's frame: orientation (quaternion w x y z of the IMU frame in the
 * world), angular velocity (rad/s) and specific force (m/s^2: the accelerometer's reading,
 * +9.81 upward at rest). */
typedef struct {
    xn_real orientation[4];
    xn_real angular_velocity[3];
    xn_real linear_acceleration[3];
    int64_t stamp_ns;
} xn_imu_reading;

/** A position measured from outside the robot (a laser tracker, motion capture): the point's
 * position in the world frame (m). */
typedef struct {
    xn_real position[3];
    int64_t stamp_ns;
} xn_tracker_reading;

/** A contact (touch) sensor: the normal force on its surface (N, >= 0; 0 when nothing touches),
 * e.g. under a foot. */
typedef struct {
    xn_real force;
    int64_t stamp_ns;
} xn_contact_reading;

/** Static description of one joint drive. */
typedef struct {
    char name[64];       /**< the joint's name in the robot description (URDF/MJCF) */
    int commandable;     /**< 0: a passive joint, reported but never commanded */
    int has_torque;      /**< 1: the drive measures joint torque */
    xn_real torque_max;  /**< the actuator's peak torque (N m or N), INFINITY if unknown */
    xn_real position_lo; /**< position limits (rad or m), +-INFINITY when none */
    xn_real position_hi;
} xn_joint_info;

typedef struct xn_hal xn_hal;

/** Faults a backend can be asked to inject, for tests and drills (xn_hal_inject). */
typedef enum {
    XN_INJECT_CLEAR = 0,        /**< remove every injected fault of the joint */
    XN_INJECT_SENSOR_NAN = 1,   /**< the joint's encoder reads NaN: its drive faults (0x7300) */
    XN_INJECT_SENSOR_STALE = 2, /**< the joint's reading stops updating (same value and stamp) */
    XN_INJECT_DRIVE_FAULT = 3   /**< the joint's drive faults (XN_DRIVE_ERR_EXTERNAL) */
} xn_inject_kind;

/** What a backend implements. Every function gets the backend's own state `self`. read and
 * write run in the control cycle and must not block or allocate; advance is for simulated
 * backends (NULL for hardware that keeps its own time). */
typedef struct {
    const char *name;                              /**< e.g. "mujoco" */
    xn_status (*read)(void *self, xn_hal *hal);    /**< fill hal->joint, hal->ft, hal->imu */
    xn_status (*write)(void *self, xn_hal *hal);   /**< carry out hal->command */
    xn_status (*advance)(void *self, xn_hal *hal); /**< simulate one control period */
    void (*destroy)(void *self);                   /**< free the backend's state */
    xn_status (*inject)(void *self, xn_hal *hal, int joint, xn_inject_kind kind); /**< or NULL */
    /** Simulated backends: push `body` (a body of the scene) with `force` (N, world, at its
     * centre of mass) for `duration` seconds of simulated time from now. Or NULL. */
    xn_status (*push)(void *self, xn_hal *hal, const char *body, const xn_real force[3],
                      xn_real duration);
    /** An out-of-band emergency path to the drives, or NULL: called by xn_hal_emergency_stop
     * from any thread while the control thread may be inside read, write or a step that never
     * returns (a fieldbus master sends quick stop on its own; a simulation needs none, since
     * nothing moves until its control thread advances it). Must not block or allocate. */
    void (*emergency_stop)(void *self);
    /** A bus that keeps its own time (an EtherCAT segment's reference clock), or NULL: after
     * each write, by how many ns the loop should move its next deadline (beside the period) to
     * stay locked to that clock. Called from the control thread; must not block or allocate. */
    int64_t (*clock_correction)(void *self);
} xn_backend_ops;

/** A robot: its devices' descriptions, latest readings and pending commands. Created by a
 * backend's open function (which allocates everything), freed with xn_hal_close. */
struct xn_hal {
    int njoint, nft, nimu;
    xn_joint_info *joint_info;   /**< njoint entries */
    xn_joint_reading *joint;     /**< njoint readings, filled by xn_hal_read */
    xn_joint_command *command;   /**< njoint commands, sent by xn_hal_write */
    char (*ft_name)[64];         /**< nft names (the sensor's site in the robot description) */
    xn_ft_reading *ft;           /**< nft readings */
    char (*imu_name)[64];        /**< nimu names */
    xn_imu_reading *imu;         /**< nimu readings */
    int ntracker;                /**< position trackers (see xn_tracker_reading) */
    char (*tracker_name)[64];    /**< ntracker names (the tracked point's name) */
    xn_tracker_reading *tracker; /**< ntracker readings */
    int ncontact;                /**< contact sensors (see xn_contact_reading) */
    char (*contact_name)[64];    /**< ncontact names (the sensor's site) */
    xn_contact_reading *contact; /**< ncontact readings */
    int64_t period_ns;           /**< the control period the backend was opened for (ns) */
    int64_t time_ns;             /**< the backend's clock at the latest read (ns) */
    const xn_backend_ops *ops;   /**< the backend */
    void *self;                  /**< the backend's state */
};

/** Allocate a robot with the given device counts: every joint passive and unnamed until the
 * backend fills joint_info, commands in CSP with controlword 0. Returns NULL when out of memory.
 * For backends. */
xn_hal *xn_hal_alloc(int njoint, int nft, int nimu, int ntracker);
/** Give a robot n contact sensors (unnamed, reading 0); freed with it. XN_ERR_NOMEM. */
xn_status xn_hal_alloc_contacts(xn_hal *hal, int n);
/** Read every device (calls the backend's read). */
xn_status xn_hal_read(xn_hal *hal);
/** Send every command (calls the backend's write). After xn_hal_emergency_stop, every
 * commandable drive still reporting operation enabled is sent quick stop instead of its
 * controlword. */
xn_status xn_hal_write(xn_hal *hal);
/** Put every drive into quick stop without waiting for the control thread: safe from any thread
 * and from a signal handler (a lock-free flag, then the backend's emergency_stop when it has
 * one). From then on xn_hal_write overrides the controlword of every drive in operation enabled
 * with quick stop; it stays so until the robot is closed. This is the independent watchdog's
 * action on a control step that does not return. */
void xn_hal_emergency_stop(xn_hal *hal);
/** 1 once xn_hal_emergency_stop was called on this robot. Safe from any thread. */
int xn_hal_emergency_stopped(const xn_hal *hal);
/** By how many ns the next cycle should start later (or earlier, < 0) than one period after
 * this one, for a backend locked to a bus clock (xn_backend_ops.clock_correction); 0 otherwise.
 * A real-time loop adds it to its next deadline. */
int64_t xn_hal_clock_correction(xn_hal *hal);
/** Simulated backends: advance the simulation by one control period. Hardware: nothing. */
xn_status xn_hal_advance(xn_hal *hal);
/** Inject a fault into joint `joint` (XN_ERR_UNSUPPORTED when the backend cannot, XN_ERR_RANGE
 * for a joint that does not exist). */
xn_status xn_hal_inject(xn_hal *hal, int joint, xn_inject_kind kind);
/** Push a body of a simulated robot (xn_backend_ops.push): XN_ERR_UNSUPPORTED for a backend that
 * cannot (hardware), XN_ERR_NOT_FOUND for a body it does not have, XN_ERR_RANGE for a force or
 * duration that is not finite or a negative duration. */
xn_status xn_hal_push(xn_hal *hal, const char *body, const xn_real force[3], xn_real duration);
/** Destroy the backend and free the robot. NULL is allowed. */
void xn_hal_close(xn_hal *hal);
/** The joint with this name, or -1. */
int xn_hal_joint_id(const xn_hal *hal, const char *name);
/** The state joint i's latest statusword reports. */
xn_cia402_state xn_hal_joint_state(const xn_hal *hal, int i);

/* ---- the drive a simulated backend emulates ---- */

/** A simulated CiA 402 drive: its state machine, its servo for the cyclic synchronous modes, its
 * quick-stop ramp and its holding brake. Backends without real drives (MuJoCo, loopback) keep one
 * per joint. */
typedef struct {
    xn_cia402_state state;
    uint16_t prev_controlword;
    uint16_t error_code;
    xn_real hold_position; /**< the holding brake's position while not enabled (rad or m) */
    xn_real ref_position;  /**< braking: the ramp's position and velocity */
    xn_real ref_velocity;
} xn_drive_sim;

/** The simulated drive's servo and stopping behaviour. */
typedef struct {
    xn_real kp;               /**< position gain (N m/rad or N/m) in CSP, braking and holding */
    xn_real kd;               /**< velocity gain (N m s/rad or N s/m) */
    xn_real quick_stop_decel; /**< quick-stop ramp deceleration (rad/s^2 or m/s^2), > 0 */
    xn_real torque_max;       /**< the torque the drive can give (N m or N); INFINITY: no limit */
} xn_drive_gains;

/** A drive just powered: switch on disabled, no error, holding at position q. */
void xn_drive_sim_init(xn_drive_sim *ds, xn_real q);
/** Apply one cycle's controlword at joint position q and velocity v. Entering quick stop starts
 * the ramp from (q, v); leaving operation enabled otherwise engages the holding brake at q. */
void xn_drive_sim_command(xn_drive_sim *ds, uint16_t controlword, xn_real q, xn_real v);
/** Raise a fault with this error code (XN_DRIVE_ERR_*). A moving drive (operation enabled, quick
 * stop) brakes on its ramp in fault reaction, then faults; any other state faults at once. A
 * sensor fault (XN_DRIVE_ERR_SENSOR) faults at once from any state: without its encoder the
 * drive cannot follow a ramp, so the holding brake engages (stop category 0). An existing fault
 * keeps its first error code. */
void xn_drive_sim_fault(xn_drive_sim *ds, uint16_t error_code, xn_real q, xn_real v);
/** Advance the quick-stop ramp by dt (s). At rest, fault reaction becomes fault and quick stop
 * holds. Returns 1 while braking. */
int xn_drive_sim_brake_step(xn_drive_sim *ds, xn_real decel, xn_real dt);
/** The drive's torque for one servo period dt (s) at joint state (q, v): the command's mode in
 * operation enabled, the ramp in quick stop and fault reaction, the holding brake otherwise;
 * clipped to +-torque_max. Advances the ramp. NaN in q or v faults the drive (XN_DRIVE_ERR_SENSOR)
 * and gives 0. */
xn_real xn_drive_sim_torque(xn_drive_sim *ds, const xn_joint_command *cmd, const xn_drive_gains *g,
                            xn_real q, xn_real v, xn_real dt);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
