/* Unit tests for props.c: java.util.Properties parsing rules, one test per rule, and errors that
 * name the line where the bad logical line starts. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ferry/config.h"

static ferry_strmap_t m;
static char err[256];

static void setup(void)
{
        ferry_strmap_init(&m);
        err[0] = '\0';
}

static void teardown(void)
{
        ferry_strmap_free(&m);
}

TestSuite(props, .init = setup, .fini = teardown);

static int parse_n(const char *text, size_t len)
{
        return ferry_props_parse(text, len, "t.properties", &m, err, sizeof(err));
}

static int parse(const char *text)
{
        return parse_n(text, strlen(text));
}

static void expect(const char *key, const char *value)
{
        const char *v = ferry_strmap_get(&m, key);

        cr_assert_not_null(v, "key \"%s\" missing", key);
        cr_assert_str_eq(v, value, "key \"%s\": got \"%s\", want \"%s\"", key, v, value);
}

Test(props, separators_equals_colon_and_blank)
{
        cr_assert_eq(parse("a=1\nb:2\nc 3\n"), 0, "%s", err);
        cr_assert_eq(m.n, 3);
        expect("a", "1");
        expect("b", "2");
        expect("c", "3");
        cr_assert_str_eq(m.kv[0].key, "a");
        cr_assert_str_eq(m.kv[2].key, "c");
}

Test(props, key_ends_at_first_unescaped_separator)
{
        cr_assert_eq(parse("url=http://h:8083/x?a=b\ntime:12:30\n"), 0, "%s", err);
        expect("url", "http://h:8083/x?a=b");
        expect("time", "12:30");
}

Test(props, comment_lines_hash_and_bang)
{
        cr_assert_eq(parse("# a=1\n! b=2\n   # c=3\n\t!d=4\ne=5 # not a comment\nf=#g\n"), 0, "%s", err);
        cr_assert_eq(m.n, 2);
        expect("e", "5 # not a comment");
        expect("f", "#g");
}

Test(props, blank_and_whitespace_only_lines_skipped)
{
        cr_assert_eq(parse("\n\n   \n\t\f\na=1\n\n  \nb=2"), 0, "%s", err);
        cr_assert_eq(m.n, 2);
        expect("a", "1");
        expect("b", "2");
}

Test(props, leading_whitespace_of_line_skipped)
{
        cr_assert_eq(parse("    key=value\n\t\fk2=v2\n"), 0, "%s", err);
        expect("key", "value");
        expect("k2", "v2");
}

Test(props, whitespace_around_separator_skipped)
{
        cr_assert_eq(parse("a   =   1\nb\t:\t2\nc \f 3\n"), 0, "%s", err);
        expect("a", "1");
        expect("b", "2");
        expect("c", "3");
}

Test(props, one_separator_after_whitespace_is_skipped_not_two)
{
        cr_assert_eq(parse("a  = = 1\nb :=2\nc  :x\nd==e\n"), 0, "%s", err);
        expect("a", "= 1");
        expect("b", "=2");
        expect("c", "x");
        expect("d", "=e");
}

Test(props, trailing_whitespace_of_value_kept)
{
        cr_assert_eq(parse("a=1  \nb=x\t\n"), 0, "%s", err);
        expect("a", "1  ");
        expect("b", "x\t");
}

Test(props, key_without_value_and_empty_key)
{
        cr_assert_eq(parse("alone\nempty=\nspaced   \n=v\n"), 0, "%s", err);
        expect("alone", "");
        expect("empty", "");
        expect("spaced", "");
        expect("", "v");
}

Test(props, escaped_separators_in_key)
{
        cr_assert_eq(parse("a\\=b=c\nd\\:e:f\ng\\ h i\n"), 0, "%s", err);
        expect("a=b", "c");
        expect("d:e", "f");
        expect("g h", "i");
}

Test(props, continuation_drops_backslash_and_leading_whitespace)
{
        cr_assert_eq(parse("list=a,\\\n     b,\\\n\t\fc\nnext=1\n"), 0, "%s", err);
        expect("list", "a,b,c");
        expect("next", "1");
        cr_assert_eq(m.n, 2);
}

Test(props, continuation_inside_key)
{
        cr_assert_eq(parse("ke\\\n   y=v\n"), 0, "%s", err);
        expect("key", "v");
}

Test(props, even_backslashes_do_not_continue)
{
        /* a=x\\ (two backslashes) is a value ending in one literal backslash */
        cr_assert_eq(parse("a=x\\\\\nb=y\n"), 0, "%s", err);
        expect("a", "x\\");
        expect("b", "y");
}

