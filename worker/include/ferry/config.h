/* Configuration: string maps, Java .properties parsing, and typed config tables.
 *
 * Every plugin and the worker describe their keys in one ferry_config_def_t table; the same table
 * drives parsing (typed getters with defaults), validation (per-key errors, as /config/validate
 * reports them), unknown-key warnings and the docs. */
#ifndef FERRY_CONFIG_H
#define FERRY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- string map (insertion ordered) ---- */
typedef struct {
        char *key;
        char *value;
} ferry_kv_t;

typedef struct {
        ferry_kv_t *kv;
        size_t n, cap;
} ferry_strmap_t;

void ferry_strmap_init(ferry_strmap_t *m);
void ferry_strmap_free(ferry_strmap_t *m);
void ferry_strmap_clear(ferry_strmap_t *m);
int ferry_strmap_set(ferry_strmap_t *m, const char *key, const char *value); /* copies; 0 ok */
int ferry_strmap_setn(ferry_strmap_t *m, const char *key, size_t klen, const char *value, size_t vlen);
const char *ferry_strmap_get(const ferry_strmap_t *m, const char *key);
bool ferry_strmap_unset(ferry_strmap_t *m, const char *key);
int ferry_strmap_copy(ferry_strmap_t *dst, const ferry_strmap_t *src);
/* Same keys with the same values, in any order. */
bool ferry_strmap_equal(const ferry_strmap_t *a, const ferry_strmap_t *b);
/* Copies every key starting with prefix into dst, with the prefix removed. */
int ferry_strmap_sub(ferry_strmap_t *dst, const ferry_strmap_t *src, const char *prefix);

/* ---- .properties (java.util.Properties rules) ---- */
/* Parses text; on error returns -1 and writes "<name>:<line>: <problem>" to errstr. */
int ferry_props_parse(const char *text, size_t len, const char *name, ferry_strmap_t *out, char *errstr,
                      size_t errstr_size);
int ferry_props_load(const char *path, ferry_strmap_t *out, char *errstr, size_t errstr_size);

/* ---- config tables ---- */
typedef enum {
        FERRY_CFG_BOOLEAN,
        FERRY_CFG_STRING,
        FERRY_CFG_INT,
        FERRY_CFG_SHORT,
        FERRY_CFG_LONG,
        FERRY_CFG_DOUBLE,
        FERRY_CFG_LIST,
        FERRY_CFG_CLASS,
        FERRY_CFG_PASSWORD,
} ferry_cfg_type_t;

typedef enum {
        FERRY_IMPORTANCE_HIGH,
        FERRY_IMPORTANCE_MEDIUM,
        FERRY_IMPORTANCE_LOW,
} ferry_cfg_importance_t;

typedef struct ferry_config_def {
        const char *name;
        ferry_cfg_type_t type;
        const char *default_value; /* NULL: no default (null), or required when .required */
        bool required;
        ferry_cfg_importance_t importance;
        const char *doc;
        const char *group;        /* NULL: "Common" */
        const char *const *valid; /* NULL-terminated allowed values, case-insensitive */
        bool has_min, has_max;
        int64_t min, max; /* numeric range (INT, SHORT, LONG, DOUBLE) */
        bool non_empty;   /* STRING/LIST: must not be empty when set */
        /* Extra check; return 0 or fill errstr and return -1. */
        int (*validate)(const char *name, const char *value, char *errstr, size_t errstr_size);
} ferry_config_def_t;

/* Tables end with an entry whose name is NULL. */
const ferry_config_def_t *ferry_config_find(const ferry_config_def_t *defs, const char *name);

typedef struct {
        char *key;
        char *message;
} ferry_cfg_error_t;

typedef struct {
        ferry_cfg_error_t *e;
        size_t n, cap;
} ferry_cfg_errors_t;

void ferry_cfg_errors_init(ferry_cfg_errors_t *errs);
void ferry_cfg_errors_free(ferry_cfg_errors_t *errs);
int ferry_cfg_errors_add(ferry_cfg_errors_t *errs, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* "key: message; key2: message2" for logs and CLI errors. */
char *ferry_cfg_errors_join(const ferry_cfg_errors_t *errs);

/* Checks every key of the table against values (required, type, range, allowed values, custom
 * check); appends one error per problem. Returns the number of errors added. */
size_t ferry_config_validate(const ferry_config_def_t *defs, const ferry_strmap_t *values,
                             ferry_cfg_errors_t *errs);
/* Checks one key. */
int ferry_config_check(const ferry_config_def_t *def, const char *value, char *errstr, size_t errstr_size);

/* Typed getters: the value when set, else the table's default. Values are assumed validated;
 * an unparsable value yields the default. Unknown names abort in debug builds. */
const char *ferry_config_str(const ferry_config_def_t *defs, const ferry_strmap_t *v, const char *name);
int64_t ferry_config_int(const ferry_config_def_t *defs, const ferry_strmap_t *v, const char *name);
double ferry_config_double(const ferry_config_def_t *defs, const ferry_strmap_t *v, const char *name);
bool ferry_config_bool(const ferry_config_def_t *defs, const ferry_strmap_t *v, const char *name);
/* A LIST split on commas, items trimmed, empty items dropped; free with ferry_strlist_free. */
char **ferry_config_list(const ferry_config_def_t *defs, const ferry_strmap_t *v, const char *name,
                         size_t *n);
char **ferry_split_list(const char *s, size_t *n);
void ferry_strlist_free(char **list, size_t n);
void ferry_strlist_sort(char **list, size_t n); /* by strcmp */

const char *ferry_cfg_type_name(ferry_cfg_type_t t);             /* "STRING", ... as Connect names them */
const char *ferry_cfg_importance_name(ferry_cfg_importance_t i); /* "HIGH", ... */

/* Strict number parsing: the whole string must be a number in range. 0 on success. */
int ferry_parse_int64(const char *s, int64_t *out);
int ferry_parse_double(const char *s, double *out);
int ferry_parse_bool(const char *s, bool *out); /* true/false, case-insensitive */

#endif
