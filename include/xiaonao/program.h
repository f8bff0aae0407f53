/* xiaonao: robot programs. A text language in the style of industrial robot languages, one
 * command per line:
 *
 *     # a comment (anywhere after '#')
 *     pose home = [0, -0.785, 0, -2.356, 0, 1.571, 0.785]   # named joint pose (rad; "deg" suffix)
 *     set speed 80%                 # override: scales every motion's velocity (acceleration by
 *                                   # its square, jerk by its cube: the same path, slower)
 *     set payload 0.5 [0, 0, 0.05]  # mass (kg) and centre of mass (m) in the tool flange's frame
 *     set tool [0, 0, 0.1034, 0, 0, 0]  # tool frame on the flange: x y z (m), roll pitch yaw (rad)
 *     movej home                    # joint motion, jerk-limited and time-optimal, all joints
 *     movej [0, 0, 0, -90deg, 0, 90deg, 45deg] speed 0.5 accel 0.5 blend 0.05
 *                                   # speed/accel: fraction of the rated limits (0..1];
 *                                   # blend: start the next motion when this close (rad, largest
 *                                   # joint distance) to the target, without stopping
 *     pose above = p[0.5, 0, 0.3, 180deg, 0, 0]  # Cartesian pose of the tool in the base frame:
 *                                   # x y z (m), roll pitch yaw (rad, R = Rz Ry Rx)
 *     movel above speed 0.2 accel 1 blend 0.01   # straight line of the tool; speed m/s (0.25),
 *                                   # accel m/s^2 (1.2), blend m; joint limits always hold
 *     movec p[0.5, 0.1, 0.35, 180deg, 0, 0] p[0.5, 0.2, 0.3, 180deg, 0, 0]  # arc via, to
 *     movej above                   # a Cartesian target for a joint motion: IK when planned
 *     set base [0, 0, 0, 0, 0, 0]   # the frame Cartesian poses are given in (world by default)
 *     set shaper zvd 19.5 0.03      # input shaping of every motion against a mode (Hz, damping
 *                                   # ratio): zv, zvd, zvdd, or ei F Z V (vibration tolerance)
 *     impedance joint 200 5 for 3   # joint impedance: K (N m/rad, or [per joint]), D (N m s/rad)
 *     impedance joint 200 5 inertia 0.5 for 3  # ... with the inertia shaped (kg m^2, or [..])
 *     impedance cartesian [1000, 1000, 1000, 50, 50, 50] for 5   # at the tool; damping
 *                                   # critically damped unless: damping [..6]
 *     guide damping 50 speed 0.25 lock rx ry rz for 30   # hand guiding (N s/m, m/s)
 *     admittance mass 5 damping 100 stiffness 500 for 10 # force/torque sensor driven
 *     set contact hand [0.5, 0, 0.3] 0.15  # a person's hand may be touched in this sphere
 *                                   # (base frame, m): motions slow down inside it so that a
 *                                   # contact stays under ISO/TS 15066's limit; add
 *                                   # `clamped` where the person may be pinned; off clears
 *     set collaborative 0.25        # the tool's speed limit (m/s) everywhere; off
 *     policy load policies/unitree_g1_walk   # a learned locomotion policy takes the joints
 *     walk 0.5 0 0 for 10           # its velocity command: vx, vy (m/s), yaw rate (rad/s)
 *     stand for 2                   # the zero command (without `for`: go on at once)
 *     set collision stop2 1.0       # collision detection on; reaction stop0, stop1, stop2,
 *                                   # reflex or compliant; thresholds scaled (default 1); off
 *     set shaper auto               # the mode identified for the motion's target pose
 *                                   # (xn tune-shaper), set shaper off to stop shaping
 *     wait 0.5                      # seconds
 *     wait until settled 0.001      # until every joint is within 0.001 rad of its reference
 *     wait until joint4 > -1.5      # until a joint's position crosses a value (< or >)
 *     stop                          # controlled stop; the program ends
 *     stream timeout 0.2            # follow setpoints from outside (xn_controller_stream) until
 *                                   # the client ends the stream
 *     fourier joint1 0.1 a [0.2, -0.1, -0.1] b [0.05, 0.1, -0.05]  # one joint's periodic
 *                                   # excitation (xn identify excite): offset q0 (rad), then per
 *                                   # harmonic h = 1..H (H <= 8) velocity amplitudes a_h, b_h
 *                                   # (rad/s): qd = sum a_h cos(h w t) + b_h sin(h w t), q(0) = q0;
 *                                   # sum a_h = 0 and sum h b_h = 0 (it starts and ends at rest)
 *     excite period 10 for 30       # the fourier lines above (since the last excite) run
 *                                   # together, w = 2 pi / period, for whole periods; the
 *                                   # others joints hold; the robot must rest at q(0) first
 *
 * Parsing allocates; running a parsed program (in the runtime's controller) does not. Errors name
 * the line and column and say what was expected. New commands are added by adding an entry to
 * the parser's command table and a case to the interpreter.
 * SPDX-License-Identifier: Apache-2.0 */
