/* Configuration: string maps (ferry/strmap.h), Java .properties parsing, and typed config tables.
 *
 * Every plugin and the worker describe their keys in one ferry_config_def_t table; the same table
 * drives parsing (typed getters with defaults), validation (per-key errors, as /config/validate
 * reports them), unknown-key warnings and the docs. */
#ifndef FERRY_CONFIG_H
#define FERRY_CONFIG_H

#include <ferry/api.h>
#include <ferry/strmap.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- .properties (java.util.Properties rules) ---- */
/* Parses text; on error returns -1 and writes "<name>:<line>: <problem>" to errstr. */
FERRY_API int ferry_props_parse(const char *text, size_t len, const char *name, ferry_strmap_t *out,
                                char *errstr, size_t errstr_size);
FERRY_API int ferry_props_load(const char *path, ferry_strmap_t *out, char *errstr, size_t errstr_size);

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

/* Tables end with an entry whose name is NULL. A name with <...> parts is a pattern standing for a
 * family of keys ("topic.<topic>.<keyspace>.<table>.ttl": each <...> is one or more characters):
 * lookups fall back to it when no entry has the exact name, and validation checks every key it
 * matches (give such entries no default).
 *
 * Every function that takes a table also gets the size of its entries (the *_sz symbols), so a
 * plugin built against headers whose ferry_config_def_t was smaller is read right (members it
 * lacks read as 0). Call them through the macros, which pass sizeof(ferry_config_def_t) as the
 * caller was compiled with. */
FERRY_API const ferry_config_def_t *ferry_config_find_sz(const ferry_config_def_t *defs, size_t def_size,
                                                         const char *name);
#define ferry_config_find(defs, name) ferry_config_find_sz((defs), sizeof(ferry_config_def_t), (name))

typedef struct {
        char *key;
        char *message;
} ferry_cfg_error_t;

typedef struct {
        ferry_cfg_error_t *e;
        size_t n, cap;
} ferry_cfg_errors_t;

