/* Loads a robot and computes its gravity torques through the installed headers and libraries. */
#include <stdio.h>
#include <xiaonao/xiaonao.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    xn_model *m;
    xn_error err;
    if (xn_load_model(argv[1], NULL, &m, &err) != XN_OK) {
        fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.message);
        return 1;
    }
    xn_data *d = xn_data_create(m);
    xn_dyn_gravity(m, d, m->q_neutral);
    printf("nv %d, g[1] = %.6f\n", m->nv, m->nv > 1 ? d->g[1] : 0.0);
    xn_data_free(d);
    xn_model_free(m);
    return 0;
}
