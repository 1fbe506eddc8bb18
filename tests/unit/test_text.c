/* Unit tests for Connect values as Java's toString() text (ferry/text.h,
 * worker/src/core/value_text.c), the form the error log shows failed records in. */
#include <ferry/text.h>

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

static void expect(const ferry_schema_t *s, ferry_value_t *v, const char *want)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_value_text(&b, s, v), 0);
        cr_assert_str_eq(b.p, want);
        ferry_buf_free(&b);
        ferry_value_free(v);
}

Test(text, java_forms)
{
        expect(NULL, NULL, "null");
        expect(NULL, ferry_value_cstring("plain"), "plain");
        expect(NULL, ferry_value_int(FERRY_TYPE_INT16, -3), "-3");
        expect(NULL, ferry_value_float(FERRY_TYPE_FLOAT64, 1e-5), "1.0E-5");
        ferry_value_t *m = ferry_value_map();
        ferry_value_t *inner = ferry_value_array();
        ferry_array_append(inner, ferry_value_bool(true));
        ferry_array_append(inner, NULL);
        ferry_map_put_str(m, "k", inner);
        ferry_map_append(m, ferry_value_int(FERRY_TYPE_INT32, 2), ferry_value_cstring("two"));
        expect(NULL, m, "{k=[true, null], 2=two}");
        ferry_schema_t *ts = ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP);
        expect(ts, ferry_value_int(FERRY_TYPE_INT64, 1700000000123), "Tue Nov 14 22:13:20 UTC 2023");
        /* without its schema a timestamp is just a number */
        expect(NULL, ferry_value_int(FERRY_TYPE_INT64, 1700000000123), "1700000000123");
        ferry_schema_unref(ts);
}

Test(text, java_date)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_java_date_text(&b, 0), 0);
        cr_assert_str_eq(b.p, "Thu Jan 01 00:00:00 UTC 1970");
        ferry_buf_reset(&b);
        cr_assert_eq(ferry_java_date_text(&b, -1), 0);
        cr_assert_str_eq(b.p, "Wed Dec 31 23:59:59 UTC 1969");
        ferry_buf_free(&b);
}
