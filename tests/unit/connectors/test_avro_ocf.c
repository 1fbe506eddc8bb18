/* Unit tests of the Avro object container files (worker/connectors/shared/avro/avro_ocf): a header
 * and blocks written and read back, the writer with the null, deflate and snappy codecs round-tripped
 * through the block reader. With FERRY_AVRO_OCF_OUT (and FERRY_AVRO_OCF_DIR) set, the files are also
 * written there for an independent reader (tests/connectors/avro/ocf.sh checks them with fastavro). */
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

/* The records of the codec tests: 250 rows, so that a flush every 100 records gives three blocks
 * (100, 100, 50) and the data compresses (repeated names). */
static ferry_schema_t *codec_schema(void)
{
        ferry_schema_t *s = ferry_schema_struct("com.example.Row");
        ferry_schema_add_field(s, "id", ferry_schema_new(FERRY_TYPE_INT64));
        ferry_schema_add_field(s, "name", ferry_schema_optional(FERRY_TYPE_STRING));
        return s;
}

static void write_codec_file(const char *codec, int level, ferry_buf_t *file,
                             ferry_avro_schema_t **out_schema, ferry_buf_t *plain)
{
        ferry_schema_t *s = codec_schema();
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        char err[256] = "";
        ferry_avro_schema_t *a = ferry_avro_from_connect(&cfg, s, err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_buf_t text;
        ferry_buf_init(&text);
        cr_assert_eq(ferry_avro_write_json(a, &text, err, sizeof(err)), 0);
        ferry_avro_ocf_writer_t w;
        cr_assert_eq(
                ferry_avro_ocf_writer_init(&w, file, text.p, codec, level, 0, 100, NULL, err, sizeof(err)), 0,
                "%s", err);
        for (int i = 0; i < 250; i++) {
                ferry_value_t *v = ferry_value_struct(s);
                ferry_struct_put_int(v, "id", i);
                if (i % 7)
                        ferry_struct_put_string(v, "name", i % 2 ? "odd row name" : "even row name");
                size_t before = ferry_avro_ocf_writer_record_buf(&w)->len;
                cr_assert_eq(ferry_avro_encode(ferry_avro_root(a), s, v, ferry_avro_ocf_writer_record_buf(&w),
                                               err, sizeof(err)),
                             0, "%s", err);
                /* The same bytes, kept uncompressed, to compare with what the reader gives back. */
                ferry_buf_t *rb = ferry_avro_ocf_writer_record_buf(&w);
                ferry_buf_append(plain, rb->p + before, rb->len - before);
                cr_assert_eq(ferry_avro_ocf_writer_commit(&w), 0);
                ferry_value_free(v);
        }
        cr_assert_eq(ferry_avro_ocf_writer_flush(&w), 0);
        cr_assert_eq(ferry_avro_ocf_writer_flush(&w), 0); /* nothing open: no empty block */
        cr_assert_eq(w.records, 250);
        cr_assert_eq(w.blocks, 3);
        ferry_avro_ocf_writer_free(&w);
        ferry_buf_free(&text);
        ferry_schema_unref(s);
        *out_schema = a;
}

static void codec_round_trip(const char *codec, int level)
{
        ferry_buf_t file, plain, back;
        ferry_buf_init(&file);
        ferry_buf_init(&plain);
        ferry_buf_init(&back);
        ferry_avro_schema_t *a;
        write_codec_file(codec, level, &file, &a, &plain);
        char err[256] = "", *schema, *name;
        unsigned char sync[16];
        size_t used;
        cr_assert_eq(
                ferry_avro_ocf_read_header(file.p, file.len, &schema, &name, sync, &used, err, sizeof(err)),
                0, "%s", err);
        cr_assert_str_eq(name, codec);
        ferry_avro_codec_t c;
        cr_assert_eq(ferry_avro_codec_parse(name, &c, err, sizeof(err)), 0);
        size_t pos = used;
        int64_t total = 0, blocks = 0;
        while (pos < file.len) {
                int64_t count;
                cr_assert_eq(ferry_avro_ocf_read_block(file.p + pos, file.len - pos, c, sync, &count, &back,
                                                       &used, err, sizeof(err)),
                             0, "%s", err);
                cr_assert_eq(count, blocks < 2 ? 100 : 50);
                total += count;
                blocks++;
                pos += used;
        }
        cr_assert_eq(total, 250);
        cr_assert_eq(blocks, 3);
        cr_assert_eq(back.len, plain.len);
        cr_assert(memcmp(back.p, plain.p, plain.len) == 0);
        /* Every record decodes against the schema, and nothing is left over. */
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, back.p, back.len);
        for (int i = 0; i < 250; i++)
                cr_assert_eq(ferry_avro_skip(&r, ferry_avro_root(a)), 0);
        cr_assert_eq(r.p, r.end);
        if (strcmp(codec, "null") != 0)
                cr_assert_lt(file.len, plain.len, "%s did not compress: %zu >= %zu", codec, file.len,
                             plain.len);
        const char *dir = getenv("FERRY_AVRO_OCF_DIR");
        if (dir) {
                char path[1024];
                snprintf(path, sizeof(path), "%s/rows.%s.avro", dir, codec);
                FILE *f = fopen(path, "wb");
                cr_assert_not_null(f);
                cr_assert_eq(fwrite(file.p, 1, file.len, f), file.len);
                fclose(f);
        }
        free(schema);
        free(name);
        ferry_avro_schema_free(a);
        ferry_buf_free(&file);
        ferry_buf_free(&plain);
        ferry_buf_free(&back);
}

