/* Configuration tables and the strict number parsers (string maps themselves: common/strmap.c).
 *
 * Data flow: worker .properties files (props.c), REST request bodies and the config topic all end
 * up as a ferry_strmap_t of raw strings. Each plugin and the worker describe their keys in a
 * ferry_config_def_t table; this file checks a map against such a table (ferry_config_validate,
 * whose messages are worded as Java's ConfigDef words them, since /config/validate shows them to
 * users) and reads typed values out of it (ferry_config_int and friends), falling back to the
 * table's defaults. It also holds the strict number parsers everything else uses. */
#include "ferry/config.h"
#include "ferry/buf.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *dupn(const char *s, size_t n)
{
        char *p = malloc(n + 1);

        if (!p)
                return NULL;
        if (n)
                memcpy(p, s, n);
        p[n] = '\0';
        return p;
}

/* ---- strict number parsing ---- */

/* Java's String.trim(): drops every character <= ' ' at both ends. */
static void trim(const char *s, const char **b, const char **e)
{
        const char *end = s + strlen(s);

        while (s < end && (unsigned char)*s <= ' ')
                s++;
        while (end > s && (unsigned char)end[-1] <= ' ')
                end--;
        *b = s;
        *e = end;
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static int parse_int_range(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
        const char *b, *e, *p;
        char *end;
        long long v;

        if (!s)
                return -1;
        trim(s, &b, &e);
        p = b;
        if (p < e && (*p == '+' || *p == '-'))
                p++;
        if (p == e)
                return -1;
        for (; p < e; p++) {
                if (!is_digit(*p))
                        return -1;
        }
        errno = 0;
        v = strtoll(b, &end, 10);
        if (errno == ERANGE || end != e || v < lo || v > hi)
                return -1;
        *out = (int64_t)v;
        return 0;
}

int ferry_parse_int64(const char *s, int64_t *out)
{
        return parse_int_range(s, INT64_MIN, INT64_MAX, out);
}

static bool span_is(const char *b, const char *e, const char *word)
{
        size_t n = strlen(word);

        return (size_t)(e - b) == n && memcmp(b, word, n) == 0;
}

/* Accepts Java's decimal syntax (Double.parseDouble without hex floats or the f/d suffix):
 * [+-] digits [. digits] [e [+-] digits], [+-] . digits [...], and [+-]NaN, [+-]Infinity.
 * A value too large for a double is an error (Java would give Infinity). */
int ferry_parse_double(const char *s, double *out)
{
        const char *b, *e, *p;
        size_t int_digits = 0, frac_digits = 0;
        bool neg = false;
        char *end;
        double v;

        if (!s)
                return -1;
        trim(s, &b, &e);
        p = b;
        if (p < e && (*p == '+' || *p == '-')) {
                neg = *p == '-';
                p++;
        }
        if (span_is(p, e, "NaN")) {
                *out = NAN;
                return 0;
        }
        if (span_is(p, e, "Infinity")) {
                *out = neg ? -INFINITY : INFINITY;
                return 0;
        }
        for (; p < e && is_digit(*p); p++)
                int_digits++;
        if (p < e && *p == '.') {
                for (p++; p < e && is_digit(*p); p++)
                        frac_digits++;
        }
        if (int_digits + frac_digits == 0)
                return -1;
        if (p < e && (*p == 'e' || *p == 'E')) {
                size_t exp_digits = 0;

                p++;
                if (p < e && (*p == '+' || *p == '-'))
                        p++;
                for (; p < e && is_digit(*p); p++)
                        exp_digits++;
                if (exp_digits == 0)
                        return -1;
        }
        if (p != e)
                return -1;
        errno = 0;
        v = strtod(b, &end);
        if (end != e)
                return -1;
        if (errno == ERANGE && isinf(v))
                return -1;
        *out = v;
        return 0;
}

int ferry_parse_bool(const char *s, bool *out)
{
        const char *b, *e;

        if (!s)
                return -1;
        trim(s, &b, &e);
        if (e - b == 4 && strncasecmp(b, "true", 4) == 0) {
                *out = true;
                return 0;
        }
        if (e - b == 5 && strncasecmp(b, "false", 5) == 0) {
                *out = false;
                return 0;
        }
        return -1;
}

/* ---- lists ---- */

void ferry_strlist_free(char **list, size_t n)
{
        if (!list)
                return;
        for (size_t i = 0; i < n; i++)
                free(list[i]);
        free(list);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

void ferry_strlist_sort(char **list, size_t n)
{
        if (list && n > 1)
                qsort(list, n, sizeof(*list), cmp_str);
}

/* Splits on commas, trims every item (Java's trim), drops empty items. The array is also
 * NULL-terminated; an empty or NULL input gives an empty (non-NULL) array. NULL only on ENOMEM. */
char **ferry_split_list(const char *s, size_t *n)
{
        char **list;
        size_t count = 0, cap = 1;
        const char *p;

        if (n)
                *n = 0;
        if (s) {
                for (p = s; *p; p++) {
                        if (*p == ',')
                                cap++;
                }
        }
        list = calloc(cap + 1, sizeof(*list));
        if (!list)
                return NULL;
        p = s;
        while (p) {
                const char *comma = strchr(p, ',');
                const char *ie = comma ? comma : p + strlen(p);
                const char *ib = p;

                while (ib < ie && (unsigned char)*ib <= ' ')
                        ib++;
                while (ie > ib && (unsigned char)ie[-1] <= ' ')
                        ie--;
                if (ie > ib) {
                        list[count] = dupn(ib, (size_t)(ie - ib));
                        if (!list[count]) {
                                ferry_strlist_free(list, count);
                                return NULL;
                        }
                        count++;
                }
                p = comma ? comma + 1 : NULL;
        }
        if (n)
                *n = count;
        return list;
}

/* ---- config tables ---- */

/* Tables come with the size of their entries (a plugin built against older headers has smaller
 * ones): entry i is def_size bytes from entry i-1, and a smaller entry is read into tmp with the
 * members it lacks zeroed. */
static const ferry_config_def_t *entry_at(const ferry_config_def_t *defs, size_t def_size, size_t i,
                                          ferry_config_def_t *tmp)
{
        const ferry_config_def_t *d = (const ferry_config_def_t *)((const char *)defs + i * def_size);
        if (def_size >= sizeof(*d))
                return d;
        memset(tmp, 0, sizeof(*tmp));
        memcpy(tmp, d, def_size);
        return tmp;
}

static const char *entry_name(const ferry_config_def_t *defs, size_t def_size, size_t i)
{
        return *(const char *const *)((const char *)defs + i * def_size); /* name is the first member */
}

/* Whether s fits a key pattern such as "topic.<topic>.<keyspace>.<table>.mapping", where each
 * <...> stands for one or more characters (dots included: topic names have them). */
static bool pattern_match(const char *pat, const char *s)
{
        while (*pat) {
                if (*pat == '<') {
                        const char *end = strchr(pat, '>');
                        if (!end || !*s)
                                return false;
                        for (const char *t = s + 1;; t++) {
                                if (pattern_match(end + 1, t))
                                        return true;
                                if (!*t)
                                        return false;
                        }
                }
                if (*pat != *s)
                        return false;
                pat++;
                s++;
        }
        return !*s;
}

const ferry_config_def_t *ferry_config_find_sz(const ferry_config_def_t *defs, size_t def_size,
                                               const char *name)
{
        if (!defs || !name || def_size < sizeof(const char *))
                return NULL;
        for (size_t i = 0; entry_name(defs, def_size, i); i++) {
                if (strcmp(entry_name(defs, def_size, i), name) == 0)
                        return (const ferry_config_def_t *)((const char *)defs + i * def_size);
        }
        /* then the pattern entries (bounded: the matching backtracks) */
        if (strlen(name) > 512)
                return NULL;
        for (size_t i = 0; entry_name(defs, def_size, i); i++) {
                const char *n = entry_name(defs, def_size, i);
                if (strchr(n, '<') && pattern_match(n, name))
                        return (const ferry_config_def_t *)((const char *)defs + i * def_size);
        }
        return NULL;
}

/* Like ferry_config_find_sz, but the entry as this file reads it (tmp when it had to be widened). */
static const ferry_config_def_t *find_entry(const ferry_config_def_t *defs, size_t def_size, const char *name,
                                            ferry_config_def_t *tmp)
{
        const ferry_config_def_t *d = ferry_config_find_sz(defs, def_size, name);
        return d ? entry_at(d, def_size, 0, tmp) : NULL;
}

const char *ferry_cfg_type_name(ferry_cfg_type_t t)
{
        switch (t) {
        case FERRY_CFG_BOOLEAN:
                return "BOOLEAN";
        case FERRY_CFG_STRING:
                return "STRING";
        case FERRY_CFG_INT:
                return "INT";
        case FERRY_CFG_SHORT:
                return "SHORT";
        case FERRY_CFG_LONG:
                return "LONG";
        case FERRY_CFG_DOUBLE:
                return "DOUBLE";
        case FERRY_CFG_LIST:
                return "LIST";
        case FERRY_CFG_CLASS:
                return "CLASS";
        case FERRY_CFG_PASSWORD:
                return "PASSWORD";
        }
        return "UNKNOWN";
}

const char *ferry_cfg_importance_name(ferry_cfg_importance_t i)
{
        switch (i) {
        case FERRY_IMPORTANCE_HIGH:
                return "HIGH";
        case FERRY_IMPORTANCE_MEDIUM:
                return "MEDIUM";
        case FERRY_IMPORTANCE_LOW:
                return "LOW";
        }
        return "UNKNOWN";
}

void ferry_cfg_errors_init(ferry_cfg_errors_t *errs)
{
        errs->e = NULL;
        errs->n = 0;
        errs->cap = 0;
}

void ferry_cfg_errors_free(ferry_cfg_errors_t *errs)
{
        for (size_t i = 0; i < errs->n; i++) {
                free(errs->e[i].key);
                free(errs->e[i].message);
        }
        free(errs->e);
        ferry_cfg_errors_init(errs);
}

/* key may be NULL for an error that belongs to no single key. */
int ferry_cfg_errors_add(ferry_cfg_errors_t *errs, const char *key, const char *fmt, ...)
{
        ferry_buf_t b;
        va_list ap;
        char *k = NULL, *msg;
        int r;

        if (errs->n == errs->cap) {
                size_t cap = errs->cap ? errs->cap * 2 : 4;
                ferry_cfg_error_t *ne = realloc(errs->e, cap * sizeof(*ne));

                if (!ne)
                        return -1;
                errs->e = ne;
                errs->cap = cap;
        }
        ferry_buf_init(&b);
        va_start(ap, fmt);
        r = ferry_buf_vprintf(&b, fmt, ap);
        va_end(ap);
        msg = r == 0 ? ferry_buf_steal(&b) : NULL;
        ferry_buf_free(&b);
        if (!msg)
                return -1;
        if (key) {
                k = strdup(key);
                if (!k) {
                        free(msg);
                        return -1;
                }
        }
        errs->e[errs->n].key = k;
        errs->e[errs->n].message = msg;
        errs->n++;
        return 0;
}

/* "key: message; key2: message2"; "" when there are no errors; NULL only on ENOMEM. */
char *ferry_cfg_errors_join(const ferry_cfg_errors_t *errs)
{
        ferry_buf_t b;
        int r = 0;

        ferry_buf_init(&b);
        for (size_t i = 0; i < errs->n && r == 0; i++) {
                if (i)
                        r |= ferry_buf_puts(&b, "; ");
                if (errs->e[i].key)
                        r |= ferry_buf_printf(&b, "%s: ", errs->e[i].key);
                r |= ferry_buf_puts(&b, errs->e[i].message);
        }
        if (r != 0) {
                ferry_buf_free(&b);
                return NULL;
        }
        return ferry_buf_steal(&b);
}

static bool is_valid_choice(const ferry_config_def_t *def, const char *s, size_t n)
{
        for (const char *const *v = def->valid; *v; v++) {
                if (strlen(*v) == n && strncasecmp(*v, s, n) == 0)
                        return true;
        }
        return false;
}

/* "String must be one of: a, b" into errstr, after the "Invalid value ..." prefix. */
static void choice_error(const ferry_config_def_t *def, const char *shown, int shown_len, char *errstr,
                         size_t errstr_size)
{
        ferry_buf_t b;
        int r;

        ferry_buf_init(&b);
        r = ferry_buf_printf(&b,
                             "Invalid value %.*s for configuration %s: String must be one of: ", shown_len,
                             shown, def->name);
        for (const char *const *v = def->valid; *v && r == 0; v++)
                r = ferry_buf_printf(&b, "%s%s", v == def->valid ? "" : ", ", *v);
        snprintf(errstr, errstr_size, "%s", r == 0 && b.p ? b.p : "String must be one of the allowed values");
        ferry_buf_free(&b);
}

/* Java's Range validator: "Value must be at least <min>" / "Value must be no more than <max>". */
static int range_error(const ferry_config_def_t *def, bool below, const char *shown, int shown_len,
                       char *errstr, size_t errstr_size)
{
        snprintf(errstr, errstr_size, "Invalid value %.*s for configuration %s: Value must be %s %" PRId64,
                 shown_len, shown, def->name, below ? "at least" : "no more than",
                 below ? def->min : def->max);
        return -1;
}

static int check_int(const ferry_config_def_t *def, const char *value, const char *shown, char *errstr,
                     size_t errstr_size)
{
        int64_t lo = INT64_MIN, hi = INT64_MAX, v;
        char num[32];

        if (def->type == FERRY_CFG_INT) {
                lo = INT32_MIN;
                hi = INT32_MAX;
        } else if (def->type == FERRY_CFG_SHORT) {
                lo = INT16_MIN;
                hi = INT16_MAX;
        }
        if (parse_int_range(value, lo, hi, &v) != 0) {
                snprintf(errstr, errstr_size,
                         "Invalid value %s for configuration %s: Not a number of type %s", shown, def->name,
                         ferry_cfg_type_name(def->type));
                return -1;
        }
        /* Java reports the parsed number (" 007" shows as 7). */
        snprintf(num, sizeof(num), "%" PRId64, v);
        if (def->has_min && v < def->min)
                return range_error(def, true, num, (int)strlen(num), errstr, errstr_size);
        if (def->has_max && v > def->max)
                return range_error(def, false, num, (int)strlen(num), errstr, errstr_size);
        return 0;
}

int ferry_config_check_sz(const ferry_config_def_t *def, size_t def_size, const char *value, char *errstr,
                          size_t errstr_size)
{
        const char *b, *e, *shown;
        size_t n;
        ferry_config_def_t tmp;

        def = entry_at(def, def_size, 0, &tmp);

        if (errstr_size)
                errstr[0] = '\0';
        if (!value) {
                value = def->default_value;
                if (!value) {
                        if (def->required) {
                                snprintf(errstr, errstr_size,
                                         "Missing required configuration \"%s\" which has no default value.",
                                         def->name);
                                return -1;
                        }
                        return 0; /* null is allowed */
                }
        }
        shown = def->type == FERRY_CFG_PASSWORD ? "[hidden]" : value;
        trim(value, &b, &e);
        switch (def->type) {
        case FERRY_CFG_BOOLEAN: {
                bool bv;

                if (ferry_parse_bool(value, &bv) != 0) {
                        snprintf(errstr, errstr_size,
                                 "Invalid value %s for configuration %s: Expected value to be either true or "
                                 "false",
                                 shown, def->name);
                        return -1;
                }
                break;
        }
        case FERRY_CFG_INT:
        case FERRY_CFG_SHORT:
        case FERRY_CFG_LONG:
                if (check_int(def, value, shown, errstr, errstr_size) != 0)
                        return -1;
                break;
        case FERRY_CFG_DOUBLE: {
                double d;

                if (ferry_parse_double(value, &d) != 0) {
                        snprintf(errstr, errstr_size,
                                 "Invalid value %s for configuration %s: Not a number of type DOUBLE", shown,
                                 def->name);
                        return -1;
                }
                if (def->has_min && d < (double)def->min)
                        return range_error(def, true, b, (int)(e - b), errstr, errstr_size);
                if (def->has_max && d > (double)def->max)
                        return range_error(def, false, b, (int)(e - b), errstr, errstr_size);
                break;
        }
        case FERRY_CFG_STRING:
        case FERRY_CFG_CLASS:
        case FERRY_CFG_PASSWORD:
                if (def->non_empty && b == e) {
                        snprintf(errstr, errstr_size,
                                 "Invalid value %.*s for configuration %s: String may not be empty",
                                 (int)(e - b), b, def->name);
                        return -1;
                }
                if (def->valid && !is_valid_choice(def, b, (size_t)(e - b))) {
                        if (def->type == FERRY_CFG_PASSWORD)
                                choice_error(def, shown, (int)strlen(shown), errstr, errstr_size);
                        else
                                choice_error(def, b, (int)(e - b), errstr, errstr_size);
                        return -1;
                }
                break;
        case FERRY_CFG_LIST: {
                char **items = ferry_split_list(value, &n);

                if (!items) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
                if (def->non_empty && n == 0) {
                        snprintf(errstr, errstr_size,
                                 "Invalid value %.*s for configuration %s: List may not be empty",
                                 (int)(e - b), b, def->name);
                        ferry_strlist_free(items, n);
                        return -1;
                }
                for (size_t i = 0; def->valid && i < n; i++) {
                        if (!is_valid_choice(def, items[i], strlen(items[i]))) {
                                choice_error(def, items[i], (int)strlen(items[i]), errstr, errstr_size);
                                ferry_strlist_free(items, n);
                                return -1;
                        }
                }
                ferry_strlist_free(items, n);
                break;
        }
        }
        if (def->validate && def->validate(def->name, value, errstr, errstr_size) != 0) {
                if (errstr_size && !errstr[0])
                        snprintf(errstr, errstr_size, "Invalid value %s for configuration %s", shown,
                                 def->name);
                return -1;
        }
        return 0;
}

size_t ferry_config_validate_sz(const ferry_config_def_t *defs, size_t def_size, const ferry_strmap_t *values,
                                ferry_cfg_errors_t *errs)
{
        char errstr[2048];
        size_t added = 0;
        ferry_config_def_t tmp;

        if (!defs)
                return 0;
        for (size_t i = 0; entry_name(defs, def_size, i); i++) {
                const ferry_config_def_t *d = entry_at(defs, def_size, i, &tmp);
                if (ferry_config_check_sz(d, sizeof(*d), ferry_strmap_get(values, d->name), errstr,
                                          sizeof(errstr)) == 0)
                        continue;
                if (ferry_cfg_errors_add(errs, d->name, "%s", errstr) == 0)
                        added++;
        }
        /* pattern entries check every key they match */
        for (size_t k = 0; values && k < values->n; k++) {
                const char *key = values->kv[k].key;
                const ferry_config_def_t *d = ferry_config_find_sz(defs, def_size, key);
                if (!d || !strchr(entry_name(d, def_size, 0), '<'))
                        continue;
                ferry_config_def_t one = *entry_at(d, def_size, 0, &tmp);
                one.name = key; /* errors name the key itself */
                if (ferry_config_check_sz(&one, sizeof(one), values->kv[k].value, errstr, sizeof(errstr)) !=
                            0 &&
                    ferry_cfg_errors_add(errs, key, "%s", errstr) == 0)
                        added++;
        }
        return added;
}

/* ---- typed getters ---- */

static const ferry_config_def_t *getter_def(const ferry_config_def_t *defs, size_t def_size, const char *name,
                                            ferry_config_def_t *tmp)
{
        const ferry_config_def_t *d = find_entry(defs, def_size, name, tmp);

        if (!d) {
                fprintf(stderr, "ferry: config key \"%s\" is not in the config table\n",
                        name ? name : "(null)");
#ifndef NDEBUG
                abort();
#endif
        }
        return d;
}

const char *ferry_config_str_sz(const ferry_config_def_t *defs, size_t def_size, const ferry_strmap_t *v,
                                const char *name)
{
        ferry_config_def_t tmp;
        const ferry_config_def_t *d = getter_def(defs, def_size, name, &tmp);
        const char *s = ferry_strmap_get(v, name);

        if (s)
                return s;
        return d ? d->default_value : NULL;
}

int64_t ferry_config_int_sz(const ferry_config_def_t *defs, size_t def_size, const ferry_strmap_t *v,
                            const char *name)
{
        ferry_config_def_t tmp;
        const ferry_config_def_t *d = getter_def(defs, def_size, name, &tmp);
        int64_t lo = INT64_MIN, hi = INT64_MAX, out;

        if (d && d->type == FERRY_CFG_INT) {
                lo = INT32_MIN;
                hi = INT32_MAX;
        } else if (d && d->type == FERRY_CFG_SHORT) {
                lo = INT16_MIN;
                hi = INT16_MAX;
        }
        if (parse_int_range(ferry_strmap_get(v, name), lo, hi, &out) == 0)
                return out;
        if (d && parse_int_range(d->default_value, lo, hi, &out) == 0)
                return out;
        return 0;
}

double ferry_config_double_sz(const ferry_config_def_t *defs, size_t def_size, const ferry_strmap_t *v,
                              const char *name)
{
        ferry_config_def_t tmp;
        const ferry_config_def_t *d = getter_def(defs, def_size, name, &tmp);
        double out;

        if (ferry_parse_double(ferry_strmap_get(v, name), &out) == 0)
                return out;
        if (d && ferry_parse_double(d->default_value, &out) == 0)
                return out;
        return 0.0;
}

bool ferry_config_bool_sz(const ferry_config_def_t *defs, size_t def_size, const ferry_strmap_t *v,
                          const char *name)
{
        ferry_config_def_t tmp;
        const ferry_config_def_t *d = getter_def(defs, def_size, name, &tmp);
        bool out;

        if (ferry_parse_bool(ferry_strmap_get(v, name), &out) == 0)
                return out;
        if (d && ferry_parse_bool(d->default_value, &out) == 0)
                return out;
        return false;
}

char **ferry_config_list_sz(const ferry_config_def_t *defs, size_t def_size, const ferry_strmap_t *v,
                            const char *name, size_t *n)
{
        return ferry_split_list(ferry_config_str_sz(defs, def_size, v, name), n);
}
