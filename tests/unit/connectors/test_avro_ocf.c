/* Unit tests of the Avro object container file framing (worker/connectors/shared/avro/avro_ocf):
 * a header and blocks written and read back. With FERRY_AVRO_OCF_OUT set, the file is also
 * written there for an independent reader (tests/connectors/avro/ocf.sh checks it with fastavro). */
#include "shared/avro/avro_data.h"
#include "shared/avro/avro_ocf.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Test(avro_ocf, write_and_read_back)
{
        ferry_schema_t *s = ferry_schema_struct("com.example.Row");
        ferry_schema_add_field(s, "id", ferry_schema_new(FERRY_TYPE_INT64));
        ferry_schema_add_field(s, "name", ferry_schema_optional(FERRY_TYPE_STRING));
        ferry_schema_add_field(s, "amount", ferry_schema_decimal(2));
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        char err[256] = "";
        ferry_avro_schema_t *a = ferry_avro_from_connect(&cfg, s, err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_buf_t text, file, block;
        ferry_buf_init(&text);
        ferry_buf_init(&file);
        ferry_buf_init(&block);
        cr_assert_eq(ferry_avro_write_json(a, &text, err, sizeof(err)), 0);
        const unsigned char sync[16] = "0123456789abcdef";
        cr_assert_eq(ferry_avro_ocf_header(&file, text.p, "null", sync), 0);
        for (int blk = 0; blk < 2; blk++) {
                ferry_buf_reset(&block);
                for (int i = 0; i < 3; i++) {
                        ferry_value_t *v = ferry_value_struct(s);
                        ferry_struct_put_int(v, "id", blk * 3 + i);
                        if (i != 1)
                                ferry_struct_put_string(v, "name", i ? "two" : "zero");
                        ferry_struct_put(v, "amount", ferry_value_bytes("\x04\xd2", 2));
                        cr_assert_eq(ferry_avro_encode(ferry_avro_root(a), s, v, &block, err, sizeof(err)), 0,
                                     "%s", err);
                        ferry_value_free(v);
                }
                cr_assert_eq(ferry_avro_ocf_block(&file, 3, block.p, block.len, sync), 0);
        }
        char *schema, *codec;
        unsigned char back[16];
        size_t used;
        cr_assert_eq(
                ferry_avro_ocf_read_header(file.p, file.len, &schema, &codec, back, &used, err, sizeof(err)),
                0, "%s", err);
        cr_assert_str_eq(schema, text.p);
        cr_assert_str_eq(codec, "null");
        cr_assert(memcmp(back, sync, 16) == 0);
        /* Two blocks of three records, each followed by the sync marker. */
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, file.p + used, file.len - used);
        for (int blk = 0; blk < 2; blk++) {
                int64_t count, size;
                cr_assert_eq(ferry_avro_read_long(&r, &count), 0);
                cr_assert_eq(count, 3);
                cr_assert_eq(ferry_avro_read_long(&r, &size), 0);
                const unsigned char *start = r.p;
                for (int i = 0; i < 3; i++)
                        cr_assert_eq(ferry_avro_skip(&r, ferry_avro_root(a)), 0);
                cr_assert_eq(r.p - start, size);
                const char *m;
                cr_assert_eq(ferry_avro_read_fixed(&r, 16, &m), 0);
                cr_assert(memcmp(m, sync, 16) == 0);
        }
        cr_assert_eq(r.p, r.end);
        const char *path = getenv("FERRY_AVRO_OCF_OUT");
        if (path) {
                FILE *f = fopen(path, "wb");
                cr_assert_not_null(f);
                cr_assert_eq(fwrite(file.p, 1, file.len, f), file.len);
                fclose(f);
        }
        free(schema);
        free(codec);
        cr_assert_eq(ferry_avro_ocf_read_header("Obj", 3, &schema, &codec, back, &used, err, sizeof(err)),
                     -1);
        ferry_buf_free(&text);
        ferry_buf_free(&file);
        ferry_buf_free(&block);
        ferry_avro_schema_free(a);
        ferry_schema_unref(s);
}
