/* xn_sincos against libm: 2e6 points in [-60, 60], points near multiples of pi/2, the switch to
 * libm at 1e5, and NaN/infinity. Tolerance 4e-16 absolute (results lie in [-1, 1]). */
#include "math/sincos_inline.h"
#include "test_util.h"

static double worst;
static void check(double x) {
    double s, c;
    xn_sincos(x, &s, &c);
    double e = xt_max(fabs(s - sin(x)), fabs(c - cos(x)));
    if (!(e <= worst)) worst = e;
}

int main(void) {
    for (int i = 0; i <= 2000000; i++) check(-60 + 120.0 * i / 2000000);
    for (int k = -200; k <= 200; k++)
        for (int j = -3; j <= 3; j++) check(k * 1.5707963267948966 + j * 1e-12);
    check(0.0);
    check(-0.0);
    check(1e-300);
    check(99999.9);
    check(100000.1);
    check(-3e7);
    XT_CHECK(worst <= 4e-16, "max |xn_sincos - libm| = %g", worst);
    printf("xn_sincos vs libm: max error %.2g\n", worst);
    double s, c;
    xn_sincos(NAN, &s, &c);
    XT_CHECK(isnan(s) && isnan(c), "NaN in, NaN out");
    xn_sincos(INFINITY, &s, &c);
    XT_CHECK(isnan(s) && isnan(c), "infinity in, NaN out");
    return xt_done("sincos");
}
