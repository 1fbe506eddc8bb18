/* SQL columns to Connect schemas and values, as Confluent's JDBC source builds them: the type
 * mapping (numeric.mapping rules, Decimal with scale and connect.decimal.precision, Date, Time and
 * Timestamp logical types), the text of a cell to a value, and the date/time text both directions
 * (the source binds its timestamp offsets as text). Pure: no client library. */
#include "jdbc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void jdbc_columns_free(jdbc_column_t *cols, size_t n)
{
        if (!cols)
                return;
        for (size_t i = 0; i < n; i++) {
                free(cols[i].name);
                free(cols[i].type_name);
        }
        free(cols);
}

void jdbc_result_free(jdbc_result_t *r)
{
        if (r && r->free)
                r->free(r);
        if (r)
                memset(r, 0, sizeof(*r));
}

int jdbc_numeric_mapping_parse(const char *s)
{
        static const char *const names[] = {"none", "precision_only", "best_fit", "best_fit_eager_double"};
        for (int i = 0; i < 4; i++)
                if (s && !strcasecmp(s, names[i]))
                        return i;
        return -1;
}

static ferry_schema_t *prim(ferry_type_t t, bool optional)
{
        ferry_schema_t *s = ferry_schema_new(t);
        if (s)
                ferry_schema_set_optional(s, optional);
        return s;
}

static ferry_schema_t *int_for_precision(int precision, bool optional)
{
        ferry_type_t t = precision > 9   ? FERRY_TYPE_INT64
                         : precision > 4 ? FERRY_TYPE_INT32
                         : precision > 2 ? FERRY_TYPE_INT16
                                         : FERRY_TYPE_INT8;
        return prim(t, optional);
}

ferry_schema_t *jdbc_column_schema(const jdbc_column_t *c, jdbc_numeric_mapping_t m)
{
        bool opt = c->nullable;
        switch (c->type) {
        case JDBC_T_BOOL:
                return prim(FERRY_TYPE_BOOLEAN, opt);
        case JDBC_T_BITS:
        case JDBC_T_BYTES:
                return prim(FERRY_TYPE_BYTES, opt);
        case JDBC_T_INT8:
                return prim(FERRY_TYPE_INT8, opt);
        case JDBC_T_INT16:
                return prim(FERRY_TYPE_INT16, opt);
        case JDBC_T_INT32:
                return prim(FERRY_TYPE_INT32, opt);
        case JDBC_T_INT64:
                return prim(FERRY_TYPE_INT64, opt);
        case JDBC_T_FLOAT32:
                return prim(FERRY_TYPE_FLOAT32, opt);
        case JDBC_T_FLOAT64:
                return prim(FERRY_TYPE_FLOAT64, opt);
        case JDBC_T_STRING:
                return prim(FERRY_TYPE_STRING, opt);
        case JDBC_T_DATE:
        case JDBC_T_TIME:
        case JDBC_T_TIMESTAMP: {
                ferry_schema_t *s = ferry_schema_logical(c->type == JDBC_T_DATE   ? FERRY_LOGICAL_DATE
                                                         : c->type == JDBC_T_TIME ? FERRY_LOGICAL_TIME
                                                                                  : FERRY_LOGICAL_TIMESTAMP);
                if (s)
                        ferry_schema_set_optional(s, opt);
                return s;
        }
        case JDBC_T_NUMERIC: {
                int p = c->precision, sc = c->scale;
                if (m == JDBC_NUMERIC_PRECISION_ONLY) {
                        if (sc == 0 && p > 0 && p <= 18)
                                return int_for_precision(p, opt);
                } else if (m == JDBC_NUMERIC_BEST_FIT) {
                        if (p > 0 && p <= 18) {
                                if (sc < 1 && sc >= -84)
                                        return int_for_precision(p, opt);
                                if (sc > 0)
                                        return prim(FERRY_TYPE_FLOAT64, opt);
                        }
                } else if (m == JDBC_NUMERIC_BEST_FIT_EAGER_DOUBLE) {
                        if (sc > 0)
                                return prim(FERRY_TYPE_FLOAT64, opt);
                        if (p > 0 && p <= 18 && sc < 1 && sc >= -84)
                                return int_for_precision(p, opt);
                }
                ferry_schema_t *s = ferry_schema_decimal(sc);
                if (!s)
                        return NULL;
                char pb[16];
                snprintf(pb, sizeof(pb), "%d", p);
                ferry_schema_set_param(s, "connect.decimal.precision", pb);
                ferry_schema_set_optional(s, opt);
                return s;
        }
        case JDBC_T_UNKNOWN:
                break;
        }
        return NULL;
}

