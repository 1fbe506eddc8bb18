/* Shared machinery of the built-in transforms (see smt_util.h): record operands, config checks,
 * Connect's requirement errors, the schema cache, Java regex translation to POSIX ERE, and Java
 * SimpleDateFormat formatting/parsing in UTC. Transforms sit between a source task and the
 * converters (source side) or between the converters and a sink task (sink side); everything here
 * runs once per record on the task's thread. */
#include "smt_util.h"

#include <ferry/buf.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- operands, errors ---- */

void smt_set_operand(ferry_record_t *r, smt_side_t side, ferry_schema_t *schema, ferry_value_t *value)
{
        ferry_schema_t **ps = side == SMT_KEY ? &r->key_schema : &r->value_schema;
        ferry_value_t **pv = side == SMT_KEY ? &r->key : &r->value;
        if (*ps != schema)
                ferry_schema_unref(*ps);
        else
                ferry_schema_unref(schema); /* the record already holds one reference */
        if (*pv != value)
                ferry_value_free(*pv);
        *ps = schema;
        *pv = value;
}

void smt_take_operand(ferry_record_t *r, smt_side_t side, ferry_schema_t **schema, ferry_value_t **value)
{
        ferry_schema_t **ps = side == SMT_KEY ? &r->key_schema : &r->value_schema;
        ferry_value_t **pv = side == SMT_KEY ? &r->key : &r->value;
        *schema = *ps;
        *value = *pv;
        *ps = NULL;
        *pv = NULL;
}

int smt_config_check(const ferry_config_def_t *defs, const ferry_strmap_t *cfg, char *errstr,
                     size_t errstr_size)
{
        for (const ferry_config_def_t *d = defs; d && d->name; d++)
                if (ferry_config_check(d, ferry_strmap_get(cfg, d->name), errstr, errstr_size) != 0)
                        return -1;
        return 0;
}

ferry_err_t smt_fail(char *errstr, size_t errstr_size, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        if (errstr && errstr_size)
                vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
        return FERRY_ERR_TRANSFORM;
}

ferry_err_t smt_nomem(char *errstr, size_t errstr_size)
{
        if (errstr && errstr_size)
                snprintf(errstr, errstr_size, "out of memory");
        return FERRY_ERR_NOMEM;
}

const char *smt_class_name(const ferry_value_t *v)
{
        if (!v)
                return "null";
        switch (v->type) {
        case FERRY_TYPE_INT8:
                return "java.lang.Byte";
        case FERRY_TYPE_INT16:
                return "java.lang.Short";
        case FERRY_TYPE_INT32:
                return "java.lang.Integer";
        case FERRY_TYPE_INT64:
                return "java.lang.Long";
        case FERRY_TYPE_FLOAT32:
                return "java.lang.Float";
        case FERRY_TYPE_FLOAT64:
                return "java.lang.Double";
        case FERRY_TYPE_BOOLEAN:
                return "java.lang.Boolean";
        case FERRY_TYPE_STRING:
                return "java.lang.String";
        case FERRY_TYPE_BYTES:
                return "[B";
        case FERRY_TYPE_ARRAY:
                return "java.util.ArrayList";
        case FERRY_TYPE_MAP:
                return "java.util.HashMap";
        case FERRY_TYPE_STRUCT:
                return "org.apache.kafka.connect.data.Struct";
        }
        return "unknown";
}

ferry_err_t smt_require_map(const ferry_value_t *v, const char *purpose, char *errstr, size_t errstr_size)
{
        if (v && v->type == FERRY_TYPE_MAP)
                return FERRY_ERR_OK;
        return smt_fail(errstr, errstr_size,
                        "Only Map objects supported in absence of schema for [%s], found: %s", purpose,
                        smt_class_name(v));
}

ferry_err_t smt_require_struct(const ferry_value_t *v, const char *purpose, char *errstr, size_t errstr_size)
{
        if (v && v->type == FERRY_TYPE_STRUCT)
                return FERRY_ERR_OK;
        return smt_fail(errstr, errstr_size, "Only Struct objects supported for [%s], found: %s", purpose,
                        smt_class_name(v));
}

