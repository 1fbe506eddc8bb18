/* Unit tests for Java regular expressions (ferry/regex.h, worker/src/common/regex.c): the
 * translation of java.util.regex patterns to POSIX ERE, whole-string matching with Java's group
 * numbers, refused constructs, and Matcher replacement strings. */
#include <ferry/regex.h>

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

static bool jmatch(const char *re, const char *s)
{
        ferry_regex_t r;
        char err[256];
        cr_assert_eq(ferry_regex_compile(&r, re, err, sizeof(err)), 0, "%s: %s", re, err);
        bool ok = ferry_regex_matches(&r, s, NULL, 0);
        ferry_regex_free(&r);
        return ok;
}

Test(regex, translation)
{
        cr_assert(jmatch("\\d{3}\\s\\w+", "123 abc_9"));
        cr_assert_not(jmatch("\\d{3}", "12a"));
        cr_assert(jmatch("\\D\\W\\S", "a-b"));
        cr_assert(jmatch("[\\w.\\-]+", "a.b-c_d"));
        cr_assert_not(jmatch("[\\w.\\-]+", "a b"));
        cr_assert(jmatch("[^\\]]x", "ax"));
        cr_assert(jmatch("a\\.b", "a.b"));
        cr_assert_not(jmatch("a\\.b", "axb"));
        cr_assert(jmatch("\\Qa.b\\E", "a.b"));
        cr_assert_not(jmatch("\\Qa.b\\E", "axb"));
        cr_assert(jmatch("(?i)abc", "ABC"));
        cr_assert(jmatch("a|b", "b"));
        cr_assert_not(jmatch("a|b", "ab"));
        ferry_regex_t r;
        char err[256];
        cr_assert_eq(ferry_regex_compile(&r, "a*?", err, sizeof(err)), -1);
        cr_assert_eq(ferry_regex_compile(&r, "(a)\\1", err, sizeof(err)), -1);
        cr_assert_eq(ferry_regex_compile(&r, "(?<n>a)", err, sizeof(err)), -1);
        regmatch_t m[3];
        cr_assert_eq(ferry_regex_compile(&r, "(?:x)(a+)(b)?", err, sizeof(err)), 0);
        cr_assert_eq(r.groups, 2);
        cr_assert(ferry_regex_matches(&r, "xaa", m, 3));
        cr_assert_eq(m[1].rm_so, 1);
        cr_assert_eq(m[1].rm_eo, 3);
        cr_assert_eq(m[2].rm_so, -1);
        ferry_regex_free(&r);
}

Test(regex, refusals_name_the_problem)
{
        ferry_regex_t r;
        char err[256];
        cr_assert_eq(ferry_regex_compile(&r, "a(?=b)", err, sizeof(err)), -1);
        cr_assert(strstr(err, "a(?=b)"), "%s", err);
        cr_assert_eq(ferry_regex_compile(&r, "(abc", err, sizeof(err)), -1);
        cr_assert(strstr(err, "(abc"), "%s", err);
}

Test(regex, replacement)
{
        ferry_regex_t r;
        char err[256];
        regmatch_t m[3];
        cr_assert_eq(ferry_regex_compile(&r, "(\\w+)-(\\d+)", err, sizeof(err)), 0, "%s", err);
        cr_assert(ferry_regex_matches(&r, "orders-42", m, 3));
        cr_assert_eq(ferry_regex_replacement_check("$2_$1\\$", r.groups, err, sizeof(err)), 0, "%s", err);
        char *out = ferry_regex_replacement_expand("$2_$1\\$", "orders-42", m, r.groups);
        cr_assert_str_eq(out, "42_orders$");
        free(out);
        out = ferry_regex_replacement_expand("all:$0", "orders-42", m, r.groups);
        cr_assert_str_eq(out, "all:orders-42");
        free(out);
        cr_assert_eq(ferry_regex_replacement_check("$3", r.groups, err, sizeof(err)), -1);
        cr_assert_eq(ferry_regex_replacement_check("x\\", r.groups, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "character to be escaped is missing");
        ferry_regex_free(&r);
}
