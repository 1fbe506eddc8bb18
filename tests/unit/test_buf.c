/* Unit tests for buf.c (growable byte buffer) and errors.c (error code tables). */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ferry/buf.h"
#include "ferry/errors.h"

Test(buf, init_is_empty)
{
        ferry_buf_t b;

        ferry_buf_init(&b);
        cr_assert_null(b.p);
        cr_assert_eq(b.len, 0);
        cr_assert_eq(b.cap, 0);
        ferry_buf_free(&b);
}

Test(buf, append_puts_putc)
{
        ferry_buf_t b;

        ferry_buf_init(&b);
        cr_assert_eq(ferry_buf_append(&b, "abc", 3), 0);
        cr_assert_eq(ferry_buf_puts(&b, "def"), 0);
        cr_assert_eq(ferry_buf_putc(&b, '!'), 0);
        cr_assert_eq(b.len, 7);
        cr_assert_str_eq(b.p, "abcdef!");
        cr_assert_gt(b.cap, b.len);
        ferry_buf_free(&b);
        cr_assert_null(b.p);
        cr_assert_eq(b.len, 0);
}

Test(buf, empty_append_gives_empty_string)
{
        ferry_buf_t b;

        ferry_buf_init(&b);
        cr_assert_eq(ferry_buf_append(&b, NULL, 0), 0);
        cr_assert_not_null(b.p);
        cr_assert_str_eq(b.p, "");
        ferry_buf_free(&b);
}

Test(buf, binary_data_with_nul)
{
        ferry_buf_t b;

        ferry_buf_init(&b);
        cr_assert_eq(ferry_buf_append(&b, "a\0b", 3), 0);
        cr_assert_eq(b.len, 3);
        cr_assert_eq(memcmp(b.p, "a\0b", 3), 0);
        cr_assert_eq(b.p[3], '\0');
        ferry_buf_free(&b);
}

Test(buf, grows_across_many_appends)
{
        ferry_buf_t b;

        ferry_buf_init(&b);
        for (int i = 0; i < 10000; i++)
                cr_assert_eq(ferry_buf_putc(&b, (char)('a' + i % 26)), 0);
        cr_assert_eq(b.len, 10000);
        cr_assert_eq(strlen(b.p), 10000);
        cr_assert_eq(b.p[26], 'a');
        cr_assert_eq(b.p[9999], (char)('a' + 9999 % 26));
        ferry_buf_free(&b);
}

Test(buf, reserve_makes_room_without_changing_len)
{
        ferry_buf_t b;

        ferry_buf_init(&b);
        ferry_buf_puts(&b, "xy");
        cr_assert_eq(ferry_buf_reserve(&b, 1000), 0);
        cr_assert_geq(b.cap, b.len + 1000 + 1);
        cr_assert_eq(b.len, 2);
        cr_assert_str_eq(b.p, "xy");
        cr_assert_eq(ferry_buf_reserve(&b, (size_t)-1), -1);
        cr_assert_str_eq(b.p, "xy");
        ferry_buf_free(&b);
}