const ferry_value_t *smt_struct_at(const ferry_value_t *st, size_t i, bool replace_default)
{
        const ferry_value_t *v = st->u.st.fields[i];
        if (!v && replace_default)
                v = st->u.st.schema->fields[i].schema->default_value;
        return v;
}

bool smt_copy(const ferry_value_t *v, ferry_value_t **out)
{
        *out = NULL;
        if (!v)
                return true;
        *out = ferry_value_copy(v);
        return *out != NULL;
}

ferry_schema_t *smt_struct_like(const ferry_schema_t *base, bool keep_optional)
{
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRUCT);
        if (!s || !base)
                return s;
        if (ferry_schema_set_name(s, base->name) < 0 || ferry_schema_set_doc(s, base->doc) < 0)
                goto fail;
        for (size_t i = 0; i < base->n_params; i++)
                if (ferry_schema_set_param(s, base->params[i].key, base->params[i].value) < 0)
                        goto fail;
        s->has_version = base->has_version;
        s->version = base->version;
        s->optional = keep_optional && base->optional;
        return s;
fail:
        ferry_schema_unref(s);
        return NULL;
}

ferry_schema_t *smt_schema_type(ferry_type_t type, bool optional)
{
        ferry_schema_t *s = ferry_schema_new(type);
        if (s)
                s->optional = optional;
        return s;
}

ferry_schema_t *smt_schema_optional(ferry_schema_t *s, bool optional)
{
        if (!s || s->optional == optional)
                return ferry_schema_ref(s);
        ferry_schema_t *c = ferry_schema_copy(s);
        if (c)
                c->optional = optional;
        return c;
}

/* ---- schema cache ---- */

ferry_schema_t *smt_cache_get(smt_cache_t *c, const ferry_schema_t *in)
{
        for (size_t i = 0; i < SMT_CACHE_SLOTS; i++)
                if (c->in[i] == in)
                        return c->out[i];
        for (size_t i = 0; i < SMT_CACHE_SLOTS; i++)
                if (c->in[i] && ferry_schema_equal(c->in[i], in))
                        return c->out[i];
        return NULL;
}

void smt_cache_put(smt_cache_t *c, ferry_schema_t *in, ferry_schema_t *out)
{
        size_t i = c->next;
        c->next = (c->next + 1) % SMT_CACHE_SLOTS;
        ferry_schema_unref(c->in[i]);
        ferry_schema_unref(c->out[i]);
        c->in[i] = ferry_schema_ref(in);
        c->out[i] = out;
}

void smt_cache_free(smt_cache_t *c)
{
        for (size_t i = 0; i < SMT_CACHE_SLOTS; i++) {
                ferry_schema_unref(c->in[i]);
                ferry_schema_unref(c->out[i]);
                c->in[i] = c->out[i] = NULL;
        }
}

/* ---- Java regex -> POSIX ERE ---- */

static bool ere_special(char c)
{
        return strchr(".[]()*+?{}|^$\\", c) != NULL;
}

static int emit_literal(ferry_buf_t *b, char c)
{
        if (ere_special(c) && ferry_buf_putc(b, '\\') < 0)
                return -1;
        return ferry_buf_putc(b, c);
}

static int rx_err(char *errstr, size_t n, const char *java, const char *what, size_t at)
{
        snprintf(errstr, n, "%s near index %zu in %s", what, at, java);
        return -1;
}

