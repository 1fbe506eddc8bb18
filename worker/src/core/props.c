/* Java .properties parsing (java.util.Properties.load rules).
 *
 * Data flow: the worker's command line names a worker .properties file and, in standalone mode,
 * connector .properties files; ferry_props_load reads them into a ferry_strmap_t, which config.c
 * then validates against the worker or connector config table. The reader mirrors Java's
 * LineReader (logical lines, comments, continuations) and loadConvert (escapes) so files written
 * for Apache Kafka Connect load unchanged. Bytes pass through as they are (UTF-8 text stays UTF-8;
 * Java would read the stream as ISO-8859-1), and \uXXXX escapes are encoded as UTF-8. */
#include "ferry/buf.h"
#include "ferry/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
        const char *p;
        size_t len, off;
        size_t line; /* physical line of the next byte, 1-based */
        const char *name;
        char *errstr;
        size_t errstr_size;
} props_reader_t;

static void props_error(props_reader_t *r, size_t line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void props_error(props_reader_t *r, size_t line, const char *fmt, ...)
{
        char msg[128];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(r->errstr, r->errstr_size, "%s:%zu: %s", r->name, line, msg);
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\f';
}

/* Reads the next logical line into lb, as Java 9+'s Properties.LineReader does: blank lines and
 * comment lines (first non-blank character '#' or '!') are skipped; a line ending in an odd number
 * of backslashes continues on the next one, minus that backslash and the next line's leading
 * blanks. Returns 1 with a line (which may be empty, as in Java for a lone "\" at the end of the
 * input), 0 at end of input, -1 on error. *start receives the physical line (1-based) where the
 * logical line begins. */
static int read_logical_line(props_reader_t *r, ferry_buf_t *lb, size_t *start)
{
        bool skip_ws = true, comment = false, appended = false, backslash = false, skip_lf = false;

        ferry_buf_reset(lb);
        *start = r->line;
        for (;;) {
                char c;
                size_t cline;

                if (r->off >= r->len) {
                        if (lb->len == 0)
                                return 0;
                        if (backslash)
                                lb->p[--lb->len] = '\0';
                        return 1;
                }
                c = r->p[r->off++];
                cline = r->line;
                if (c == '\r' || (c == '\n' && !(r->off >= 2 && r->p[r->off - 2] == '\r')))
                        r->line++;
                if (skip_lf) {
                        skip_lf = false;
                        if (c == '\n')
                                continue;
                }
                if (skip_ws) {
                        if (is_blank(c))
                                continue;
                        if (!appended && (c == '\r' || c == '\n'))
                                continue;
                        skip_ws = false;
                        if (!appended)
                                *start = cline;
                        appended = false;
                }
                if (c == '\0') {
                        props_error(r, *start, "NUL byte in input");
                        return -1;
                }
                if (comment) {
                        if (c == '\r' || c == '\n') {
                                comment = false;
                                skip_ws = true;
                        }
                        continue;
                }
                if (lb->len == 0 && (c == '#' || c == '!')) {
                        comment = true;
                        continue;
                }
                if (c != '\n' && c != '\r') {
                        if (ferry_buf_putc(lb, c) != 0) {
                                props_error(r, *start, "out of memory");
                                return -1;
                        }
                        backslash = c == '\\' ? !backslash : false;
                        continue;
                }
                /* end of a physical line */
                if (lb->len == 0) {
                        skip_ws = true;
                        continue;
                }
                if (r->off >= r->len) {
                        if (backslash)
                                lb->p[--lb->len] = '\0';
                        return 1;
                }
                if (!backslash)
                        return 1;
                lb->p[--lb->len] = '\0'; /* the continuation backslash */
                skip_ws = true;
                appended = true;
                backslash = false;
                if (c == '\r')
                        skip_lf = true;
        }
}

static int hex4(const char *s, size_t n, unsigned *out)
{
        unsigned v = 0;

        if (n < 4)
                return -1;
        for (int i = 0; i < 4; i++) {
                char c = s[i];

                if (c >= '0' && c <= '9')
                        v = (v << 4) | (unsigned)(c - '0');
                else if (c >= 'a' && c <= 'f')
                        v = (v << 4) | (unsigned)(c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v = (v << 4) | (unsigned)(c - 'A' + 10);
                else
                        return -1;
        }
        *out = v;
        return 0;
}

static int put_utf8(ferry_buf_t *b, uint32_t cp)
{
        char u[4];
        size_t n;

        if (cp < 0x80) {
                u[0] = (char)cp;
                n = 1;
        } else if (cp < 0x800) {
                u[0] = (char)(0xC0 | (cp >> 6));
                u[1] = (char)(0x80 | (cp & 0x3F));
                n = 2;
        } else if (cp < 0x10000) {
                u[0] = (char)(0xE0 | (cp >> 12));
                u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                u[2] = (char)(0x80 | (cp & 0x3F));
                n = 3;
        } else {
                u[0] = (char)(0xF0 | (cp >> 18));
                u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
                u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
                u[3] = (char)(0x80 | (cp & 0x3F));
                n = 4;
        }
        return ferry_buf_append(b, u, n);
}

/* Java's loadConvert: resolves escapes in s[0..n) into out. */
static int unescape(props_reader_t *r, size_t line, const char *s, size_t n, ferry_buf_t *out)
{
        size_t i = 0;

        ferry_buf_reset(out);
        if (ferry_buf_reserve(out, n) != 0)
                goto nomem;
        while (i < n) {
                char c = s[i++];
                unsigned u, lo;
                uint32_t cp;

                if (c != '\\') {
                        if (ferry_buf_putc(out, c) != 0)
                                goto nomem;
                        continue;
                }
                if (i >= n)
                        break; /* a lone trailing backslash vanishes */
                c = s[i++];
                if (c != 'u') {
                        if (c == 't')
                                c = '\t';
                        else if (c == 'r')
                                c = '\r';
                        else if (c == 'n')
                                c = '\n';
                        else if (c == 'f')
                                c = '\f';
                        if (ferry_buf_putc(out, c) != 0)
                                goto nomem;
                        continue;
                }
                if (hex4(s + i, n - i, &u) != 0) {
                        size_t shown = n - i < 4 ? n - i : 4;

                        props_error(r, line, "Malformed \\uxxxx encoding: \\u%.*s", (int)shown, s + i);
                        return -1;
                }
                i += 4;
                cp = u;
                if (u >= 0xD800 && u <= 0xDBFF && n - i >= 6 && s[i] == '\\' && s[i + 1] == 'u' &&
                    hex4(s + i + 2, n - i - 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                } else if (u >= 0xD800 && u <= 0xDFFF) {
                        cp = 0xFFFD; /* unpaired surrogate */
                } else if (u == 0) {
                        props_error(r, line, "\\u0000 (NUL) is not supported");
                        return -1;
                }
                if (put_utf8(out, cp) != 0)
                        goto nomem;
        }
        if (ferry_buf_reserve(out, 0) != 0)
                goto nomem;
        return 0;
nomem:
        props_error(r, line, "out of memory");
        return -1;
}

int ferry_props_parse(const char *text, size_t len, const char *name, ferry_strmap_t *out, char *errstr,
                      size_t errstr_size)
{
        props_reader_t r = {
                .p = text,
                .len = text ? len : 0,
                .line = 1,
                .name = name ? name : "(properties)",
                .errstr = errstr,
                .errstr_size = errstr_size,
        };
        ferry_strmap_t tmp;
        ferry_buf_t lb, key, val;
        size_t start;
        int rc, ret = -1;

        if (errstr_size)
                errstr[0] = '\0';
        ferry_strmap_init(&tmp);
        ferry_buf_init(&lb);
        ferry_buf_init(&key);
        ferry_buf_init(&val);
        while ((rc = read_logical_line(&r, &lb, &start)) == 1) {
                const char *s = lb.p ? lb.p : "";
                size_t limit = lb.len, key_len = 0, value_start = limit;
                bool has_sep = false, backslash = false;

                /* The key ends at the first unescaped '=', ':' or blank. */
                while (key_len < limit) {
                        char c = s[key_len];

                        if ((c == '=' || c == ':') && !backslash) {
                                value_start = key_len + 1;
                                has_sep = true;
                                break;
                        }
                        if (is_blank(c) && !backslash) {
                                value_start = key_len + 1;
                                break;
                        }
                        backslash = c == '\\' ? !backslash : false;
                        key_len++;
                }
                /* Blanks around the separator, and one '='/':' after blanks, are skipped. */
                while (value_start < limit) {
                        char c = s[value_start];

                        if (!is_blank(c)) {
                                if (!has_sep && (c == '=' || c == ':'))
                                        has_sep = true;
                                else
                                        break;
                        }
                        value_start++;
                }
                if (unescape(&r, start, s, key_len, &key) != 0 ||
                    unescape(&r, start, s + value_start, limit - value_start, &val) != 0)
                        goto out;
                if (ferry_strmap_setn(&tmp, key.p, key.len, val.p, val.len) != 0) {
                        props_error(&r, start, "out of memory");
                        goto out;
                }
        }
        if (rc < 0)
                goto out;
        for (size_t i = 0; i < tmp.n; i++) {
                if (ferry_strmap_set(out, tmp.kv[i].key, tmp.kv[i].value) != 0) {
                        snprintf(errstr, errstr_size, "%s: out of memory", r.name);
                        goto out;
                }
        }
        ret = 0;
out:
        ferry_buf_free(&lb);
        ferry_buf_free(&key);
        ferry_buf_free(&val);
        ferry_strmap_free(&tmp);
        return ret;
}

int ferry_props_load(const char *path, ferry_strmap_t *out, char *errstr, size_t errstr_size)
{
        ferry_buf_t b;
        char chunk[8192];
        size_t n;
        FILE *f;
        int ret;

        if (errstr_size)
                errstr[0] = '\0';
        f = fopen(path, "rb");
        if (!f) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                return -1;
        }
        ferry_buf_init(&b);
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
                if (ferry_buf_append(&b, chunk, n) != 0) {
                        snprintf(errstr, errstr_size, "%s: %s", path, strerror(ENOMEM));
                        fclose(f);
                        ferry_buf_free(&b);
                        return -1;
                }
        }
        if (ferror(f)) {
                int err = errno ? errno : EIO;

                snprintf(errstr, errstr_size, "%s: %s", path, strerror(err));
                fclose(f);
                ferry_buf_free(&b);
                return -1;
        }
        fclose(f);
        ret = ferry_props_parse(b.p ? b.p : "", b.len, path, out, errstr, errstr_size);
        ferry_buf_free(&b);
        return ret;
}