/* ---- dates and times ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        unsigned yoe = (unsigned)(y - era * 400);
        unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
        z += 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t yy = (int64_t)yoe + era * 400;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;
        *d = doy - (153 * mp + 2) / 5 + 1;
        *m = mp < 10 ? mp + 3 : mp - 9;
        *y = yy + (*m <= 2);
}

/* Reads exactly n digits. */
static int digits(const char *s, size_t len, size_t *i, int n, int *out)
{
        int v = 0;
        for (int k = 0; k < n; k++) {
                if (*i >= len || !isdigit((unsigned char)s[*i]))
                        return -1;
                v = v * 10 + (s[(*i)++] - '0');
        }
        *out = v;
        return 0;
}

static int parse_date_at(const char *s, size_t len, size_t *i, int64_t *days)
{
        int y, mo, d;
        size_t start = *i;
        while (*i < len && isdigit((unsigned char)s[*i]))
                (*i)++;
        size_t yl = *i - start;
        *i = start;
        if (yl < 4 || yl > 6 || digits(s, len, i, (int)yl, &y) < 0 || *i >= len || s[(*i)++] != '-' ||
            digits(s, len, i, 2, &mo) < 0 || *i >= len || s[(*i)++] != '-' || digits(s, len, i, 2, &d) < 0)
                return -1;
        if (mo < 1 || mo > 12 || d < 1 || d > 31)
                return -1;
        *days = days_from_civil(y, (unsigned)mo, (unsigned)d);
        return 0;
}

/* HH:MM:SS[.f{1,9}] -> ms of the day and nanos of the second. */
static int parse_time_at(const char *s, size_t len, size_t *i, int64_t *ms, int32_t *nanos)
{
        int h, mi, se;
        if (digits(s, len, i, 2, &h) < 0 || *i >= len || s[(*i)++] != ':' || digits(s, len, i, 2, &mi) < 0 ||
            *i >= len || s[(*i)++] != ':' || digits(s, len, i, 2, &se) < 0)
                return -1;
        if (h > 24 || mi > 59 || se > 60)
                return -1;
        int32_t ns = 0;
        if (*i < len && s[*i] == '.') {
                (*i)++;
                int nd = 0;
                while (*i < len && isdigit((unsigned char)s[*i])) {
                        if (nd < 9) {
                                ns = ns * 10 + (s[*i] - '0');
                                nd++;
                        }
                        (*i)++;
                }
                if (nd == 0)
                        return -1;
                for (; nd < 9; nd++)
                        ns *= 10;
        }
        *ms = ((int64_t)h * 3600 + mi * 60 + se) * 1000 + ns / 1000000;
        *nanos = ns;
        return 0;
}

/* [+-]HH[:MM[:SS]] -> seconds east of UTC. */
static int parse_offset_at(const char *s, size_t len, size_t *i, int64_t *secs)
{
        if (*i >= len)
                return 0;
        int sign = s[*i] == '-' ? -1 : s[*i] == '+' ? 1 : 0;
        if (!sign)
                return -1;
        (*i)++;
        int h, m = 0, sec = 0;
        if (digits(s, len, i, 2, &h) < 0)
                return -1;
        if (*i < len && s[*i] == ':') {
                (*i)++;
                if (digits(s, len, i, 2, &m) < 0)
                        return -1;
                if (*i < len && s[*i] == ':') {
                        (*i)++;
                        if (digits(s, len, i, 2, &sec) < 0)
                                return -1;
                }
        }
        *secs = sign * ((int64_t)h * 3600 + m * 60 + sec);
        return 0;
}

int jdbc_parse_date(const char *s, size_t len, int32_t *days)
{
        size_t i = 0;
        int64_t d;
        if (parse_date_at(s, len, &i, &d) < 0)
                return -1;
        if (i + 3 == len && !strncmp(s + i, " BC", 3))
                return -1;
        if (i != len || d < INT32_MIN || d > INT32_MAX)
                return -1;
        *days = (int32_t)d;
        return 0;
}