Test(props, odd_backslashes_continue)
{
        /* a=x\\\ (three): one literal backslash, then a continuation */
        cr_assert_eq(parse("a=x\\\\\\\n  y\n"), 0, "%s", err);
        expect("a", "x\\y");
        cr_assert_eq(m.n, 1);
}

Test(props, continuation_line_starting_with_hash_is_not_a_comment)
{
        cr_assert_eq(parse("a=1\\\n  # 2\n"), 0, "%s", err);
        expect("a", "1# 2");
}

Test(props, comment_line_does_not_continue)
{
        cr_assert_eq(parse("# comment \\\nk=v\n"), 0, "%s", err);
        cr_assert_eq(m.n, 1);
        expect("k", "v");
}

Test(props, blank_line_ends_a_continuation)
{
        cr_assert_eq(parse("a=1\\\n\nb=2\n"), 0, "%s", err);
        expect("a", "1");
        expect("b", "2");
}

Test(props, backslash_at_end_of_input_dropped)
{
        cr_assert_eq(parse("a=v\\"), 0, "%s", err);
        expect("a", "v");
        ferry_strmap_clear(&m);
        cr_assert_eq(parse("b=w\\\n"), 0, "%s", err);
        expect("b", "w");
}

Test(props, escapes_t_n_r_f)
{
        cr_assert_eq(parse("a=1\\t2\\n3\\r4\\f5\n"), 0, "%s", err);
        expect("a", "1\t2\n3\r4\f5");
}

Test(props, escapes_backslash_equals_colon_hash_bang_space)
{
        cr_assert_eq(parse("a=\\\\ \\= \\: \\# \\! x\\ \n\\#k=1\n\\!j=2\n"), 0, "%s", err);
        expect("a", "\\ = : # ! x ");
        expect("#k", "1");
        expect("!j", "2");
}

Test(props, escaped_space_keeps_leading_space_of_value)
{
        cr_assert_eq(parse("a=\\  x\n"), 0, "%s", err);
        expect("a", "  x");
}

Test(props, other_escapes_drop_backslash)
{
        cr_assert_eq(parse("a=\\q\\a\\b\\z\\\"\\'\n"), 0, "%s", err);
        expect("a", "qabz\"'");
}

Test(props, unicode_escape_to_utf8)
{
        cr_assert_eq(parse("a=\\u0041\\u00e9\\u20AC\\u00FF\nb\\u003dc=1\n"), 0, "%s", err);
        expect("a", "A\xc3\xa9\xe2\x82\xac\xc3\xbf");
        expect("b=c", "1");
}

Test(props, unicode_surrogate_pair_combined)
{
        cr_assert_eq(parse("smile=\\uD83D\\uDE00!\n"), 0, "%s", err);
        expect("smile", "\xf0\x9f\x98\x80!");
}

Test(props, unicode_lone_surrogate_becomes_replacement_char)
{
        cr_assert_eq(parse("a=\\uD83Dx\nb=\\uDE00\n"), 0, "%s", err);
        expect("a", "\xef\xbf\xbdx");
        expect("b", "\xef\xbf\xbd");
}

Test(props, utf8_bytes_pass_through)
{
        cr_assert_eq(parse("gr\xc3\xbc\xc3\x9f=\xe2\x82\xac 5\n"), 0, "%s", err);
        expect("gr\xc3\xbc\xc3\x9f", "\xe2\x82\xac 5");
}

Test(props, line_terminators_lf_cr_crlf)
{
        cr_assert_eq(parse("a=1\rb=2\r\nc=3\nd=4"), 0, "%s", err);
        cr_assert_eq(m.n, 4);
        expect("a", "1");
        expect("b", "2");
        expect("c", "3");
        expect("d", "4");
}

Test(props, continuation_across_crlf_and_cr)
{
        cr_assert_eq(parse("a=1\\\r\n  2\r\nb=3\\\r  4\r"), 0, "%s", err);
        cr_assert_eq(m.n, 2);
        expect("a", "12");
        expect("b", "34");
}

Test(props, later_duplicate_overrides_and_keeps_first_position)
{
        cr_assert_eq(parse("a=1\nb=2\na=3\n"), 0, "%s", err);
        cr_assert_eq(m.n, 2);
        cr_assert_str_eq(m.kv[0].key, "a");
        cr_assert_str_eq(m.kv[0].value, "3");
        cr_assert_str_eq(m.kv[1].key, "b");
}

