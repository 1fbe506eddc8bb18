/* Growable byte buffer (ferry_buf_t).
 *
 * Sits under everything that builds bytes: converters serialise records into one, the REST layer
 * renders JSON into one, the properties parser collects logical lines in one. The buffer is always
 * NUL-terminated once it owns memory, so its contents can be used as a C string when they are
 * text. All functions return 0 on success and -1 when memory runs out (errno = ENOMEM). */
#include "ferry/buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FERRY_BUF_MIN_CAP 64

void ferry_buf_init(ferry_buf_t *b)
{
        b->p = NULL;
        b->len = 0;
        b->cap = 0;
}

void ferry_buf_reset(ferry_buf_t *b)
{
        b->len = 0;
        if (b->p)
                b->p[0] = '\0';
}

void ferry_buf_free(ferry_buf_t *b)
{
        free(b->p);
        ferry_buf_init(b);
}

/* Makes room for `extra` more bytes plus the terminating NUL. */
int ferry_buf_reserve(ferry_buf_t *b, size_t extra)
{
        size_t need, cap;
        char *p;

        if (extra > SIZE_MAX - 1 - b->len) {
                errno = ENOMEM;
                return -1;
        }
        need = b->len + extra + 1;
        if (b->p && need <= b->cap)
                return 0;
        cap = b->cap ? b->cap : FERRY_BUF_MIN_CAP;
        while (cap < need) {
                if (cap > SIZE_MAX / 2) {
                        cap = need;
                        break;
                }
                cap *= 2;
        }
        p = realloc(b->p, cap);
        if (!p) {
                errno = ENOMEM;
                return -1;
        }
        if (!b->p)
                p[0] = '\0';
        b->p = p;
        b->cap = cap;
        return 0;
}

int ferry_buf_append(ferry_buf_t *b, const void *p, size_t n)
{
        if (ferry_buf_reserve(b, n) != 0)
                return -1;
        if (n)
                memcpy(b->p + b->len, p, n);
        b->len += n;
        b->p[b->len] = '\0';
        return 0;
}

int ferry_buf_puts(ferry_buf_t *b, const char *s)
{
        return ferry_buf_append(b, s, strlen(s));
}

int ferry_buf_putc(ferry_buf_t *b, char c)
{
        return ferry_buf_append(b, &c, 1);
}

int ferry_buf_put_int(ferry_buf_t *b, int64_t v)
{
        char tmp[20];
        size_t n = 0;
        /* Digits of the magnitude, last first; unsigned, so INT64_MIN has one. */
        uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        do {
                tmp[sizeof(tmp) - 1 - n++] = (char)('0' + u % 10);
                u /= 10;
        } while (u);
        if (v < 0)
                tmp[sizeof(tmp) - 1 - n++] = '-';
        return ferry_buf_append(b, tmp + sizeof(tmp) - n, n);
}

int ferry_buf_vprintf(ferry_buf_t *b, const char *fmt, va_list ap)
{
        va_list ap2;
        int n;

        /* First try to format into the space already there; retry once with the exact size. */
        if (ferry_buf_reserve(b, 0) != 0)
                return -1;
        va_copy(ap2, ap);
        n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap2);
        va_end(ap2);
        if (n < 0) {
                b->p[b->len] = '\0';
                return -1;
        }
        if ((size_t)n >= b->cap - b->len) {
                if (ferry_buf_reserve(b, (size_t)n) != 0) {
                        b->p[b->len] = '\0';
                        return -1;
                }
                va_copy(ap2, ap);
                n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap2);
                va_end(ap2);
                if (n < 0) {
                        b->p[b->len] = '\0';
                        return -1;
                }
        }
        b->len += (size_t)n;
        return 0;
}

int ferry_buf_printf(ferry_buf_t *b, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = ferry_buf_vprintf(b, fmt, ap);
        va_end(ap);
        return r;
}

char *ferry_buf_steal(ferry_buf_t *b)
{
        char *p;

        if (ferry_buf_reserve(b, 0) != 0)
                return NULL;
        p = b->p;
        ferry_buf_init(b);
        return p;
}

int ferry_buf_read_file(ferry_buf_t *b, const char *path)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return -1;
        char chunk[8192];
        size_t r;
        int rc = 0;
        while (rc == 0 && (r = fread(chunk, 1, sizeof(chunk), f)) > 0)
                if (ferry_buf_append(b, chunk, r) < 0) {
                        errno = ENOMEM;
                        rc = -1;
                }
        if (rc == 0 && ferror(f)) {
                errno = EIO;
                rc = -1;
        }
        fclose(f);
        return rc;
}