Test(buf, printf_appends_and_grows)
{
        ferry_buf_t b;
        char big[300];

        memset(big, 'z', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        ferry_buf_init(&b);
        cr_assert_eq(ferry_buf_printf(&b, "%d-%s", 42, "x"), 0);
        cr_assert_str_eq(b.p, "42-x");
        cr_assert_eq(ferry_buf_printf(&b, "[%s]", big), 0);
        cr_assert_eq(b.len, 4 + 2 + 299);
        cr_assert_eq(strncmp(b.p, "42-x[zzz", 8), 0);
        cr_assert_eq(b.p[b.len - 1], ']');
        cr_assert_eq(strlen(b.p), b.len);
        ferry_buf_free(&b);
}

static int via_vprintf(ferry_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int via_vprintf(ferry_buf_t *b, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = ferry_buf_vprintf(b, fmt, ap);
        va_end(ap);
        return r;
}

Test(buf, vprintf)
{
        ferry_buf_t b;

        ferry_buf_init(&b);
        cr_assert_eq(via_vprintf(&b, "%s=%u", "n", 7u), 0);
        cr_assert_str_eq(b.p, "n=7");
        ferry_buf_free(&b);
}

Test(buf, reset_keeps_memory)
{
        ferry_buf_t b;
        char *p;
        size_t cap;

        ferry_buf_init(&b);
        ferry_buf_puts(&b, "hello");
        p = b.p;
        cap = b.cap;
        ferry_buf_reset(&b);
        cr_assert_eq(b.len, 0);
        cr_assert_eq(b.p, p);
        cr_assert_eq(b.cap, cap);
        cr_assert_str_eq(b.p, "");
        ferry_buf_puts(&b, "x");
        cr_assert_str_eq(b.p, "x");
        ferry_buf_free(&b);
}

Test(buf, steal_hands_over_and_reinitialises)
{
        ferry_buf_t b;
        char *s;

        ferry_buf_init(&b);
        ferry_buf_puts(&b, "taken");
        s = ferry_buf_steal(&b);
        cr_assert_str_eq(s, "taken");
        cr_assert_null(b.p);
        cr_assert_eq(b.len, 0);
        cr_assert_eq(b.cap, 0);
        free(s);
        s = ferry_buf_steal(&b);
        cr_assert_not_null(s);
        cr_assert_str_eq(s, "");
        free(s);
}

Test(buf, read_file_appends_the_whole_file)
{
        char path[] = "/tmp/ferry-buf-test.XXXXXX";
        int fd = mkstemp(path);
        cr_assert_geq(fd, 0);
        /* Bigger than one read chunk, with NUL bytes inside. */
        static char data[20000];
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (char)(i % 251);
        cr_assert_eq(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
        close(fd);
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_buf_puts(&b, "head:");
        cr_assert_eq(ferry_buf_read_file(&b, path), 0);
        cr_assert_eq(b.len, 5 + sizeof(data));
        cr_assert_eq(memcmp(b.p, "head:", 5), 0);
        cr_assert_eq(memcmp(b.p + 5, data, sizeof(data)), 0);
        cr_assert_eq(b.p[b.len], '\0');
        unlink(path);
        errno = 0;
        cr_assert_eq(ferry_buf_read_file(&b, path), -1);
        cr_assert_eq(errno, ENOENT);
        cr_assert_eq(b.len, 5 + sizeof(data));
        ferry_buf_free(&b);
}

Test(errors, descriptions_and_names)
{
        cr_assert_str_eq(ferry_err2str(FERRY_ERR_OK), "success");
        cr_assert_str_eq(ferry_err2str(FERRY_ERR_NOT_FOUND), "not found");
        cr_assert_str_eq(ferry_err2str(FERRY_ERR_FATAL), "fatal error");
        cr_assert_str_eq(ferry_err2name(FERRY_ERR_NOT_FOUND), "NOT_FOUND");
        cr_assert_str_eq(ferry_err2name(FERRY_ERR_INVALID_CONFIG), "INVALID_CONFIG");
        cr_assert_str_eq(ferry_err2name(FERRY_ERR_OK), "OK");
}

Test(errors, every_code_has_text)
{
        for (int e = 0; e < FERRY_ERR__END; e++) {
                cr_assert_not_null(ferry_err2str((ferry_err_t)e));
                cr_assert_not_null(ferry_err2name((ferry_err_t)e));
                cr_assert_neq(strcmp(ferry_err2str((ferry_err_t)e), "unknown error"), 0);
        }
}

Test(errors, out_of_range_codes)
{
        cr_assert_str_eq(ferry_err2str(FERRY_ERR__END), "unknown error");
        cr_assert_str_eq(ferry_err2str((ferry_err_t)-1), "unknown error");
        cr_assert_str_eq(ferry_err2name((ferry_err_t)999), "UNKNOWN");
}

Test(buf, put_int_as_printf)
{
        const int64_t cases[] = {0, 1, -1, 9, 10, -10, 123456789, 4294967296LL, INT64_MAX, INT64_MIN};
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                ferry_buf_t a, b;
                ferry_buf_init(&a);
                ferry_buf_init(&b);
                cr_assert_eq(ferry_buf_puts(&a, "x"), 0);
                cr_assert_eq(ferry_buf_puts(&b, "x"), 0);
                cr_assert_eq(ferry_buf_put_int(&a, cases[i]), 0);
                cr_assert_eq(ferry_buf_printf(&b, "%lld", (long long)cases[i]), 0);
                cr_assert_str_eq(a.p, b.p);
                cr_assert_eq(a.len, b.len);
                ferry_buf_free(&a);
                ferry_buf_free(&b);
        }
}
