/* libFuzzer target for the Avro code that reads outside input (worker/connectors/shared/avro):
 * the schema JSON parser (a registry's or a file's schema text) and the binary decoder (record
 * payloads from Kafka). The first input byte picks the mode:
 *   even: the rest is schema JSON (and, read another way, an object container file header); a
 *         parsed schema is written back, and that text must parse and write back to itself;
 *   odd:  the rest is Avro binary for one of a few fixed writer schemas, or the schemaless
 *         Anything record (picked by the byte), checked by the skipper and decoded into Connect
 *         values, which must encode again.
 * Build by hand: clang -fsanitize=fuzzer,address,undefined with the worker sources (see
 * docs/connectors/avro.md), or `make fuzz` where the Makefile builds every tests/fuzz/fuzz_*.c. */
#include "shared/avro/avro_data.h"
#include "shared/avro/avro_ocf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const schemas[] = {
        ("{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\",\"fields\":["
         "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"name\",\"type\":\"string\"},"
         "{\"name\":\"qty\",\"type\":{\"type\":\"int\",\"connect.type\":\"int16\"}},"
         "{\"name\":\"price\",\"type\":\"double\"},{\"name\":\"ratio\",\"type\":\"float\"},"
         "{\"name\":\"ok\",\"type\":\"boolean\"},{\"name\":\"note\",\"type\":[\"null\",\"string\"],"
         "\"default\":null},"
         "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[\"NEW\",\"OLD\"]}},"
         "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
         "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":\"int\"}},"
         "{\"name\":\"raw\",\"type\":\"bytes\"},{\"name\":\"code\",\"type\":{\"type\":\"fixed\",\"name\":"
         "\"Code\","
         "\"size\":2}},{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
         "\"precision\":10,\"scale\":2}},{\"name\":\"either\",\"type\":[\"int\",\"string\",\"null\"]},"
         "{\"name\":\"byid\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":"
         "\"MapEntry\","
         "\"namespace\":\"io.confluent.connect.avro\",\"fields\":[{\"name\":\"key\",\"type\":\"int\"},"
         "{\"name\":\"value\",\"type\":\"string\"}]}}}]}"),
        "[\"null\",\"long\"]",
        ("{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
         "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}"),
        "{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":[\"null\",\"boolean\",\"double\"]}}",
};

#define N_SCHEMAS (sizeof(schemas) / sizeof(schemas[0]))

static ferry_avro_schema_t *parsed[N_SCHEMAS];
static ferry_schema_t *connect[N_SCHEMAS];

static void setup(void)
{
        static int done;
        if (done)
                return;
        done = 1;
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        char err[256];
        for (size_t i = 0; i < N_SCHEMAS; i++) {
                parsed[i] = ferry_avro_parse(schemas[i], strlen(schemas[i]), err, sizeof(err));
                if (!parsed[i])
                        abort();
                connect[i] =
                        ferry_avro_to_connect(&cfg, parsed[i], -1, err, sizeof(err)); /* NULL: recursive */
        }
}

