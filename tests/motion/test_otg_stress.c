/* 10^4 random trajectory problems (bench/otg_stress.h), 1 to 7 DoF, kinds drawn in turn: every
 * problem is solved and its trajectory validated densely, or rejected with a reason code. */
#include <stdio.h>

#include "../../bench/otg_stress.h"
#include "test_util.h"

int main(void) {
    long fails[XS_KINDS][XS_FAIL_KINDS], rejected[XS_KINDS];
    xs_run(12345, 10000, fails, rejected);
    printf("%-20s %7s %8s %13s %14s %14s\n", "kind", "solved", "rejected", "no trajectory",
           "limit exceeded", "boundary state");
    for (int k = 0; k < XS_KINDS; k++) {
        printf("%-20s %7ld %8ld %13ld %14ld %14ld\n", xs_kind_names[k], fails[k][XS_OK],
               rejected[k], fails[k][XS_FAIL_CALCULATE], fails[k][XS_FAIL_LIMITS],
               fails[k][XS_FAIL_BOUNDARY]);
        long bad =
            fails[k][XS_FAIL_CALCULATE] + fails[k][XS_FAIL_LIMITS] + fails[k][XS_FAIL_BOUNDARY];
        XT_CHECK(bad == 0, "%s: %ld failures", xs_kind_names[k], bad);
        /* rejections only where a target is out of reach or a state out of range: random draws */
        if (k == XS_REST || k == XS_ZERO_DISTANCE || k == XS_AT_TARGET || k == XS_VELOCITY)
            XT_CHECK(rejected[k] == 0, "%s: %ld rejected", xs_kind_names[k], rejected[k]);
    }
    return xt_done("otg_stress");
}