FERRY_API void ferry_cfg_errors_init(ferry_cfg_errors_t *errs);
FERRY_API void ferry_cfg_errors_free(ferry_cfg_errors_t *errs);
FERRY_API int ferry_cfg_errors_add(ferry_cfg_errors_t *errs, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* "key: message; key2: message2" for logs and CLI errors. */
FERRY_API char *ferry_cfg_errors_join(const ferry_cfg_errors_t *errs);

/* Checks every key of the table against values (required, type, range, allowed values, custom
 * check); appends one error per problem. Returns the number of errors added. */
FERRY_API size_t ferry_config_validate_sz(const ferry_config_def_t *defs, size_t def_size,
                                          const ferry_strmap_t *values, ferry_cfg_errors_t *errs);
#define ferry_config_validate(defs, values, errs)                                                            \
        ferry_config_validate_sz((defs), sizeof(ferry_config_def_t), (values), (errs))
/* Checks one key. */
FERRY_API int ferry_config_check_sz(const ferry_config_def_t *def, size_t def_size, const char *value,
                                    char *errstr, size_t errstr_size);
#define ferry_config_check(def, value, errstr, errstr_size)                                                  \
        ferry_config_check_sz((def), sizeof(ferry_config_def_t), (value), (errstr), (errstr_size))

/* Typed getters over a table and a map: the value when set, else the table's default. Values are
 * assumed validated; an unparsable value yields the default. Unknown names abort in debug builds
 * (a parsed ferry_config_t below logs them instead). */
FERRY_API const char *ferry_config_str_sz(const ferry_config_def_t *defs, size_t def_size,
                                          const ferry_strmap_t *v, const char *name);
FERRY_API int64_t ferry_config_int_sz(const ferry_config_def_t *defs, size_t def_size,
                                      const ferry_strmap_t *v, const char *name);
FERRY_API double ferry_config_double_sz(const ferry_config_def_t *defs, size_t def_size,
                                        const ferry_strmap_t *v, const char *name);
FERRY_API bool ferry_config_bool_sz(const ferry_config_def_t *defs, size_t def_size, const ferry_strmap_t *v,
                                    const char *name);
/* A LIST split on commas, items trimmed, empty items dropped; free with ferry_strlist_free. */
FERRY_API char **ferry_config_list_sz(const ferry_config_def_t *defs, size_t def_size,
                                      const ferry_strmap_t *v, const char *name, size_t *n);
#define ferry_config_str(defs, v, name) ferry_config_str_sz((defs), sizeof(ferry_config_def_t), (v), (name))
#define ferry_config_int(defs, v, name) ferry_config_int_sz((defs), sizeof(ferry_config_def_t), (v), (name))
#define ferry_config_double(defs, v, name)                                                                   \
        ferry_config_double_sz((defs), sizeof(ferry_config_def_t), (v), (name))
#define ferry_config_bool(defs, v, name) ferry_config_bool_sz((defs), sizeof(ferry_config_def_t), (v), (name))
#define ferry_config_list(defs, v, name, n)                                                                  \
        ferry_config_list_sz((defs), sizeof(ferry_config_def_t), (v), (name), (n))

/* ---- parsed configs: a table applied to a map, read with typed getters (Connect's AbstractConfig) ---- */
typedef struct ferry_config ferry_config_t;

/* Validates values against the table and keeps a copy of both. NULL when a value is invalid (errs,
 * when not NULL, gets one error per key, in Connect's words) or out of memory. */
FERRY_API ferry_config_t *ferry_config_parse_sz(const ferry_config_def_t *defs, size_t def_size,
                                                const ferry_strmap_t *values, ferry_cfg_errors_t *errs);
#define ferry_config_parse(defs, values, errs)                                                               \
        ferry_config_parse_sz((defs), sizeof(ferry_config_def_t), (values), (errs))
FERRY_API void ferry_config_free(ferry_config_t *c);

/* Typed getters: the value when set, else the table's default (NULL / 0 / false when it has none).
 * Asking for a key the table lacks, or with a getter of another type, logs an error naming the
 * key and yields NULL / 0 / false. Strings stay valid as long as c. */
FERRY_API const char *ferry_config_get_string(const ferry_config_t *c, const char *key); /* STRING, CLASS */
FERRY_API int32_t ferry_config_get_int(const ferry_config_t *c, const char *key);        /* INT, SHORT */
FERRY_API int64_t ferry_config_get_long(const ferry_config_t *c, const char *key);  /* LONG, INT, SHORT */
FERRY_API double ferry_config_get_double(const ferry_config_t *c, const char *key); /* DOUBLE */
FERRY_API bool ferry_config_get_bool(const ferry_config_t *c, const char *key);     /* BOOLEAN */
/* LIST: the items (trimmed, empty ones dropped); *n gets their count. NULL when the key is null. */
FERRY_API const char *const *ferry_config_get_list(const ferry_config_t *c, const char *key, size_t *n);
/* PASSWORD: the secret itself (ferry_config_describe shows it as [hidden]). */
FERRY_API const char *ferry_config_get_password(const ferry_config_t *c, const char *key);
/* Whether the key was given (rather than defaulted). */
FERRY_API bool ferry_config_is_set(const ferry_config_t *c, const char *key);
/* The map as given, keys outside the table included. */
FERRY_API const ferry_strmap_t *ferry_config_originals(const ferry_config_t *c);
/* "\tkey = value\n" for every key of the table in name order, PASSWORD values as [hidden] (what
 * Connect logs as "<Name>Config values:"); malloc'd, NULL when out of memory. */
FERRY_API char *ferry_config_describe(const ferry_config_t *c);

FERRY_API char **ferry_split_list(const char *s, size_t *n);
FERRY_API void ferry_strlist_free(char **list, size_t n);
FERRY_API void ferry_strlist_sort(char **list, size_t n); /* by strcmp */

FERRY_API const char *ferry_cfg_type_name(ferry_cfg_type_t t); /* "STRING", ... as Connect names them */
FERRY_API const char *ferry_cfg_importance_name(ferry_cfg_importance_t i); /* "HIGH", ... */

/* Strict number parsing: the whole string must be a number in range. 0 on success. */
FERRY_API int ferry_parse_int64(const char *s, int64_t *out);
FERRY_API int ferry_parse_double(const char *s, double *out);
FERRY_API int ferry_parse_bool(const char *s, bool *out); /* true/false, case-insensitive */

#endif
