/* Single message transforms and predicates. A transform returns the record changed in place,
 * a replacement, or NULL to drop it; a predicate says whether a transform applies. */
#ifndef FERRY_TRANSFORM_H
#define FERRY_TRANSFORM_H

#include <ferry/api.h>

#include <ferry/errors.h>
#include <ferry/plugin.h>
#include <ferry/record.h>

typedef struct ferry_transform_plugin {
        ferry_plugin_info_t info; /* type TRANSFORMATION */
        ferry_err_t (*configure)(void **state, const ferry_strmap_t *config, char *errstr,
                                 size_t errstr_size);
        /* Takes ownership of rec; sets *out to the result (rec itself, another record, or NULL). */
        ferry_err_t (*apply)(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                             size_t errstr_size);
        void (*close)(void *state);
} ferry_transform_plugin_t;

typedef struct ferry_predicate_plugin {
        ferry_plugin_info_t info; /* type PREDICATE */
        ferry_err_t (*configure)(void **state, const ferry_strmap_t *config, char *errstr,
                                 size_t errstr_size);
        bool (*test)(void *state, const ferry_record_t *rec);
        void (*close)(void *state);
} ferry_predicate_plugin_t;

#endif
