/* Java SimpleDateFormat in UTC (ferry/datefmt.h): pattern compilation, formatting and lenient
 * parsing of epoch milliseconds, plus the proleptic Gregorian calendar arithmetic under them. Used
 * by the TimestampConverter and TimestampRouter plugins once per record, with formats compiled at
 * configure time. */
#include <ferry/buf.h>
#include <ferry/clock.h>
#include <ferry/datefmt.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int64_t ferry_floordiv(int64_t a, int64_t b)
{
        int64_t q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0)))
                q--;
        return q;
}

int64_t ferry_floormod(int64_t a, int64_t b)
{
        return a - ferry_floordiv(a, b) * b;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t ferry_days_from_civil(int64_t y, unsigned m, unsigned d)
{
        y -= m <= 2;
        int64_t era = ferry_floordiv(y, 400);
        int64_t yoe = y - era * 400;
        int64_t mp = (m + 9) % 12;
        int64_t doy = (153 * mp + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

void ferry_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
        z += 719468;
        int64_t era = ferry_floordiv(z, 146097);
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
        *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
        *y = yoe + era * 400 + (*m <= 2);
}

typedef struct {
        char letter; /* 0: literal text */
        int count;
        char *text;
} dtok_t;

struct ferry_datefmt {
        dtok_t *t;
        size_t n;
};

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};

static int add_tok(ferry_datefmt_t *f, char letter, int count, const char *text, size_t len)
{
        dtok_t *t = realloc(f->t, (f->n + 1) * sizeof(*t));
        if (!t)
                return -1;
        f->t = t;
        t[f->n].letter = letter;
        t[f->n].count = count;
        t[f->n].text = NULL;
        if (!letter) {
                t[f->n].text = malloc(len + 1);
                if (!t[f->n].text)
                        return -1;
                memcpy(t[f->n].text, text, len);
                t[f->n].text[len] = '\0';
        }
        f->n++;
        return 0;
}

ferry_datefmt_t *ferry_datefmt_compile(const char *p, char *errstr, size_t errstr_size)
{
        ferry_datefmt_t *f = calloc(1, sizeof(*f));
        ferry_buf_t lit;
        ferry_buf_init(&lit);
        if (!f)
                goto nomem;
        for (size_t i = 0; p[i];) {
                char c = p[i];
                if (c == '\'') {
                        if (p[i + 1] == '\'') {
                                ferry_buf_putc(&lit, '\'');
                                i += 2;
                                continue;
                        }
                        size_t k = i + 1;
                        for (;;) {
                                if (!p[k]) {
                                        snprintf(errstr, errstr_size, "Unterminated quote");
                                        goto fail;
                                }
                                if (p[k] == '\'' && p[k + 1] == '\'') {
                                        ferry_buf_putc(&lit, '\'');
                                        k += 2;
                                        continue;
                                }
                                if (p[k] == '\'')
                                        break;
                                ferry_buf_putc(&lit, p[k++]);
                        }
                        i = k + 1;
                        continue;
                }
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
                        ferry_buf_putc(&lit, c);
                        i++;
                        continue;
                }
                if (!strchr("GyYuMLdDEFaHkKhmsSzZX", c)) {
                        snprintf(errstr, errstr_size, "Illegal pattern character '%c'", c);
                        goto fail;
                }
                int count = 0;
                while (p[i] == c) {
                        count++;
                        i++;
                }
                if (c == 'X' && count > 3) {
                        snprintf(errstr, errstr_size, "invalid ISO 8601 format: length=%d", count);
                        goto fail;
                }
                if (lit.len) {
                        if (add_tok(f, 0, 0, lit.p, lit.len) < 0)
                                goto nomem;
                        ferry_buf_reset(&lit);
                }
                if (add_tok(f, c, count, NULL, 0) < 0)
                        goto nomem;
        }
        if (lit.len && add_tok(f, 0, 0, lit.p, lit.len) < 0)
                goto nomem;
        ferry_buf_free(&lit);
        return f;
nomem:
        snprintf(errstr, errstr_size, "out of memory");
fail:
        ferry_buf_free(&lit);
        ferry_datefmt_free(f);
        return NULL;
}

void ferry_datefmt_free(ferry_datefmt_t *f)
{
        if (!f)
                return;
        for (size_t i = 0; i < f->n; i++)
                free(f->t[i].text);
        free(f->t);
        free(f);
}

static void put_num(ferry_buf_t *b, int64_t v, int width)
{
        if (v < 0) {
                ferry_buf_putc(b, '-');
                v = -v;
        }
        ferry_buf_printf(b, "%0*lld", width, (long long)v);
}

