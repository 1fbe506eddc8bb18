/* Unit tests for the clocks (ferry/clock.h, worker/src/common/clock.c): the monotonic clocks never
 * go back and agree with each other; the wall clock is the epoch time the C library reports. */
#include <ferry/clock.h>

#include <criterion/criterion.h>

#include <time.h>

Test(clock, monotonic_and_wall)
{
        int64_t ms0 = ferry_now_ms(), us0 = ferry_now_us();
        int64_t ms1 = ferry_now_ms(), us1 = ferry_now_us();
        cr_assert_geq(ms1, ms0);
        cr_assert_geq(us1, us0);
        cr_assert_leq(ms0, us1 / 1000);
        cr_assert_geq(ms1 + 1, us0 / 1000);

        int64_t before = (int64_t)time(NULL) * 1000;
        int64_t wall = ferry_wall_ms();
        int64_t after = ((int64_t)time(NULL) + 1) * 1000;
        cr_assert_geq(wall, before);
        cr_assert_lt(wall, after);
}