/* Time of day text; *zoned when it carries its own offset (timetz). */
static int parse_time_z(const char *s, size_t len, int64_t *out, bool *zoned)
{
        size_t i = 0;
        int64_t m, off = 0;
        int32_t ns;
        if (parse_time_at(s, len, &i, &m, &ns) < 0)
                return -1;
        size_t at = i;
        if (parse_offset_at(s, len, &i, &off) < 0 || i != len)
                return -1;
        *zoned = i > at;
        *out = m - off * 1000;
        return 0;
}

int jdbc_parse_time(const char *s, size_t len, int32_t *ms)
{
        int64_t m;
        bool zoned;
        if (parse_time_z(s, len, &m, &zoned) < 0)
                return -1;
        m %= 86400000;
        if (m < 0)
                m += 86400000;
        *ms = (int32_t)m;
        return 0;
}

static int parse_ts(const char *s, size_t len, int64_t *ms, int32_t *nanos, bool *zoned)
{
        size_t i = 0;
        int64_t days, tm = 0, off = 0;
        int32_t ns = 0;
        *zoned = false;
        if (parse_date_at(s, len, &i, &days) < 0)
                return -1;
        if (i < len && (s[i] == ' ' || s[i] == 'T')) {
                i++;
                if (parse_time_at(s, len, &i, &tm, &ns) < 0)
                        return -1;
                size_t at = i;
                if (i < len && s[i] == 'Z')
                        i++;
                else if (parse_offset_at(s, len, &i, &off) < 0)
                        return -1;
                *zoned = i > at;
        }
        if (i != len)
                return -1;
        *ms = days * 86400000 + tm - off * 1000;
        *nanos = ns;
        return 0;
}

int jdbc_parse_timestamp(const char *s, size_t len, int64_t *ms, int32_t *nanos)
{
        bool zoned;
        return parse_ts(s, len, ms, nanos, &zoned);
}

int jdbc_parse_timestamp_tz(const char *s, size_t len, const jdbc_tz_t *tz, int64_t *ms, int32_t *nanos)
{
        /* All digits (an optional minus): epoch milliseconds, as sqlite-jdbc stores dates. */
        size_t d = len && s[0] == '-' ? 1 : 0;
        while (d < len && s[d] >= '0' && s[d] <= '9')
                d++;
        if (d == len && len > (s[0] == '-' ? 1u : 0u) && len < 20) {
                char num[24];
                memcpy(num, s, len);
                num[len] = 0;
                int64_t v;
                if (ferry_parse_int64(num, &v) < 0)
                        return -1;
                *ms = v;
                *nanos = (int32_t)((v % 1000 + 1000) % 1000) * 1000000;
                return 0;
        }
        bool zoned;
        if (parse_ts(s, len, ms, nanos, &zoned) < 0)
                return -1;
        if (!zoned && tz)
                *ms = jdbc_tz_local_to_utc_ms(tz, *ms);
        return 0;
}

/* All digits with an optional minus (at most 19): epoch milliseconds, as sqlite-jdbc stores
 * dates. 1 when s is such a number, 0 when not, -1 when it does not fit. */
static int epoch_ms_text(const char *s, size_t len, int64_t *v)
{
        size_t d = len && s[0] == '-' ? 1 : 0;
        while (d < len && s[d] >= '0' && s[d] <= '9')
                d++;
        if (d != len || len <= (len && s[0] == '-' ? 1u : 0u) || len >= 20)
                return 0;
        char num[24];
        memcpy(num, s, len);
        num[len] = 0;
        return ferry_parse_int64(num, v) < 0 ? -1 : 1;
}

int jdbc_parse_time_tz(const char *s, size_t len, const jdbc_tz_t *tz, int32_t *ms)
{
        int64_t m;
        int e = epoch_ms_text(s, len, &m);
        if (e < 0)
                return -1;
        if (e == 0) {
                bool zoned;
                if (parse_time_z(s, len, &m, &zoned) < 0)
                        return -1;
                /* A wall time on 1970-01-01 in db.timezone, as the drivers' getTime(col, Calendar). */
                if (!zoned && tz)
                        m = jdbc_tz_local_to_utc_ms(tz, m);
        }
        m %= 86400000;
        if (m < 0)
                m += 86400000;
        *ms = (int32_t)m;
        return 0;
}

int jdbc_parse_date_cell(const char *s, size_t len, int32_t *days)
{
        int64_t m;
        int e = epoch_ms_text(s, len, &m);
        if (e < 0)
                return -1;
        if (e == 0)
                return jdbc_parse_date(s, len, days);
        int64_t d = m >= 0 ? m / 86400000 : -((-m + 86399999) / 86400000);
        if (d < INT32_MIN || d > INT32_MAX)
                return -1;
        *days = (int32_t)d;
        return 0;
}