char *ferry_datefmt_format(const ferry_datefmt_t *f, int64_t ms)
{
        int64_t days = ferry_floordiv(ms, 86400000);
        int64_t msd = ferry_floormod(ms, 86400000);
        int64_t y;
        unsigned mo, d;
        ferry_civil_from_days(days, &y, &mo, &d);
        int hour = (int)(msd / 3600000), min = (int)(msd / 60000 % 60), sec = (int)(msd / 1000 % 60);
        int milli = (int)(msd % 1000);
        int dow = (int)ferry_floormod(days + 4, 7); /* 0 = Sunday */
        int64_t doy = days - ferry_days_from_civil(y, 1, 1) + 1;
        ferry_buf_t b;
        ferry_buf_init(&b);
        for (size_t i = 0; i < f->n; i++) {
                const dtok_t *t = &f->t[i];
                int c = t->count;
                int64_t year = y > 0 ? y : 1 - y;
                switch (t->letter) {
                case 0:
                        ferry_buf_puts(&b, t->text);
                        break;
                case 'G':
                        ferry_buf_puts(&b, y > 0 ? "AD" : "BC");
                        break;
                case 'y':
                case 'Y':
                        if (c == 2)
                                put_num(&b, year % 100, 2);
                        else
                                put_num(&b, year, c);
                        break;
                case 'u':
                        put_num(&b, dow == 0 ? 7 : dow, c);
                        break;
                case 'M':
                case 'L':
                        if (c >= 4)
                                ferry_buf_puts(&b, month_names[mo - 1]);
                        else if (c == 3)
                                ferry_buf_append(&b, month_names[mo - 1], 3);
                        else
                                put_num(&b, mo, c);
                        break;
                case 'd':
                        put_num(&b, d, c);
                        break;
                case 'D':
                        put_num(&b, doy, c);
                        break;
                case 'F':
                        put_num(&b, (d - 1) / 7 + 1, c);
                        break;
                case 'E':
                        if (c >= 4)
                                ferry_buf_puts(&b, day_names[dow]);
                        else
                                ferry_buf_append(&b, day_names[dow], 3);
                        break;
                case 'a':
                        ferry_buf_puts(&b, hour < 12 ? "AM" : "PM");
                        break;
                case 'H':
                        put_num(&b, hour, c);
                        break;
                case 'k':
                        put_num(&b, hour == 0 ? 24 : hour, c);
                        break;
                case 'K':
                        put_num(&b, hour % 12, c);
                        break;
                case 'h':
                        put_num(&b, hour % 12 == 0 ? 12 : hour % 12, c);
                        break;
                case 'm':
                        put_num(&b, min, c);
                        break;
                case 's':
                        put_num(&b, sec, c);
                        break;
                case 'S':
                        put_num(&b, milli, c);
                        break;
                case 'z':
                        ferry_buf_puts(&b, c >= 4 ? "Coordinated Universal Time" : "UTC");
                        break;
                case 'Z':
                        ferry_buf_puts(&b, "+0000");
                        break;
                case 'X':
                        ferry_buf_putc(&b, 'Z');
                        break;
                }
        }
        if (ferry_buf_puts(&b, "") < 0) {
                ferry_buf_free(&b);
                return NULL;
        }
        return ferry_buf_steal(&b);
}

static bool is_numeric_letter(char l, int count)
{
        if (l == 'M' || l == 'L')
                return count <= 2;
        return l && strchr("yYudDFHkKhmsS", l) != NULL;
}

/* Matches one of names (full, or 3-letter short) case-insensitively; returns the index or -1. */
static int match_name(const char **s, const char *const *names, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(names[i]);
                if (!strncasecmp(*s, names[i], len)) {
                        *s += len;
                        return (int)i;
                }
        }
        for (size_t i = 0; i < n; i++) {
                if (!strncasecmp(*s, names[i], 3)) {
                        *s += 3;
                        return (int)i;
                }
        }
        return -1;
}

static int parse_offset(const char **s, int64_t *off_ms, bool allow_z)
{
        const char *p = *s;
        if (allow_z && (*p == 'Z' || *p == 'z')) {
                *s = p + 1;
                *off_ms = 0;
                return 0;
        }
        if (!strncasecmp(p, "GMT", 3) || !strncasecmp(p, "UTC", 3)) {
                p += 3;
                if (*p != '+' && *p != '-') {
                        *s = p;
                        *off_ms = 0;
                        return 0;
                }
        }
        if (*p != '+' && *p != '-')
                return -1;
        int sign = *p++ == '-' ? -1 : 1;
        if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
                return -1;
        int hh = (p[0] - '0') * 10 + (p[1] - '0'), mm = 0;
        p += 2;
        if (*p == ':')
                p++;
        if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1])) {
                mm = (p[0] - '0') * 10 + (p[1] - '0');
                p += 2;
        }
        *off_ms = sign * (int64_t)(hh * 3600000 + mm * 60000);
        *s = p;
        return 0;
}