/* Translates a [...] class starting at p[*i] == '['. */
static int translate_class(const char *p, size_t *i, ferry_buf_t *out, char *errstr, size_t n)
{
        size_t start = *i;
        size_t k = *i + 1;
        bool neg = false, rb = false, dash = false, caret = false, first = true;
        ferry_buf_t body;
        ferry_buf_init(&body);
        int rc = -1;

        if (p[k] == '^') {
                neg = true;
                k++;
        }
        for (;; k++) {
                char c = p[k];
                if (!c) {
                        rx_err(errstr, n, p, "Unclosed character class", start);
                        goto done;
                }
                if (c == ']' && !first)
                        break;
                if (c == ']') {
                        rb = true;
                } else if (c == '\\') {
                        char e = p[++k];
                        switch (e) {
                        case 'd':
                                ferry_buf_puts(&body, "0-9");
                                break;
                        case 'w':
                                ferry_buf_puts(&body, "A-Za-z0-9_");
                                break;
                        case 's':
                                ferry_buf_puts(&body, "[:space:]");
                                break;
                        case 't':
                                ferry_buf_putc(&body, '\t');
                                break;
                        case 'n':
                                ferry_buf_putc(&body, '\n');
                                break;
                        case 'r':
                                ferry_buf_putc(&body, '\r');
                                break;
                        case 'f':
                                ferry_buf_putc(&body, '\f');
                                break;
                        case ']':
                                rb = true;
                                break;
                        case '-':
                                dash = true;
                                break;
                        case '^':
                                caret = true;
                                break;
                        case '\0':
                                rx_err(errstr, n, p, "Unclosed character class", start);
                                goto done;
                        default:
                                if (isalnum((unsigned char)e)) {
                                        rx_err(errstr, n, p, "Unsupported escape in character class", k);
                                        goto done;
                                }
                                ferry_buf_putc(&body, e);
                        }
                } else if (c == '[') {
                        rx_err(errstr, n, p, "Unsupported nested character class", k);
                        goto done;
                } else if (c == '&' && p[k + 1] == '&') {
                        rx_err(errstr, n, p, "Unsupported character class intersection", k);
                        goto done;
                } else if (c == '-' && (first || p[k + 1] == ']')) {
                        dash = true;
                } else if (c == '^') {
                        caret = true;
                } else {
                        ferry_buf_putc(&body, c);
                }
                first = false;
        }
        if (!neg && !rb && body.len == 0 && caret && !dash) {
                rc = ferry_buf_puts(out, "\\^");
        } else {
                rc = ferry_buf_putc(out, '[');
                if (neg)
                        rc |= ferry_buf_putc(out, '^');
                if (rb)
                        rc |= ferry_buf_putc(out, ']');
                if (body.len)
                        rc |= ferry_buf_append(out, body.p, body.len);
                if (caret)
                        rc |= ferry_buf_putc(out, '^');
                if (dash)
                        rc |= ferry_buf_putc(out, '-');
                rc |= ferry_buf_putc(out, ']');
        }
        *i = k;
done:
        ferry_buf_free(&body);
        return rc;
}