int32_t jdbc_date_in_zone(const jdbc_tz_t *tz, int32_t days)
{
        int64_t local = jdbc_tz_utc_to_local_ms(tz, (int64_t)days * 86400000);
        int64_t d = local >= 0 ? local / 86400000 : -((-local + 86399999) / 86400000);
        return (int32_t)d;
}

void jdbc_format_date(int32_t days, char out[16])
{
        int64_t y;
        unsigned m, d;
        civil_from_days(days, &y, &m, &d);
        snprintf(out, 16, "%04lld-%02u-%02u", (long long)y, m, d);
}

void jdbc_format_time(int32_t ms, char out[16])
{
        if (ms < 0 || ms >= 86400000)
                ms = ((ms % 86400000) + 86400000) % 86400000;
        snprintf(out, 16, "%02d:%02d:%02d.%03d", (ms / 3600000) % 100, ms / 60000 % 60, ms / 1000 % 60,
                 ms % 1000);
}

void jdbc_format_timestamp(int64_t ms, int32_t nanos, char out[40])
{
        int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
        int64_t rem = ms - days * 86400000;
        if (nanos < 0)
                nanos = (int32_t)(rem % 1000) * 1000000;
        int64_t y;
        unsigned m, d;
        civil_from_days(days, &y, &m, &d);
        int s = (int)(rem / 1000);
        snprintf(out, 40, "%04lld-%02u-%02u %02d:%02d:%02d.%09d", (long long)y, m, d, s / 3600, s / 60 % 60,
                 s % 60, (int)nanos);
}

/* ---- cells to values ---- */

int jdbc_cell_value(const ferry_schema_t *s, jdbc_sqltype_t type, const jdbc_tz_t *tz, const char *text,
                    size_t len, ferry_value_t **out, char *errstr, size_t errstr_size)
{
        *out = NULL;
        if (!text)
                return 0;
        char buf[64];
        const char *lname = s->name;
        if (lname && !strcmp(lname, FERRY_LOGICAL_DECIMAL)) {
                int scale = 0;
                ferry_decimal_scale(s, &scale);
                *out = ferry_decimal_parse(text, len, scale, errstr, errstr_size);
                return *out ? 0 : -1;
        }
        if (lname && !strcmp(lname, FERRY_LOGICAL_DATE)) {
                int32_t d;
                if (jdbc_parse_date_cell(text, len, &d) < 0)
                        goto bad;
                *out = ferry_value_int(FERRY_TYPE_INT32, d);
                return 0;
        }
        if (lname && !strcmp(lname, FERRY_LOGICAL_TIME)) {
                int32_t ms;
                if (jdbc_parse_time_tz(text, len, tz, &ms) < 0)
                        goto bad;
                *out = ferry_value_int(FERRY_TYPE_INT32, ms);
                return 0;
        }
        if (lname && !strcmp(lname, FERRY_LOGICAL_TIMESTAMP)) {
                int64_t ms;
                int32_t ns;
                if (jdbc_parse_timestamp_tz(text, len, tz, &ms, &ns) < 0)
                        goto bad;
                *out = ferry_value_int(FERRY_TYPE_INT64, ms);
                return 0;
        }
        switch (s->type) {
        case FERRY_TYPE_BOOLEAN:
                if (len >= 1 && (text[0] == 't' || text[0] == 'T' || text[0] == '1' || text[0] == 'y'))
                        *out = ferry_value_bool(true);
                else if (len >= 1 && (text[0] == 'f' || text[0] == 'F' || text[0] == '0' || text[0] == 'n'))
                        *out = ferry_value_bool(false);
                else
                        goto bad;
                return 0;
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64: {
                if (len == 0 || len >= sizeof(buf))
                        goto bad;
                memcpy(buf, text, len);
                buf[len] = 0;
                int64_t v;
                if (ferry_parse_int64(buf, &v) < 0) {
                        /* NUMERIC mapped to an integer: "12.00" */
                        double d;
                        if (ferry_parse_double(buf, &d) < 0)
                                goto bad;
                        v = (int64_t)d;
                }
                int64_t lo = s->type == FERRY_TYPE_INT8    ? INT8_MIN
                             : s->type == FERRY_TYPE_INT16 ? INT16_MIN
                             : s->type == FERRY_TYPE_INT32 ? INT32_MIN
                                                           : INT64_MIN;
                int64_t hi = s->type == FERRY_TYPE_INT8    ? INT8_MAX
                             : s->type == FERRY_TYPE_INT16 ? INT16_MAX
                             : s->type == FERRY_TYPE_INT32 ? INT32_MAX
                                                           : INT64_MAX;
                if (v < lo || v > hi)
                        goto bad;
                *out = ferry_value_int(s->type, v);
                return 0;
        }
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64: {
                if (len == 0 || len >= sizeof(buf))
                        goto bad;
                memcpy(buf, text, len);
                buf[len] = 0;
                char *end;
                errno = 0;
                double d = strtod(buf, &end);
                if (*end)
                        goto bad;
                *out = ferry_value_float(s->type, s->type == FERRY_TYPE_FLOAT32 ? (double)(float)d : d);
                return 0;
        }
        case FERRY_TYPE_STRING:
                *out = ferry_value_string(text, len);
                return 0;
        case FERRY_TYPE_BYTES:
                *out = ferry_value_bytes(text, len);
                return 0;
        default:
                break;
        }
        (void)type;
bad:
        snprintf(errstr, errstr_size, "cannot read '%.*s' as %s", (int)(len > 40 ? 40 : len), text,
                 s->name ? s->name : ferry_type_name(s->type));
        return -1;
}