int ferry_datefmt_parse(const ferry_datefmt_t *f, const char *text, int64_t *ms, char *errstr,
                        size_t errstr_size)
{
        int64_t year = 1970, month = 1, day = 1, doy = -1, hour = 0, min = 0, sec = 0, milli = 0, off = 0;
        int ampm = -1, hour12 = -1;
        bool two_digit_year = false;
        const char *s = text;
        for (size_t i = 0; i < f->n; i++) {
                const dtok_t *t = &f->t[i];
                if (!t->letter) {
                        size_t len = strlen(t->text);
                        if (strncmp(s, t->text, len) != 0)
                                goto bad;
                        s += len;
                        continue;
                }
                if (is_numeric_letter(t->letter, t->count)) {
                        bool abut = i + 1 < f->n && is_numeric_letter(f->t[i + 1].letter, f->t[i + 1].count);
                        bool neg = false;
                        if ((t->letter == 'y' || t->letter == 'Y') && *s == '-') {
                                neg = true;
                                s++;
                        }
                        int64_t v = 0;
                        int digits = 0;
                        while (isdigit((unsigned char)*s) && (!abut || digits < t->count) && digits < 18) {
                                v = v * 10 + (*s++ - '0');
                                digits++;
                        }
                        if (!digits)
                                goto bad;
                        if (neg)
                                v = -v;
                        switch (t->letter) {
                        case 'y':
                        case 'Y':
                                year = v;
                                two_digit_year = t->count <= 2 && digits == 2 && !neg;
                                break;
                        case 'M':
                        case 'L':
                                month = v;
                                break;
                        case 'd':
                                day = v;
                                break;
                        case 'D':
                                doy = v;
                                break;
                        case 'H':
                                hour = v;
                                break;
                        case 'k':
                                hour = v == 24 ? 0 : v;
                                break;
                        case 'K':
                        case 'h':
                                hour12 = (int)(v % 12);
                                break;
                        case 'm':
                                min = v;
                                break;
                        case 's':
                                sec = v;
                                break;
                        case 'S':
                                milli = v;
                                break;
                        default: /* u, F: read and ignored */
                                break;
                        }
                        continue;
                }
                switch (t->letter) {
                case 'M':
                case 'L': {
                        int m = match_name(&s, month_names, 12);
                        if (m < 0)
                                goto bad;
                        month = m + 1;
                        break;
                }
                case 'E':
                        if (match_name(&s, day_names, 7) < 0)
                                goto bad;
                        break;
                case 'a':
                        if (!strncasecmp(s, "AM", 2))
                                ampm = 0;
                        else if (!strncasecmp(s, "PM", 2))
                                ampm = 1;
                        else
                                goto bad;
                        s += 2;
                        break;
                case 'G':
                        if (!strncasecmp(s, "AD", 2) || !strncasecmp(s, "BC", 2))
                                s += 2;
                        else
                                goto bad;
                        break;
                case 'z':
                case 'Z':
                        if (!strncasecmp(s, "Coordinated Universal Time", 26)) {
                                s += 26;
                                off = 0;
                        } else if (parse_offset(&s, &off, false) < 0) {
                                goto bad;
                        }
                        break;
                case 'X':
                        if (parse_offset(&s, &off, true) < 0)
                                goto bad;
                        break;
                }
        }
        if (two_digit_year) {
                /* SimpleDateFormat: within 80 years before and 20 years after now. */
                int64_t now_year;
                unsigned nm, nd;
                ferry_civil_from_days(ferry_floordiv(ferry_wall_ms(), 86400000), &now_year, &nm, &nd);
                int64_t start = now_year - 80;
                int64_t y = start - ferry_floormod(start, 100) + year;
                if (y < start)
                        y += 100;
                year = y;
        }
        if (hour12 >= 0)
                hour = hour12 + (ampm == 1 ? 12 : 0);
        else if (ampm == 1 && hour < 12)
                hour += 12;
        int64_t days;
        if (doy > 0 && month == 1 && day == 1) {
                days = ferry_days_from_civil(year, 1, 1) + doy - 1;
        } else {
                /* lenient, as SimpleDateFormat is by default: out-of-range fields roll over */
                year += ferry_floordiv(month - 1, 12);
                month = ferry_floormod(month - 1, 12) + 1;
                days = ferry_days_from_civil(year, (unsigned)month, 1) + day - 1;
        }
        *ms = days * 86400000 + hour * 3600000 + min * 60000 + sec * 1000 + milli - off;
        return 0;
bad:
        snprintf(errstr, errstr_size, "Unparseable date: \"%s\"", text);
        return -1;
}