#ifndef XIAONAO_PROGRAM_H
#define XIAONAO_PROGRAM_H

#include <stddef.h>

#include "xiaonao/types.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the public API: the libraries hide the rest */

#define XN_PROGRAM_MAX_AXES 16 /**< joints one target may have */

/** What an instruction does. */
typedef enum {
    XN_OP_MOVEJ = 0,         /**< target, speed, accel, blend */
    XN_OP_WAIT_TIME,         /**< value[0] seconds */
    XN_OP_WAIT_SETTLED,      /**< value[0] tolerance (rad) */
    XN_OP_WAIT_JOINT,        /**< name: joint; value[0]: threshold; cmp: '<' or '>' */
    XN_OP_SET_SPEED,         /**< value[0]: override fraction (0, 1] */
    XN_OP_SET_PAYLOAD,       /**< value[0]: mass (kg); value[1..3]: centre of mass (m) */
    XN_OP_SET_TOOL,          /**< value[0..5]: x y z roll pitch yaw */
    XN_OP_STOP,              /**< controlled stop, end of program */
    XN_OP_MOVEL,             /**< straight line of the tool to target (Cartesian); speed m/s, accel
                                  m/s^2, blend m */
    XN_OP_MOVEC,             /**< circular arc through value[0..5] (via, Cartesian) to target */
    XN_OP_SET_BASE,          /**< value[0..5]: the base frame of Cartesian poses */
    XN_OP_SET_SHAPER,        /**< value[0]: XN_SHAPER_* type, -1 off, -2 auto; value[1] frequency
                                  (Hz), value[2] damping ratio, value[3] EI tolerance */
    XN_OP_SET_COLLISION,     /**< value[0]: XN_REACT_* (-1 off); value[1]: threshold scale */
    XN_OP_IMPEDANCE,         /**< cart 0: joint (target[]: K per joint, value[0]: D); cart 1:
                                  Cartesian (target[0..5]: K, value[0..5]: D, 0: critically damped);
                                  duration */
    XN_OP_GUIDE,             /**< value[0]: damping (N s/m), value[1]: speed limit (m/s, 0: none),
                                  target[0..5]: 1 for locked axes x y z rx ry rz; duration */
    XN_OP_ADMITTANCE,        /**< value[0] mass (kg), value[1] damping (N s/m), value[2] stiffness
                                  (N/m), translation of the flange; duration */
    XN_OP_SET_CONTACT,       /**< value[0]: xn_body_region (-1: clear every region); value[1..3]:
                                  the centre (m, base frame), value[4]: the radius (m); value[5]:
                                  1 clamped (the person may be pinned) */
    XN_OP_SET_COLLABORATIVE, /**< value[0]: the tool-speed limit (m/s), 0: off */
    XN_OP_POLICY_LOAD,       /**< path: a policy's folder (deploy.json and the ONNX file) */
    XN_OP_WALK,              /**< value[0..2]: vx, vy (m/s), yaw rate (rad/s); duration (0:
                                  go on at once) */
    XN_OP_STAND,             /**< the policy's zero command, or (after balance load) standing
                                  balance; duration (0: go on at once) */
    XN_OP_BALANCE_LOAD,      /**< path: a humanoid's balance description (balance.json) */
    XN_OP_PUSH,              /**< name: a body; value[0..2]: force (N, world); duration (s): a
                                  simulated external push (the simulation backend applies it) */
    XN_OP_POSTURE,           /**< name: a joint ("" with value[1] = 1: back to the start
                                  posture); value[0]: its target (rad) for the balance posture */
    XN_OP_HAND,              /**< value[0]: 0 left, 1 right; value[1..3]: the hand's position (m)
                                  from the pelvis, in the robot's heading frame; value[4]: 1 on,
                                  0 off (the hand follows the posture) */
    XN_OP_STREAM,            /**< the joints follow setpoints from outside the program
                                  (xn_controller_stream) until the client ends the stream;
                                  value[0]: the timeout (s; 0: the controller's stream_timeout) */
    XN_OP_FOURIER,           /**< name: a joint; value[0]: q0 (rad); naxes: harmonics H;
                                  target[0..H-1]: a_h, target[8..8+H-1]: b_h (rad/s) */
    XN_OP_EXCITE             /**< value[0]: the period (s); duration: whole periods (s) */
} xn_op;