Test(props, parse_merges_into_existing_map)
{
        ferry_strmap_set(&m, "keep", "x");
        ferry_strmap_set(&m, "a", "old");
        cr_assert_eq(parse("a=new\n"), 0, "%s", err);
        expect("keep", "x");
        expect("a", "new");
}

Test(props, empty_input)
{
        cr_assert_eq(parse(""), 0);
        cr_assert_eq(m.n, 0);
        cr_assert_eq(parse("# only a comment"), 0);
        cr_assert_eq(m.n, 0);
}

Test(props, malformed_unicode_names_line)
{
        cr_assert_eq(parse("a=1\n# c\nb=\\u12G4\nc=3\n"), -1);
        cr_assert_str_eq(err, "t.properties:3: Malformed \\uxxxx encoding: \\u12G4");
}

Test(props, truncated_unicode_is_malformed)
{
        cr_assert_eq(parse("a=1\nb=x\\u12"), -1);
        cr_assert_str_eq(err, "t.properties:2: Malformed \\uxxxx encoding: \\u12");
}

Test(props, malformed_unicode_in_key)
{
        cr_assert_eq(parse("\\uZZZZ=1\n"), -1);
        cr_assert_str_eq(err, "t.properties:1: Malformed \\uxxxx encoding: \\uZZZZ");
}

Test(props, error_names_line_where_logical_line_starts)
{
        cr_assert_eq(parse("\n\nkey=ok,\\\n   bad\\u00Q0\n"), -1);
        cr_assert_str_eq(err, "t.properties:3: Malformed \\uxxxx encoding: \\u00Q0");
}

Test(props, error_line_counts_crlf_once)
{
        cr_assert_eq(parse("a=1\r\nb=2\r\n\r\nc=\\uXXXX\r\n"), -1);
        cr_assert_str_eq(err, "t.properties:4: Malformed \\uxxxx encoding: \\uXXXX");
        ferry_strmap_clear(&m);
        cr_assert_eq(parse("a=1\rb=2\r\rc=\\uXXXX\r"), -1);
        cr_assert_str_eq(err, "t.properties:4: Malformed \\uxxxx encoding: \\uXXXX");
}

Test(props, nul_byte_is_an_error)
{
        static const char text[] = "a=1\nb=2\0x\nc=3\n";

        cr_assert_eq(parse_n(text, sizeof(text) - 1), -1);
        cr_assert_str_eq(err, "t.properties:2: NUL byte in input");
}

Test(props, escaped_nul_is_an_error)
{
        cr_assert_eq(parse("a=1\nb=x\\u0000y\n"), -1);
        cr_assert_str_eq(err, "t.properties:2: \\u0000 (NUL) is not supported");
}

Test(props, error_leaves_map_untouched)
{
        ferry_strmap_set(&m, "pre", "1");
        cr_assert_eq(parse("a=1\nb=\\uQQQQ\n"), -1);
        cr_assert_eq(m.n, 1);
        cr_assert_null(ferry_strmap_get(&m, "a"));
}

Test(props, load_reads_file)
{
        char path[] = "/tmp/ferry-props-XXXXXX";
        int fd = mkstemp(path);
        static const char body[] = "# worker\nbootstrap.servers=localhost:9092\ngroup.id = connect\n";

        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
        close(fd);
        cr_assert_eq(ferry_props_load(path, &m, err, sizeof(err)), 0, "%s", err);
        expect("bootstrap.servers", "localhost:9092");
        expect("group.id", "connect");
        unlink(path);
}

Test(props, load_error_names_file_and_line)
{
        char path[] = "/tmp/ferry-props-XXXXXX";
        int fd = mkstemp(path);
        static const char body[] = "a=1\nb=\\u12\n";
        char want[300];

        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
        close(fd);
        cr_assert_eq(ferry_props_load(path, &m, err, sizeof(err)), -1);
        snprintf(want, sizeof(want), "%s:2: Malformed \\uxxxx encoding: \\u12", path);
        cr_assert_str_eq(err, want);
        unlink(path);
}

Test(props, load_missing_file)
{
        cr_assert_eq(ferry_props_load("/nonexistent/ferry.properties", &m, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "/nonexistent/ferry.properties: No such file or directory");
}

Test(props, load_directory_is_an_error)
{
        cr_assert_eq(ferry_props_load("/tmp", &m, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "/tmp: Is a directory");
}