/* ---- table ids and identifiers ---- */

void jdbc_table_id_free(jdbc_table_id_t *t)
{
        if (!t)
                return;
        free(t->catalog);
        free(t->schema);
        free(t->table);
        memset(t, 0, sizeof(*t));
}

int jdbc_table_id_parse(const char *s, jdbc_table_id_t *out)
{
        memset(out, 0, sizeof(*out));
        char *parts[3] = {0};
        int n = 0;
        const char *p = s;
        while (n < 3) {
                ferry_buf_t b;
                ferry_buf_init(&b);
                if (*p == '"' || *p == '`') {
                        char q = *p++;
                        while (*p && !(*p == q && p[1] != q)) {
                                if (*p == q)
                                        p++;
                                ferry_buf_putc(&b, *p++);
                        }
                        if (*p != q) {
                                ferry_buf_free(&b);
                                goto bad;
                        }
                        p++;
                } else {
                        while (*p && *p != '.')
                                ferry_buf_putc(&b, *p++);
                }
                if (!b.len) {
                        ferry_buf_free(&b);
                        goto bad;
                }
                parts[n++] = ferry_buf_steal(&b);
                if (!*p)
                        break;
                if (*p != '.')
                        goto bad;
                p++;
        }
        if (*p)
                goto bad;
        out->table = parts[n - 1];
        out->schema = n >= 2 ? parts[n - 2] : NULL;
        out->catalog = n == 3 ? parts[0] : NULL;
        return 0;
bad:
        for (int i = 0; i < 3; i++)
                free(parts[i]);
        return -1;
}

char *jdbc_table_id_unquoted(const jdbc_table_id_t *t)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        if (t->catalog)
                ferry_buf_printf(&b, "%s.", t->catalog);
        if (t->schema)
                ferry_buf_printf(&b, "%s.", t->schema);
        ferry_buf_puts(&b, t->table);
        return ferry_buf_steal(&b);
}

void jdbc_sql_ident(ferry_buf_t *b, const jdbc_sql_style_t *st, const char *name)
{
        if (!st->quote_identifiers) {
                ferry_buf_puts(b, name);
                return;
        }
        ferry_buf_putc(b, st->quote);
        for (const char *p = name; *p; p++) {
                if (*p == st->quote)
                        ferry_buf_putc(b, st->quote);
                ferry_buf_putc(b, *p);
        }
        ferry_buf_putc(b, st->quote);
}

void jdbc_sql_table(ferry_buf_t *b, const jdbc_sql_style_t *st, const jdbc_table_id_t *t)
{
        if (t->catalog) {
                jdbc_sql_ident(b, st, t->catalog);
                ferry_buf_putc(b, '.');
        }
        if (t->schema) {
                jdbc_sql_ident(b, st, t->schema);
                ferry_buf_putc(b, '.');
        }
        jdbc_sql_ident(b, st, t->table);
}

void jdbc_sql_param(ferry_buf_t *b, const jdbc_sql_style_t *st, int n)
{
        if (st->placeholder == '$')
                ferry_buf_printf(b, "$%d", n);
        else
                ferry_buf_putc(b, '?');
}