Test(avro_ocf, codec_null)
{
        codec_round_trip("null", -1);
}

Test(avro_ocf, codec_deflate)
{
        codec_round_trip("deflate", 9);
}

Test(avro_ocf, codec_snappy)
{
        codec_round_trip("snappy", -1);
}

Test(avro_ocf, codec_names_and_levels)
{
        ferry_avro_codec_t c;
        char err[256] = "";
        cr_assert_eq(ferry_avro_codec_parse(NULL, &c, err, sizeof(err)), 0);
        cr_assert_eq(c, FERRY_AVRO_CODEC_NULL);
        cr_assert_eq(ferry_avro_codec_parse("bzip2", &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "bzip2") && strstr(err, "avro.codec"), "%s", err);
        ferry_buf_t out;
        ferry_buf_init(&out);
        ferry_avro_ocf_writer_t w;
        cr_assert_eq(
                ferry_avro_ocf_writer_init(&w, &out, "\"long\"", "deflate", 10, 0, 0, NULL, err, sizeof(err)),
                -1);
        cr_assert(strstr(err, "deflate level"), "%s", err);
        cr_assert_eq(ferry_avro_ocf_writer_init(&w, &out, "\"long\"", "xz", -1, 0, 0, NULL, err, sizeof(err)),
                     -1);
        ferry_buf_free(&out);
}

Test(avro_ocf, flush_at_size)
{
        /* With a 64-byte block size and no count limit, a block is written as soon as it holds
         * 64 bytes: 8-byte records (long 2^40 zigzags to 6 bytes, plus filler) give blocks of 8. */
        ferry_buf_t out, rec;
        ferry_buf_init(&out);
        ferry_buf_init(&rec);
        ferry_avro_ocf_writer_t w;
        char err[256] = "";
        cr_assert_eq(ferry_avro_ocf_writer_init(&w, &out, "\"string\"", "snappy", -1, 64, 0, NULL, err,
                                                sizeof(err)),
                     0, "%s", err);
        for (int i = 0; i < 20; i++)
                cr_assert_eq(ferry_avro_ocf_writer_append(&w,
                                                          "\x0e"
                                                          "abcdefg",
                                                          8),
                             0);
        cr_assert_eq(w.blocks, 2);
        cr_assert_eq(w.count, 4);
        cr_assert_eq(ferry_avro_ocf_writer_flush(&w), 0);
        cr_assert_eq(w.records, 20);
        ferry_avro_ocf_writer_free(&w);
        /* A corrupted snappy block is refused by its checksum or by the decompressor. */
        char *schema, *name;
        unsigned char sync[16];
        size_t used, used2;
        cr_assert_eq(
                ferry_avro_ocf_read_header(out.p, out.len, &schema, &name, sync, &used, err, sizeof(err)), 0);
        int64_t count;
        cr_assert_eq(ferry_avro_ocf_read_block(out.p + used, out.len - used, FERRY_AVRO_CODEC_SNAPPY, sync,
                                               &count, &rec, &used2, err, sizeof(err)),
                     0, "%s", err);
        cr_assert_eq(count, 8);
        cr_assert_eq(rec.len, 64);
        out.p[used + used2 - 17] ^= 0x55; /* last CRC byte of the first block */
        ferry_buf_reset(&rec);
        cr_assert_eq(ferry_avro_ocf_read_block(out.p + used, out.len - used, FERRY_AVRO_CODEC_SNAPPY, sync,
                                               &count, &rec, &used2, err, sizeof(err)),
                     -1);
        cr_assert(strstr(err, "snappy"), "%s", err);
        free(schema);
        free(name);
        ferry_buf_free(&out);
        ferry_buf_free(&rec);
}