static void schema_mode(const uint8_t *data, size_t size)
{
        char err[256];
        /* The same bytes as an object container file header. */
        char *schema = NULL, *codec = NULL;
        unsigned char sync[FERRY_AVRO_SYNC_SIZE];
        size_t used;
        if (ferry_avro_ocf_read_header(data, size, &schema, &codec, sync, &used, err, sizeof(err)) == 0) {
                if (used > size || !schema || !codec)
                        abort();
                /* Then its blocks, decompressed with the header's codec (or each codec in turn when
                 * the header names none this build writes). */
                ferry_avro_codec_t c;
                int first = 0, last = 2;
                if (ferry_avro_codec_parse(codec, &c, err, sizeof(err)) == 0)
                        first = last = (int)c;
                for (int k = first; k <= last; k++) {
                        ferry_buf_t out;
                        ferry_buf_init(&out);
                        size_t pos = used, u;
                        int64_t count;
                        while (pos < size &&
                               ferry_avro_ocf_read_block(data + pos, size - pos, (ferry_avro_codec_t)k, sync,
                                                         &count, &out, &u, err, sizeof(err)) == 0) {
                                if (u == 0 || u > size - pos)
                                        abort();
                                pos += u;
                        }
                        ferry_buf_free(&out);
                }
        }
        free(schema);
        free(codec);
        ferry_avro_schema_t *a = ferry_avro_parse((const char *)data, size, err, sizeof(err));
        if (!a)
                return;
        ferry_buf_t b1, b2;
        ferry_buf_init(&b1);
        ferry_buf_init(&b2);
        if (ferry_avro_write_json(a, &b1, err, sizeof(err)) == 0) {
                ferry_avro_schema_t *again = ferry_avro_parse(b1.p, b1.len, err, sizeof(err));
                if (!again)
                        abort(); /* what we write must parse */
                if (ferry_avro_write_json(again, &b2, err, sizeof(err)) != 0 || b1.len != b2.len ||
                    memcmp(b1.p, b2.p, b1.len) != 0)
                        abort(); /* and write back to itself */
                /* Through the mapping with the default options, then with the AvroData options
                 * (scrub.invalid.names, discard.type.doc.default, generalized.sum.type.support,
                 * enhanced.avro.schema.support) on. */
                for (int k = 0; k < 2; k++) {
                        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
                        cfg.scrub_invalid_names = cfg.discard_type_doc_default = k == 1;
                        cfg.generalized_sum_type_support = cfg.enhanced_schema_support = k == 1;
                        ferry_schema_t *s = ferry_avro_to_connect(&cfg, again, 3, err, sizeof(err));
                        if (s) {
                                ferry_avro_schema_t *back =
                                        ferry_avro_from_connect(&cfg, s, err, sizeof(err));
                                ferry_avro_schema_free(back);
                                ferry_schema_unref(s);
                        }
                }
                ferry_avro_schema_free(again);
        }
        ferry_buf_free(&b1);
        ferry_buf_free(&b2);
        ferry_avro_schema_free(a);
}

/* Schemaless values (the Anything record): decoded values must encode again. */
static void anything_mode(const uint8_t *data, size_t size)
{
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, data, size);
        ferry_value_t *v = NULL;
        char err[256];
        if (ferry_avro_decode_anything(&r, &v, err, sizeof(err)) == 0) {
                ferry_buf_t b;
                ferry_buf_init(&b);
                if (ferry_avro_encode_anything(v, &b, err, sizeof(err)) != 0) {
                        fprintf(stderr, "decoded schemaless value does not encode again: %s\n", err);
                        abort();
                }
                ferry_buf_free(&b);
        }
        ferry_value_free(v);
}

static void data_mode(unsigned which, const uint8_t *data, size_t size)
{
        if (which % (N_SCHEMAS + 1) == N_SCHEMAS) {
                anything_mode(data, size);
                return;
        }
        size_t i = which % (N_SCHEMAS + 1);
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, data, size);
        (void)ferry_avro_skip(&r, ferry_avro_root(parsed[i]));
        if (!connect[i])
                return;
        ferry_avro_reader_init(&r, data, size);
        ferry_value_t *v = NULL;
        char err[256];
        if (ferry_avro_decode(ferry_avro_root(parsed[i]), connect[i], &r, &v, err, sizeof(err)) == 0) {
                ferry_buf_t b;
                ferry_buf_init(&b);
                if (ferry_avro_encode(ferry_avro_root(parsed[i]), connect[i], v, &b, err, sizeof(err)) != 0) {
                        fprintf(stderr, "decoded value does not encode again: %s\n", err);
                        abort(); /* a decoded value always encodes again */
                }
                ferry_buf_free(&b);
        }
        ferry_value_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        setup();
        if (size < 1)
                return 0;
        if (data[0] % 2 == 0)
                schema_mode(data + 1, size - 1);
        else
                data_mode(data[0] / 2, data + 1, size - 1);
        return 0;
}
