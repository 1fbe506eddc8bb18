/* SimpleHeaderConverter (org.apache.kafka.connect.storage.SimpleHeaderConverter): the default
 * header.converter. Source tasks: after the transform chain, each header value becomes its text
 * form (Connect's Values.convertToString: numbers and booleans as Java prints them, strings as they
 * are, bytes in Base64, lists "[a,b]", maps and structs "{"k":v}", logical dates in ISO 8601) and
 * goes to Kafka as a header. Sink tasks: each Kafka header's text is parsed back with Connect's
 * inference (Values.parseString): boolean, the smallest integer type that holds it, float32/float64,
 * an array, a map, an ISO date/time/timestamp, else a string. */
#include "builtin.h"

#include <ferry/converter.h>
#include <ferry/text.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FERRY_VERSION
#define FERRY_VERSION "dev"
#endif

static const char *const converter_types[] = {"key", "value", "header", NULL};

static const ferry_config_def_t header_config[] = {
        {.name = "converter.type",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "How this converter will be used.",
         .valid = converter_types},
        {.name = "converter.encoding",
         .type = FERRY_CFG_STRING,
         .default_value = "UTF-8",
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The name of the Java character set to use for encoding strings as byte arrays."},
        {.name = NULL},
};

static const char *const header_aliases[] = {"SimpleHeaderConverter", NULL};

/* ---- Connect -> text ---- */

static ferry_err_t header_from_connect(void *state, const char *topic, const ferry_schema_t *schema,
                                       const ferry_value_t *value, ferry_buf_t *out, bool *is_null,
                                       char *errstr, size_t errstr_size)
{
        (void)state;
        (void)topic;
        *is_null = value == NULL;
        if (!value)
                return FERRY_ERR_OK;
        if (ferry_values_string(out, schema, value) < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        return FERRY_ERR_OK;
}

/* Values whose text is bytes they hold, or a constant: the runtime takes them without a copy
 * (booleans are most of the headers a source writes, e.g. the MQTT source's flags). */
static bool header_borrow(void *state, const ferry_schema_t *schema, const ferry_value_t *value,
                          const void **data, size_t *len)
{
        (void)state;
        if (!value || (schema && schema->name))
                return false;
        if (value->type == FERRY_TYPE_BOOLEAN) {
                *data = value->u.b ? "true" : "false";
                *len = value->u.b ? 4 : 5;
                return true;
        }
        if (value->type == FERRY_TYPE_STRING) {
                *data = value->u.s.data;
                *len = value->u.s.len;
                return true;
        }
        return false;
}

/* ---- text -> Connect ---- */

typedef struct {
        const char *p, *end;
} cur_t;

static void skip_ws(cur_t *c)
{
        while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
                c->p++;
}

static bool digits(const char **p, const char *end)
{
        const char *s = *p;
        while (*p < end && **p >= '0' && **p <= '9')
                (*p)++;
        return *p > s;
}

/* A BigDecimal-shaped number; *frac when it has a fraction or exponent. */
static bool is_number(const char *s, size_t n, bool *frac)
{
        const char *p = s, *end = s + n;
        *frac = false;
        if (p < end && (*p == '-' || *p == '+'))
                p++;
        bool whole = digits(&p, end), part = false;
        if (p < end && *p == '.') {
                p++;
                part = digits(&p, end);
                *frac = true;
        }
        if (!whole && !part)
                return false;
        if (p < end && (*p == 'e' || *p == 'E')) {
                p++;
                if (p < end && (*p == '-' || *p == '+'))
                        p++;
                if (!digits(&p, end))
                        return false;
                *frac = true;
        }
        return p == end;
}

static ferry_schema_t *prim(ferry_type_t t)
{
        return ferry_schema_new(t);
}

static ferry_value_t *int_value(int64_t i, ferry_schema_t **schema)
{
        ferry_type_t t = i >= INT8_MIN && i <= INT8_MAX     ? FERRY_TYPE_INT8
                         : i >= INT16_MIN && i <= INT16_MAX ? FERRY_TYPE_INT16
                         : i >= INT32_MIN && i <= INT32_MAX ? FERRY_TYPE_INT32
                                                            : FERRY_TYPE_INT64;
        *schema = prim(t);
        return ferry_value_int(t, i);
}

static bool two(const char *s, int *v)
{
        if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
                return false;
        *v = (s[0] - '0') * 10 + (s[1] - '0');
        return true;
}

/* "yyyy-MM-dd" -> days since epoch. */
static bool parse_date(const char *s, size_t n, int64_t *days)
{
        int y1, y2, mo, d;
        if (n != 10 || s[4] != '-' || s[7] != '-' || !two(s, &y1) || !two(s + 2, &y2) || !two(s + 5, &mo) ||
            !two(s + 8, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
                return false;
        struct tm tm = {.tm_year = y1 * 100 + y2 - 1900, .tm_mon = mo - 1, .tm_mday = d};
        time_t t = timegm(&tm);
        *days = (int64_t)t / 86400;
        return true;
}

/* "HH:mm:ss.SSS'Z'" -> ms since midnight. */
static bool parse_time(const char *s, size_t n, int64_t *ms)
{
        int h, m, sec, f1, f2;
        if (n != 13 || s[2] != ':' || s[5] != ':' || s[8] != '.' || s[12] != 'Z' || !two(s, &h) ||
            !two(s + 3, &m) || !two(s + 6, &sec) || !two(s + 9, &f1) || s[11] < '0' || s[11] > '9' ||
            h > 23 || m > 59 || sec > 59)
                return false;
        f2 = s[11] - '0';
        *ms = ((int64_t)h * 3600 + m * 60 + sec) * 1000 + f1 * 10 + f2;
        return true;
}

static ferry_value_t *scalar(const char *s, size_t n, ferry_schema_t **schema)
{
        *schema = NULL;
        if (n == 4 && !memcmp(s, "true", 4)) {
                *schema = prim(FERRY_TYPE_BOOLEAN);
                return ferry_value_bool(true);
        }
        if (n == 5 && !memcmp(s, "false", 5)) {
                *schema = prim(FERRY_TYPE_BOOLEAN);
                return ferry_value_bool(false);
        }
        bool frac;
        char tmp[128];
        if (n < sizeof(tmp) && is_number(s, n, &frac)) {
                memcpy(tmp, s, n);
                tmp[n] = '\0';
                if (!frac) {
                        int64_t i;
                        if (ferry_parse_int64(tmp[0] == '+' ? tmp + 1 : tmp, &i) == 0)
                                return int_value(i, schema);
                } else {
                        double d = strtod(tmp, NULL);
                        if (d == floor(d) && d > -9.2e18 && d < 9.2e18)
                                return int_value((int64_t)d, schema);
                        if (isfinite((float)d)) {
                                *schema = prim(FERRY_TYPE_FLOAT32);
                                return ferry_value_float(FERRY_TYPE_FLOAT32, (double)(float)d);
                        }
                        if (isfinite(d)) {
                                *schema = prim(FERRY_TYPE_FLOAT64);
                                return ferry_value_float(FERRY_TYPE_FLOAT64, d);
                        }
                }
                char err[128];
                ferry_value_t *dec = ferry_decimal_parse(s, n, 0, err, sizeof(err));
                if (dec) {
                        *schema = ferry_schema_decimal(0);
                        return dec;
                }
        }
        int64_t x, y;
        if (parse_date(s, n, &x)) {
                *schema = ferry_schema_logical(FERRY_LOGICAL_DATE);
                return ferry_value_int(FERRY_TYPE_INT32, x);
        }
        if (parse_time(s, n, &x)) {
                *schema = ferry_schema_logical(FERRY_LOGICAL_TIME);
                return ferry_value_int(FERRY_TYPE_INT32, x);
        }
        if (n == 24 && s[10] == 'T' && parse_date(s, 10, &x) && parse_time(s + 11, 13, &y)) {
                *schema = ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP);
                return ferry_value_int(FERRY_TYPE_INT64, x * 86400000LL + y);
        }
        *schema = prim(FERRY_TYPE_STRING);
        return ferry_value_string(s, n);
}

static ferry_value_t *parse_embedded(cur_t *c, ferry_schema_t **schema, bool *ok, int depth);

/* Common schema of the elements so far: kept while every element agrees, NULL (schemaless) after. */
static void merge_schema(ferry_schema_t **common, bool *first, bool *mixed, ferry_schema_t *s)
{
        if (*first) {
                *common = s;
                *first = false;
                return;
        }
        if (!*mixed && (!*common || !s || !ferry_schema_equal(*common, s))) {
                *mixed = true;
                ferry_schema_unref(*common);
                *common = NULL;
        }
        ferry_schema_unref(s);
}

static ferry_value_t *parse_array(cur_t *c, ferry_schema_t **schema, bool *ok, int depth)
{
        ferry_value_t *arr = ferry_value_array();
        ferry_schema_t *common = NULL;
        bool first = true, mixed = false;
        c->p++; /* '[' */
        skip_ws(c);
        if (c->p < c->end && *c->p == ']') {
                c->p++;
                *schema = NULL;
                return arr;
        }
        while (*ok) {
                ferry_schema_t *es = NULL;
                ferry_value_t *ev = parse_embedded(c, &es, ok, depth + 1);
                if (!*ok) {
                        ferry_schema_unref(es);
                        break;
                }
                merge_schema(&common, &first, &mixed, es);
                ferry_array_append(arr, ev);
                skip_ws(c);
                if (c->p < c->end && *c->p == ',') {
                        c->p++;
                        continue;
                }
                if (c->p < c->end && *c->p == ']') {
                        c->p++;
                        break;
                }
                *ok = false;
        }
        if (!*ok) {
                ferry_schema_unref(common);
                ferry_value_free(arr);
                return NULL;
        }
        *schema = common ? ferry_schema_array(common) : NULL;
        if (*schema)
                (*schema)->optional = true;
        return arr;
}

static ferry_value_t *parse_map(cur_t *c, ferry_schema_t **schema, bool *ok, int depth)
{
        ferry_value_t *map = ferry_value_map();
        ferry_schema_t *ks_common = NULL, *vs_common = NULL;
        bool kfirst = true, kmixed = false, vfirst = true, vmixed = false;
        c->p++; /* '{' */
        skip_ws(c);
        if (c->p < c->end && *c->p == '}') {
                c->p++;
                *schema = NULL;
                return map;
        }
        while (*ok) {
                ferry_schema_t *ks = NULL, *vs = NULL;
                ferry_value_t *k = parse_embedded(c, &ks, ok, depth + 1), *v = NULL;
                skip_ws(c);
                if (*ok && c->p < c->end && *c->p == ':') {
                        c->p++;
                        v = parse_embedded(c, &vs, ok, depth + 1);
                } else {
                        *ok = false;
                }
                if (!*ok) {
                        ferry_schema_unref(ks);
                        ferry_schema_unref(vs);
                        ferry_value_free(k);
                        ferry_value_free(v);
                        break;
                }
                merge_schema(&ks_common, &kfirst, &kmixed, ks);
                merge_schema(&vs_common, &vfirst, &vmixed, vs);
                ferry_map_put(map, k, v);
                skip_ws(c);
                if (c->p < c->end && *c->p == ',') {
                        c->p++;
                        continue;
                }
                if (c->p < c->end && *c->p == '}') {
                        c->p++;
                        break;
                }
                *ok = false;
        }
        if (!*ok || !ks_common || !vs_common) {
                ferry_schema_unref(ks_common);
                ferry_schema_unref(vs_common);
                *schema = NULL;
                if (!*ok) {
                        ferry_value_free(map);
                        return NULL;
                }
                return map;
        }
        *schema = ferry_schema_map(ks_common, vs_common);
        if (*schema)
                (*schema)->optional = true;
        return map;
}

/* An element inside [..] or {..}: a quoted string, a nested array/map, null, or a bare token. */
static ferry_value_t *parse_embedded(cur_t *c, ferry_schema_t **schema, bool *ok, int depth)
{
        *schema = NULL;
        skip_ws(c);
        if (depth > 64 || c->p >= c->end) {
                *ok = false;
                return NULL;
        }
        if (*c->p == '[')
                return parse_array(c, schema, ok, depth);
        if (*c->p == '{')
                return parse_map(c, schema, ok, depth);
        if (*c->p == '"') {
                ferry_buf_t b;
                ferry_buf_init(&b);
                c->p++;
                while (c->p < c->end && *c->p != '"') {
                        if (*c->p == '\\' && c->p + 1 < c->end)
                                c->p++;
                        ferry_buf_putc(&b, *c->p++);
                }
                if (c->p >= c->end) {
                        ferry_buf_free(&b);
                        *ok = false;
                        return NULL;
                }
                c->p++;
                ferry_value_t *v = ferry_value_string(b.p ? b.p : "", b.len);
                ferry_buf_free(&b);
                *schema = prim(FERRY_TYPE_STRING);
                return v;
        }
        const char *s = c->p;
        while (c->p < c->end && !strchr(",]}:", *c->p))
                c->p++;
        const char *e = c->p;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
        if (e == s) {
                *ok = false;
                return NULL;
        }
        if (e - s == 4 && !memcmp(s, "null", 4))
                return NULL;
        return scalar(s, (size_t)(e - s), schema);
}

static ferry_err_t header_to_connect(void *state, const char *topic, const void *data, size_t len,
                                     ferry_schema_t **schema, ferry_value_t **value, char *errstr,
                                     size_t errstr_size)
{
        (void)state;
        (void)topic;
        (void)errstr;
        (void)errstr_size;
        *schema = NULL;
        *value = NULL;
        if (!data)
                return FERRY_ERR_OK;
        const char *s = data;
        if (len && (s[0] == '[' || s[0] == '{')) {
                cur_t c = {s, s + len};
                bool ok = true;
                ferry_value_t *v =
                        s[0] == '[' ? parse_array(&c, schema, &ok, 0) : parse_map(&c, schema, &ok, 0);
                skip_ws(&c);
                if (ok && c.p == c.end) {
                        *value = v;
                        return FERRY_ERR_OK;
                }
                ferry_value_free(v);
                ferry_schema_unref(*schema);
                *schema = NULL;
        }
        if (len == 0) {
                *schema = prim(FERRY_TYPE_STRING);
                *value = ferry_value_string("", 0);
        } else {
                *value = scalar(s, len, schema);
        }
        if (*schema)
                (*schema)->optional = true;
        return *value ? FERRY_ERR_OK : FERRY_ERR_NOMEM;
}

static ferry_err_t header_configure(void **state, const ferry_strmap_t *config, bool is_key, char *errstr,
                                    size_t errstr_size)
{
        (void)is_key;
        *state = NULL;
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        if (ferry_config_validate(header_config, config, &errs) > 0) {
                char *msg = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s",
                         msg ? msg : "invalid SimpleHeaderConverter configuration");
                free(msg);
                ferry_cfg_errors_free(&errs);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        return FERRY_ERR_OK;
}

static void header_close(void *state)
{
        (void)state;
}

const ferry_converter_plugin_t ferry_simple_header_converter = {
        .info = FERRY_PLUGIN_INFO(
                ferry_converter_plugin_t, .type = FERRY_PLUGIN_HEADER_CONVERTER,
                .class_name = "org.apache.kafka.connect.storage.SimpleHeaderConverter",
                .version = FERRY_VERSION, .aliases = header_aliases, .config = header_config,
                .doc = "Header values as text; reading infers booleans, numbers, arrays, maps, "
                       "dates and strings."),
        .configure = header_configure,
        .from_connect = header_from_connect,
        .borrow = header_borrow,
        .to_connect = header_to_connect,
        .close = header_close,
};
