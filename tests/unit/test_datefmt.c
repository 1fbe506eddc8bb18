/* Unit tests for Java SimpleDateFormat patterns in UTC (ferry/datefmt.h,
 * worker/src/common/datefmt.c): formatting, lenient parsing, pattern errors, and the calendar
 * arithmetic under them. */
#include <ferry/datefmt.h>

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

static char *fmt(const char *pattern, int64_t ms)
{
        char err[128];
        ferry_datefmt_t *f = ferry_datefmt_compile(pattern, err, sizeof(err));
        cr_assert_not_null(f, "%s: %s", pattern, err);
        char *s = ferry_datefmt_format(f, ms);
        ferry_datefmt_free(f);
        return s;
}

static int64_t parse(const char *pattern, const char *text)
{
        char err[128];
        int64_t ms = 0;
        ferry_datefmt_t *f = ferry_datefmt_compile(pattern, err, sizeof(err));
        cr_assert_not_null(f, "%s: %s", pattern, err);
        cr_assert_eq(ferry_datefmt_parse(f, text, &ms, err, sizeof(err)), 0, "%s", err);
        ferry_datefmt_free(f);
        return ms;
}

Test(datefmt, format_and_parse)
{
        static const struct {
                const char *pattern;
                int64_t ms;
                const char *text;
        } cases[] = {
                {"yyyy-MM-dd'T'HH:mm:ss.SSSZ", 1700000000123LL, "2023-11-14T22:13:20.123+0000"},
                {"yyyy-MM-dd'T'HH:mm:ss.SSSX", 1700000000123LL, "2023-11-14T22:13:20.123Z"},
                {"EEE, d MMM yyyy hh:mm a", 1700000000000LL, "Tue, 14 Nov 2023 10:13 PM"},
                {"EEEE MMMM dd ''yy", 1700000000000LL - 80000000LL, "Tuesday November 14 '23"},
                {"yyyyMMddHHmmss", 0, "19700101000000"},
                {"yyyy-MM-dd HH:mm:ss", -1000, "1969-12-31 23:59:59"},
                {"D k K", 1700000000000LL, "318 22 10"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *s = fmt(cases[i].pattern, cases[i].ms);
                cr_assert_str_eq(s, cases[i].text, "pattern %s", cases[i].pattern);
                free(s);
        }
        cr_assert_eq(parse("yyyyMMddHHmmss", "20231114221320"), 1700000000000LL);
        cr_assert_eq(parse("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2023-11-14T23:13:20.123+01:00"), 1700000000123LL);
        cr_assert_eq(parse("dd MMM yyyy hh:mm:ss a", "14 nov 2023 10:13:20 PM"), 1700000000000LL);
        cr_assert_eq(parse("yyyy-MM-dd", "2023-11-14"), 1699920000000LL);
        char err[128];
        ferry_datefmt_t *f = ferry_datefmt_compile("yyyy-MM-dd", err, sizeof(err));
        int64_t ms;
        cr_assert_eq(ferry_datefmt_parse(f, "14/11/2023", &ms, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "Unparseable date: \"14/11/2023\"");
        ferry_datefmt_free(f);
        cr_assert_null(ferry_datefmt_compile("yyyy-'MM", err, sizeof(err)));
        cr_assert_str_eq(err, "Unterminated quote");
        cr_assert_null(ferry_datefmt_compile("yyyy-bb", err, sizeof(err)));
        cr_assert_str_eq(err, "Illegal pattern character 'b'");
}

Test(datefmt, two_digit_years_near_today)
{
        /* SimpleDateFormat puts "yy" within 80 years before and 20 years after the current date. */
        int64_t ms = parse("yy-MM-dd", "23-11-14");
        cr_assert_eq(ms, 1699920000000LL);
}

Test(datefmt, calendar)
{
        cr_assert_eq(ferry_days_from_civil(1970, 1, 1), 0);
        cr_assert_eq(ferry_days_from_civil(2000, 3, 1), 11017);
        cr_assert_eq(ferry_days_from_civil(1969, 12, 31), -1);
        int64_t y;
        unsigned m, d;
        ferry_civil_from_days(19675, &y, &m, &d); /* 2023-11-14 */
        cr_assert(y == 2023 && m == 11 && d == 14, "%lld-%u-%u", (long long)y, m, d);
        ferry_civil_from_days(-719468, &y, &m, &d); /* 0000-03-01 */
        cr_assert(y == 0 && m == 3 && d == 1, "%lld-%u-%u", (long long)y, m, d);
        cr_assert_eq(ferry_floordiv(-1, 1000), -1);
        cr_assert_eq(ferry_floordiv(1999, 1000), 1);
        cr_assert_eq(ferry_floormod(-1, 1000), 999);
        cr_assert_eq(ferry_floormod(7, -3), -2);
}