int smt_regex_compile(smt_regex_t *r, const char *java, char *errstr, size_t errstr_size)
{
        memset(r, 0, sizeof(*r));
        size_t len = strlen(java);
        int flags = REG_EXTENDED;
        size_t i = 0, posix_groups = 1, java_groups = 0;
        ferry_buf_t out;
        int *map = calloc(len + 2, sizeof(*map));
        if (!map) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        ferry_buf_init(&out);
        if (!strncmp(java, "(?i)", 4)) {
                flags |= REG_ICASE;
                i = 4;
        }
        ferry_buf_puts(&out, "^(");
        for (; i < len; i++) {
                char c = java[i];
                if (c == '\\') {
                        char e = java[++i];
                        switch (e) {
                        case 'd':
                                ferry_buf_puts(&out, "[0-9]");
                                break;
                        case 'D':
                                ferry_buf_puts(&out, "[^0-9]");
                                break;
                        case 'w':
                                ferry_buf_puts(&out, "[A-Za-z0-9_]");
                                break;
                        case 'W':
                                ferry_buf_puts(&out, "[^A-Za-z0-9_]");
                                break;
                        case 's':
                                ferry_buf_puts(&out, "[[:space:]]");
                                break;
                        case 'S':
                                ferry_buf_puts(&out, "[^[:space:]]");
                                break;
                        case 't':
                                ferry_buf_putc(&out, '\t');
                                break;
                        case 'n':
                                ferry_buf_putc(&out, '\n');
                                break;
                        case 'r':
                                ferry_buf_putc(&out, '\r');
                                break;
                        case 'f':
                                ferry_buf_putc(&out, '\f');
                                break;
                        case 'Q': {
                                const char *end = strstr(java + i + 1, "\\E");
                                size_t stop = end ? (size_t)(end - java) : len;
                                for (size_t k = i + 1; k < stop; k++)
                                        emit_literal(&out, java[k]);
                                i = end ? stop + 1 : len;
                                break;
                        }
                        case '\0':
                                rx_err(errstr, errstr_size, java, "Unexpected internal error", i);
                                goto fail;
                        default:
                                if (isalnum((unsigned char)e)) {
                                        rx_err(errstr, errstr_size, java, "Unsupported escape sequence", i);
                                        goto fail;
                                }
                                emit_literal(&out, e);
                        }
                        continue;
                }
                if (c == '[') {
                        if (translate_class(java, &i, &out, errstr, errstr_size) < 0)
                                goto fail;
                        continue;
                }
                if (c == '(') {
                        if (java[i + 1] == '?') {
                                if (java[i + 2] != ':') {
                                        rx_err(errstr, errstr_size, java,
                                               "Unsupported group construct (lookaround, named group or "
                                               "flags)",
                                               i);
                                        goto fail;
                                }
                                i += 2;
                                posix_groups++;
                        } else {
                                posix_groups++;
                                map[++java_groups] = (int)posix_groups;
                        }
                        ferry_buf_putc(&out, '(');
                        continue;
                }
                if (c == '*' || c == '+' || c == '?' || c == '}') {
                        ferry_buf_putc(&out, c);
                        if (java[i + 1] == '?' || java[i + 1] == '+') {
                                rx_err(errstr, errstr_size, java, "Unsupported lazy or possessive quantifier",
                                       i + 1);
                                goto fail;
                        }
                        continue;
                }
                ferry_buf_putc(&out, c);
        }
        if (ferry_buf_puts(&out, ")$") < 0 || !out.p) {
                snprintf(errstr, errstr_size, "out of memory");
                goto fail;
        }
        int rc = regcomp(&r->re, out.p, flags);
        if (rc != 0) {
                char msg[256];
                regerror(rc, &r->re, msg, sizeof(msg));
                snprintf(errstr, errstr_size, "%s in %s", msg, java);
                goto fail;
        }
        ferry_buf_free(&out);
        r->compiled = true;
        r->groups = java_groups;
        r->group_map = map;
        r->nsub = r->re.re_nsub;
        return 0;
fail:
        ferry_buf_free(&out);
        free(map);
        return -1;
}

bool smt_regex_matches(const smt_regex_t *r, const char *s, regmatch_t *m, size_t nm)
{
        regmatch_t stack[16];
        if (!r->compiled || !s)
                return false;
        regmatch_t *pm = r->nsub + 1 <= 16 ? stack : malloc((r->nsub + 1) * sizeof(*pm));
        if (!pm)
                return false;
        bool ok = regexec(&r->re, s, r->nsub + 1, pm, 0) == 0;
        if (ok && m) {
                for (size_t j = 0; j < nm; j++) {
                        m[j].rm_so = m[j].rm_eo = -1;
                        if (j == 0)
                                m[j] = pm[0];
                        else if (j <= r->groups)
                                m[j] = pm[r->group_map[j]];
                }
        }
        if (pm != stack)
                free(pm);
        return ok;
}

void smt_regex_free(smt_regex_t *r)
{
        if (r->compiled)
                regfree(&r->re);
        free(r->group_map);
        memset(r, 0, sizeof(*r));
}

/* Walks a replacement string; with out, appends the expansion. */
static int replacement_walk(const char *repl, size_t n_groups, const char *s, const regmatch_t *m,
                            ferry_buf_t *out, char *errstr, size_t errstr_size)
{
        for (size_t i = 0; repl[i]; i++) {
                char c = repl[i];
                if (c == '\\') {
                        if (!repl[i + 1]) {
                                snprintf(errstr, errstr_size, "character to be escaped is missing");
                                return -1;
                        }
                        if (out)
                                ferry_buf_putc(out, repl[++i]);
                        else
                                i++;
                        continue;
                }
                if (c != '$') {
                        if (out)
                                ferry_buf_putc(out, c);
                        continue;
                }
                if (repl[i + 1] == '{') {
                        snprintf(errstr, errstr_size, "named group references are not supported");
                        return -1;
                }
                if (!isdigit((unsigned char)repl[i + 1])) {
                        snprintf(errstr, errstr_size, "Illegal group reference");
                        return -1;
                }
                size_t ref = (size_t)(repl[++i] - '0');
                if (ref > n_groups) {
                        snprintf(errstr, errstr_size, "No group %zu", ref);
                        return -1;
                }
                while (isdigit((unsigned char)repl[i + 1])) {
                        size_t next = ref * 10 + (size_t)(repl[i + 1] - '0');
                        if (next > n_groups)
                                break;
                        ref = next;
                        i++;
                }
                if (out && m && m[ref].rm_so >= 0)
                        ferry_buf_append(out, s + m[ref].rm_so, (size_t)(m[ref].rm_eo - m[ref].rm_so));
        }
        return 0;
}

