/* String maps: insertion-ordered string -> string maps with copied keys and values; the raw form of
 * every configuration (properties, REST bodies, config records). Included by ferry/config.h. */
#ifndef FERRY_STRMAP_H
#define FERRY_STRMAP_H

#include <ferry/api.h>

#include <stdbool.h>
#include <stddef.h>

/* ---- string map (insertion ordered) ---- */
typedef struct {
        char *key;
        char *value;
} ferry_kv_t;

typedef struct {
        ferry_kv_t *kv;
        size_t n, cap;
} ferry_strmap_t;

FERRY_API void ferry_strmap_init(ferry_strmap_t *m);
FERRY_API void ferry_strmap_free(ferry_strmap_t *m);
FERRY_API void ferry_strmap_clear(ferry_strmap_t *m);
FERRY_API int ferry_strmap_set(ferry_strmap_t *m, const char *key, const char *value); /* copies; 0 ok */
FERRY_API int ferry_strmap_setn(ferry_strmap_t *m, const char *key, size_t klen, const char *value,
                                size_t vlen);
FERRY_API const char *ferry_strmap_get(const ferry_strmap_t *m, const char *key);
FERRY_API bool ferry_strmap_unset(ferry_strmap_t *m, const char *key);
FERRY_API int ferry_strmap_copy(ferry_strmap_t *dst, const ferry_strmap_t *src);
/* Same keys with the same values, in any order. */
FERRY_API bool ferry_strmap_equal(const ferry_strmap_t *a, const ferry_strmap_t *b);
/* Copies every key starting with prefix into dst, with the prefix removed. */
FERRY_API int ferry_strmap_sub(ferry_strmap_t *dst, const ferry_strmap_t *src, const char *prefix);

#endif
