/* Links the optional installed libraries (policy runtime, MuJoCo backend, ROS 2 bridge, EtherCAT
 * master) through
 * find_package and calls one entry point of each: a user's project must build and run against
 * them as against the core. Usage: consumer_optional SCENE.xml */
#include <stdio.h>
#include <xiaonao/ethercat.h>
#include <xiaonao/policy.h>
#include <xiaonao/ros2.h>
#include <xiaonao/xiaonao.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    xn_error err;
    /* a policy file that does not exist is refused with its reason (the library links and runs) */
    xn_policy *policy = NULL;
    if (xn_policy_load("/nonexistent/policy.onnx", &policy, &err) == XN_OK || policy != NULL) {
        fprintf(stderr, "a missing policy file was accepted\n");
        return 1;
    }
    xn_hal *hal;
    if (xn_mujoco_open(argv[1], NULL, &hal, &err) != XN_OK) {
        fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.message);
        return 1;
    }
    xn_ros2_config cfg;
    xn_ros2_config_init(&cfg);
    /* the EtherCAT master: an interface that does not exist is refused by name */
    xn_ecat_transport *t = NULL;
    xn_error eerr;
    if (xn_ecat_transport_raw("xn-none0", &t, &eerr) == XN_OK || t != NULL) {
        fprintf(stderr, "a missing network interface was accepted\n");
        return 1;
    }
    printf("EtherCAT: %s; AL status code 0x001B is '%s'\n", eerr.message,
           xn_ecat_al_code_str(0x001B));
    printf("policy refused (%s); MuJoCo robot with %d joints; ROS 2 state at %.0f Hz\n",
           err.message, hal->njoint, cfg.state_rate);
    xn_hal_close(hal);
    return 0;
}
