/* xn: the xiaonao command. One file per subcommand. SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: xn <command> [options]\n\n"
            "commands:\n"
            "  info MODEL [--floating-base] [--strict] [--json]\n"
            "      the model's tree, joints, limits, frames, mass and warnings\n"
            "  dyn MODEL --in CASES [--out RESULTS] [--frames a,b] [--convention pinocchio]\n"
            "      [--floating-base] [--json]\n"
            "      kinematics and dynamics for each case (q, v, a, optional tau_aba)\n"
            "  otg --in PROBLEMS [--out RESULTS] [--samples]\n"
            "  otg --from P,.. --to P,.. --vmax V,.. --amax A,.. --jmax J,.. [--csv FILE --dt S]\n"
            "      time-optimal jerk-limited trajectories\n"
            "  ik MODEL FRAME --pose X,Y,Z,R,P,Y [--q0 Q,..] [--closed-form ur|panda [--q7 A]]\n"
            "      joint angles that put a frame at a pose (numerical or closed form)\n"
            "  path MODEL FRAME --q0 Q,.. --to X,Y,Z,R,P,Y [--to ..] [--via X,Y,Z] [--blend R]\n"
            "      a Cartesian path, sampled by IK and timed optimally\n"
            "  tune-shaper LOG [--shaper zv|zvd|zvdd|ei] [--out TABLE]\n"
            "      identify vibration modes in a logged run and propose an input shaper\n"
            "  run PROGRAM [--robot SCENE] [--backend mujoco|loopback] [--realtime] [--log FILE]\n"
            "      [--report DIR]\n"
            "      [--ros2]\n"
            "      run a robot program on the simulated Panda (default) or another robot\n"
            "  serve [--robot SCENE] [--backend mujoco|loopback] [--report DIR]\n"
            "      the controller without a program, in real time: it holds and follows\n"
            "      commands from ROS 2 (/joint_commands; /joint_states published)\n"
            "  ecat scan IFACE [--state init|preop|safeop|op]\n"
            "  ecat sdo IFACE SLAVE INDEX:SUB [VALUE] [--type T]\n"
            "      the EtherCAT slaves on a network interface: identity, name, states, SDOs\n"
            "  ecat-sim IFACE [--slaves N] [--time S]\n"
            "      a virtual EtherCAT segment answering on a network interface\n"
            "  codegen MODEL --out DIR [--floating-base] [--real float|double] [--prefix NAME]\n"
            "      [--frame NAME]...\n"
            "      C code specialized to the model: kinematics, RNEA, CRBA, ABA (libm only)\n"
            "  identify excite MODEL --out PROGRAM\n"
            "      an excitation program (fourier series) for identifying the robot\n"
            "  identify dynamics MODEL LOG... [--validate LOG] [--out DIR]\n"
            "      inertial parameters and friction from logs of xn run\n"
            "  identify payload MODEL LOG... [--frame NAME]\n"
            "      a tool's mass, centre of mass and inertia from logs of xn run\n"
            "  calibrate poses|measure|MODEL ...\n"
            "      the robot's geometry from a tracker's measurements of a point on it\n"
            "  iso9283 plan MODEL --out PROGRAM | iso9283 report LOG --plan JSON --out DIR\n"
            "      the ISO 9283 pose and path tests, and their report\n"
            "  version\n\n"
            "MODEL is a URDF or MJCF file. Run 'xn <command> --help' for details.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "info") == 0) return xn_cmd_info(argc - 1, argv + 1);
    if (strcmp(cmd, "dyn") == 0) return xn_cmd_dyn(argc - 1, argv + 1);
    if (strcmp(cmd, "otg") == 0) return xn_cmd_otg(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0) return xn_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0) return xn_cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "ik") == 0) return xn_cmd_ik(argc - 1, argv + 1);
    if (strcmp(cmd, "path") == 0) return xn_cmd_path(argc - 1, argv + 1);
    if (strcmp(cmd, "tune-shaper") == 0) return xn_cmd_tune(argc - 1, argv + 1);
    if (strcmp(cmd, "ecat") == 0) return xn_cmd_ecat(argc - 1, argv + 1);
    if (strcmp(cmd, "ecat-sim") == 0) return xn_cmd_ecat_sim(argc - 1, argv + 1);
    if (strcmp(cmd, "codegen") == 0) return xn_cmd_codegen(argc - 1, argv + 1);
    if (strcmp(cmd, "identify") == 0) return xn_cmd_identify(argc - 1, argv + 1);
    if (strcmp(cmd, "calibrate") == 0) return xn_cmd_calibrate(argc - 1, argv + 1);
    if (strcmp(cmd, "iso9283") == 0) return xn_cmd_iso9283(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("xn (xiaonao) %d.%d.%d\n", XN_VERSION_MAJOR, XN_VERSION_MINOR, XN_VERSION_PATCH);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "xn: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