int smt_replacement_check(const char *repl, size_t n_groups, char *errstr, size_t errstr_size)
{
        return replacement_walk(repl, n_groups, NULL, NULL, NULL, errstr, errstr_size);
}

char *smt_replacement_expand(const char *repl, const char *s, const regmatch_t *m, size_t n_groups)
{
        ferry_buf_t b;
        char err[128];
        ferry_buf_init(&b);
        if (replacement_walk(repl, n_groups, s, m, &b, err, sizeof(err)) < 0 || ferry_buf_puts(&b, "") < 0) {
                ferry_buf_free(&b);
                return NULL;
        }
        return ferry_buf_steal(&b);
}

/* ---- dates ---- */

int64_t smt_floordiv(int64_t a, int64_t b)
{
        int64_t q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0)))
                q--;
        return q;
}

int64_t smt_floormod(int64_t a, int64_t b)
{
        return a - smt_floordiv(a, b) * b;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t smt_days_from_civil(int64_t y, unsigned m, unsigned d)
{
        y -= m <= 2;
        int64_t era = smt_floordiv(y, 400);
        int64_t yoe = y - era * 400;
        int64_t mp = (m + 9) % 12;
        int64_t doy = (153 * mp + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

void smt_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
        z += 719468;
        int64_t era = smt_floordiv(z, 146097);
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

struct smt_datefmt {
        dtok_t *t;
        size_t n;
};

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};

static int add_tok(smt_datefmt_t *f, char letter, int count, const char *text, size_t len)
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

smt_datefmt_t *smt_datefmt_compile(const char *p, char *errstr, size_t errstr_size)
{
        smt_datefmt_t *f = calloc(1, sizeof(*f));
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
        smt_datefmt_free(f);
        return NULL;
}

void smt_datefmt_free(smt_datefmt_t *f)
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

char *smt_datefmt_format(const smt_datefmt_t *f, int64_t ms)
{
        int64_t days = smt_floordiv(ms, 86400000);
        int64_t msd = smt_floormod(ms, 86400000);
        int64_t y;
        unsigned mo, d;
        smt_civil_from_days(days, &y, &mo, &d);
        int hour = (int)(msd / 3600000), min = (int)(msd / 60000 % 60), sec = (int)(msd / 1000 % 60);
        int milli = (int)(msd % 1000);
        int dow = (int)smt_floormod(days + 4, 7); /* 0 = Sunday */
        int64_t doy = days - smt_days_from_civil(y, 1, 1) + 1;
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

int smt_datefmt_parse(const smt_datefmt_t *f, const char *text, int64_t *ms, char *errstr, size_t errstr_size)
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
                time_t now = time(NULL);
                int64_t now_year;
                unsigned nm, nd;
                smt_civil_from_days(smt_floordiv((int64_t)now, 86400), &now_year, &nm, &nd);
                int64_t start = now_year - 80;
                int64_t y = start - smt_floormod(start, 100) + year;
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
                days = smt_days_from_civil(year, 1, 1) + doy - 1;
        } else {
                /* lenient, as SimpleDateFormat is by default: out-of-range fields roll over */
                year += smt_floordiv(month - 1, 12);
                month = smt_floormod(month - 1, 12) + 1;
                days = smt_days_from_civil(year, (unsigned)month, 1) + day - 1;
        }
        *ms = days * 86400000 + hour * 3600000 + min * 60000 + sec * 1000 + milli - off;
        return 0;
bad:
        snprintf(errstr, errstr_size, "Unparseable date: \"%s\"", text);
        return -1;
}