#define XN_PROGRAM_MAX_HARMONICS 8 /**< harmonics of one fourier line */

/** What the controller does when it detects a collision (`set collision ...`). */
typedef enum {
    XN_REACT_STOP0 = 0,    /**< stop category 0: power off at once, brakes (IEC 60204-1) */
    XN_REACT_STOP1 = 1,    /**< category 1: the drives brake, then power off */
    XN_REACT_STOP2 = 2,    /**< category 2: controlled stop, power kept, holding */
    XN_REACT_REFLEX = 3,   /**< retract against the contact, then hold */
    XN_REACT_COMPLIANT = 4 /**< yield: gravity compensation with damping only */
} xn_reaction;

/** One parsed instruction. */
typedef struct {
    xn_op op;
    int line, column; /**< where the command starts (1-based) */
    int naxes;        /**< movej: how many values the target has */
    int cart;         /**< 1: target is a Cartesian pose x y z roll pitch yaw */
    xn_real target[XN_PROGRAM_MAX_AXES];
    xn_real speed, accel, blend; /**< movej options (defaults 1, 1, 0) */
    xn_real value[6];
    char cmp;         /**< wait until JOINT: '<' or '>' */
    char name[64];    /**< the pose used by movej (or ""), the joint of wait until */
    xn_real duration; /**< impedance, guide, admittance: for how long (s) */
    xn_real inertia[XN_PROGRAM_MAX_AXES]; /**< impedance joint ... inertia: the desired inertia
                                               per joint (kg m^2; 0: not shaped) */
    int ninertia;                         /**< how many were given (0: one for all) */
    char path[256]; /**< policy load: the folder or deploy.json; balance load: balance.json;
                         stream joints: the joints' names or fnmatch patterns, space-separated
                         (value[1] = 1; value[0]: the stream's timeout, 0 the default) */
} xn_instruction;

/** A parsed program. */
typedef struct {
    char source[256]; /**< the file name (or the name given to xn_program_parse) */
    int n;
    xn_instruction *ins;
} xn_program;

/** Parse a program from text (len bytes; need not be NUL-terminated). `name` is used in error
 * messages. On error, *out is NULL and err says where (err->line, and the column in the message)
 * and what was expected. */
xn_status xn_program_parse(const char *text, size_t len, const char *name, xn_program **out,
                           xn_error *err);
/** Read and parse a program file. */
xn_status xn_program_load(const char *path, xn_program **out, xn_error *err);
/** Free a program. NULL is allowed. */
void xn_program_free(xn_program *p);

/** A fourier line's curve at time t (s) for the period (s): position (rad), velocity (rad/s) and
 * acceleration (rad/s^2); any of the outputs may be NULL. */
void xn_program_fourier_eval(const xn_instruction *fourier, xn_real period, xn_real t, xn_real *q,
                             xn_real *qd, xn_real *qdd);

/** Check a parsed program against the robot before any motion: every movej target has njoint
 * values inside [lo, hi] (arrays of njoint), every joint named in a wait or a fourier line exists
 * among names, and every excitation stays inside [lo, hi].
 * Errors name the line and the joint. */
xn_status xn_program_check(const xn_program *p, int njoint, const char *const *names,
                           const xn_real *lo, const xn_real *hi, xn_error *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
