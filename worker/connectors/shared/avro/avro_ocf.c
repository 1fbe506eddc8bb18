/* Avro object container file framing (see avro_ocf.h): writes the header and data blocks the
 * storage sinks put in .avro files, and reads a header back (tests, and readers of such files).
 * The records inside a block come from the value mapping (avro_data.c). */
#include "avro_ocf.h"

#include "avro_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ferry_avro_ocf_header(ferry_buf_t *out, const char *schema_json, const char *codec,
                          const unsigned char sync[FERRY_AVRO_SYNC_SIZE])
{
        if (ferry_buf_append(out, "Obj\x01", 4) < 0 || ferry_avro_write_long(out, 2) < 0 ||
            ferry_avro_write_bytes(out, "avro.schema", 11) < 0 ||
            ferry_avro_write_bytes(out, schema_json, strlen(schema_json)) < 0 ||
            ferry_avro_write_bytes(out, "avro.codec", 10) < 0 ||
            ferry_avro_write_bytes(out, codec, strlen(codec)) < 0 || ferry_avro_write_long(out, 0) < 0)
                return -1;
        return ferry_buf_append(out, sync, FERRY_AVRO_SYNC_SIZE);
}

int ferry_avro_ocf_block(ferry_buf_t *out, int64_t count, const void *data, size_t len,
                         const unsigned char sync[FERRY_AVRO_SYNC_SIZE])
{
        if (ferry_avro_write_long(out, count) < 0 || ferry_avro_write_long(out, (int64_t)len) < 0 ||
            (len && ferry_buf_append(out, data, len) < 0))
                return -1;
        return ferry_buf_append(out, sync, FERRY_AVRO_SYNC_SIZE);
}

static char *dup_n(const char *p, size_t n)
{
        char *s = malloc(n + 1);
        if (s) {
                memcpy(s, p, n);
                s[n] = '\0';
        }
        return s;
}

int ferry_avro_ocf_read_header(const void *data, size_t len, char **schema, char **codec,
                               unsigned char sync[FERRY_AVRO_SYNC_SIZE], size_t *used, char *errstr,
                               size_t errstr_size)
{
        *schema = *codec = NULL;
        if (len < 4 || memcmp(data, "Obj\x01", 4) != 0) {
                snprintf(errstr, errstr_size, "Not an Avro data file");
                return -1;
        }
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, (const char *)data + 4, len - 4);
        for (;;) {
                int64_t count;
                if (ferry_avro_read_block(&r, &count) < 0)
                        goto bad;
                if (!count)
                        break;
                for (int64_t i = 0; i < count; i++) {
                        const char *k, *v;
                        size_t kl, vl;
                        if (ferry_avro_read_bytes(&r, &k, &kl) < 0 || ferry_avro_read_bytes(&r, &v, &vl) < 0)
                                goto bad;
                        char **dst = kl == 11 && memcmp(k, "avro.schema", 11) == 0  ? schema
                                     : kl == 10 && memcmp(k, "avro.codec", 10) == 0 ? codec
                                                                                    : NULL;
                        if (dst) {
                                free(*dst);
                                if (!(*dst = dup_n(v, vl)))
                                        goto bad;
                        }
                }
        }
        const char *s;
        if (ferry_avro_read_fixed(&r, FERRY_AVRO_SYNC_SIZE, &s) < 0 || !*schema)
                goto bad;
        memcpy(sync, s, FERRY_AVRO_SYNC_SIZE);
        if (!*codec && !(*codec = dup_n("null", 4)))
                goto bad;
        *used = (size_t)((const unsigned char *)s + FERRY_AVRO_SYNC_SIZE - (const unsigned char *)data);
        return 0;
bad:
        free(*schema);
        free(*codec);
        *schema = *codec = NULL;
        snprintf(errstr, errstr_size, "Invalid Avro data file header: %s", r.err ? r.err : "no schema");
        return -1;
}
