/* libFuzzer target for JsonConverter.to_connect (worker/plugins/json_converter.c), which reads the
 * bytes of every record a sink consumes with schemas.enable=true. The input is two records split
 * at the first NUL byte: the first primes a converter with a schema cache (so the second may take
 * the path that reuses the last schema text and parses only the payload), the second goes to it
 * and to a converter without caches. Both must agree: same result, same schema and value, or the
 * same error text. Nothing may crash or leak. */
#include "../../worker/plugins/builtin.h"

#include <ferry/converter.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *conv(const char *cache_size)
{
        ferry_strmap_t m;
        ferry_strmap_init(&m);
        ferry_strmap_set(&m, "schemas.enable", "true");
        ferry_strmap_set(&m, "schemas.cache.size", cache_size);
        void *st = NULL;
        char err[256];
        if (ferry_json_converter.configure(&st, &m, false, err, sizeof(err)) != FERRY_ERR_OK)
                abort();
        ferry_strmap_free(&m);
        return st;
}

static ferry_err_t convert_record(void *st, const uint8_t *p, size_t n, ferry_schema_t **s, ferry_value_t **v,
                                  char *err, size_t err_size)
{
        *s = NULL;
        *v = NULL;
        err[0] = '\0';
        return ferry_json_converter.to_connect(st, "t", n ? (const char *)p : "", n, s, v, err, err_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static void *cached, *plain;
        if (!cached) {
                cached = conv("16");
                plain = conv("0");
        }
        const uint8_t *nul = memchr(data, 0, size);
        const uint8_t *second = data;
        size_t second_len = size;
        ferry_schema_t *s1, *s2;
        ferry_value_t *v1, *v2;
        char e1[512], e2[512];
        if (nul) {
                convert_record(cached, data, (size_t)(nul - data), &s1, &v1, e1, sizeof(e1));
                ferry_schema_unref(s1);
                ferry_value_free(v1);
                second = nul + 1;
                second_len = size - (size_t)(nul - data) - 1;
        }
        ferry_err_t r1 = convert_record(cached, second, second_len, &s1, &v1, e1, sizeof(e1));
        ferry_err_t r2 = convert_record(plain, second, second_len, &s2, &v2, e2, sizeof(e2));
        if (r1 != r2)
                abort();
        if (r1 == FERRY_ERR_OK) {
                if (!ferry_schema_equal(s1, s2) || !ferry_value_equal(v1, v2))
                        abort();
        } else if (strcmp(e1, e2) || s1 || v1) {
                abort();
        }
        ferry_schema_unref(s1);
        ferry_schema_unref(s2);
        ferry_value_free(v1);
        ferry_value_free(v2);
        return 0;
}
