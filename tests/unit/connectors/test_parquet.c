/* Unit tests of the Parquet writer (worker/connectors/shared/parquet): the Thrift compact encoder
 * and the RLE/bit-packed hybrid level encoder against hand-computed bytes, the Parquet schema
 * derived from Connect schemas (parquet-avro's layout), the file framing, row groups, rollback of a
 * refused record, and the codec names. tests/connectors/parquet/ reads the files with pyarrow. */
#include "shared/parquet/parquet.h"
#include "shared/parquet/parquet_int.h"
#include "shared/parquet/thrift_compact.h"
#include "shared/storage/storage_format.h"

#include <ferry/strmap.h>

#include <criterion/criterion.h>

#include <string.h>

static void assert_bytes(const ferry_buf_t *b, const unsigned char *want, size_t n)
{
        cr_assert_eq(b->len, n, "length %zu, want %zu", b->len, n);
        for (size_t i = 0; i < n; i++)
                cr_assert_eq((unsigned char)b->p[i], want[i], "byte %zu: %02x, want %02x", i,
                             (unsigned char)b->p[i], want[i]);
}

Test(parquet, thrift_compact)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_tc_t t;
        ferry_tc_init(&t, &b);
        ferry_tc_field_i32(&t, 1, 1);      /* delta 1, i32: 0x15, zigzag(1) = 2 */
        ferry_tc_field_i64(&t, 20, -1);    /* delta 19: long form 0x06, zigzag(20) = 40, zigzag(-1) = 1 */
        ferry_tc_field_bool(&t, 21, true); /* 0x11 */
        ferry_tc_field_string(&t, 22, "ab");
        ferry_tc_field_list(&t, 23, FERRY_TC_I32, 2);
        ferry_tc_elem_i32(&t, 0);
        ferry_tc_elem_i32(&t, 3);
        ferry_tc_field_struct(&t, 24);
        ferry_tc_field_i32(&t, 1, 64); /* inside the struct the field ids start again */
        ferry_tc_struct_end(&t);
        ferry_tc_struct_end(&t);
        cr_assert(!ferry_tc_error(&t));
        const unsigned char want[] = {0x15, 0x02, 0x06, 0x28, 0x01, 0x11, 0x18, 0x02, 'a',  'b',
                                      0x19, 0x25, 0x00, 0x06, 0x1c, 0x15, 0x80, 0x01, 0x00, 0x00};
        assert_bytes(&b, want, sizeof(want));
        ferry_buf_free(&b);
}

Test(parquet, rle_hybrid)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        uint16_t ones[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        cr_assert_eq(pq_rle_encode(&b, ones, 10, 1), 0);
        const unsigned char run[] = {0x14, 0x01}; /* 10 << 1, value 1 */
        assert_bytes(&b, run, sizeof(run));
        ferry_buf_reset(&b);
        uint16_t alt[9] = {0, 1, 0, 1, 0, 1, 0, 1, 1};
        cr_assert_eq(pq_rle_encode(&b, alt, 9, 1), 0);
        const unsigned char packed[] = {0x05, 0xaa, 0x01}; /* 2 groups of 8, LSB first, padded */
        assert_bytes(&b, packed, sizeof(packed));
        ferry_buf_reset(&b);
        /* Mixed: 8 values bit-packed, then a run of 12 twos, then a final short run. */
        uint16_t mix[21] = {0, 1, 2, 3, 0, 1, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3};
        cr_assert_eq(pq_rle_encode(&b, mix, 21, 2), 0);
        const unsigned char m[] = {0x03, 0xe4, 0xe4, 0x18, 0x02, 0x02, 0x03};
        assert_bytes(&b, m, sizeof(m));
        cr_assert_eq(pq_bit_width(0), 0);
        cr_assert_eq(pq_bit_width(1), 1);
        cr_assert_eq(pq_bit_width(2), 2);
        cr_assert_eq(pq_bit_width(3), 2);
        cr_assert_eq(pq_bit_width(4), 3);
        ferry_buf_free(&b);
}

static ferry_schema_t *every_type(void)
{
        ferry_schema_t *inner = ferry_schema_struct("com.example.Inner");
        ferry_schema_add_field(inner, "x", ferry_schema_new(FERRY_TYPE_INT32));
        ferry_schema_add_field(inner, "y", ferry_schema_optional(FERRY_TYPE_STRING));
        ferry_schema_set_optional(inner, true);
        ferry_schema_t *s = ferry_schema_struct("com.example.Row");
        ferry_schema_add_field(s, "i8", ferry_schema_new(FERRY_TYPE_INT8));
        ferry_schema_add_field(s, "i16", ferry_schema_new(FERRY_TYPE_INT16));
        ferry_schema_add_field(s, "i64", ferry_schema_optional(FERRY_TYPE_INT64));
        ferry_schema_add_field(s, "f32", ferry_schema_new(FERRY_TYPE_FLOAT32));
        ferry_schema_add_field(s, "f64", ferry_schema_new(FERRY_TYPE_FLOAT64));
        ferry_schema_add_field(s, "b", ferry_schema_new(FERRY_TYPE_BOOLEAN));
        ferry_schema_add_field(s, "raw", ferry_schema_new(FERRY_TYPE_BYTES));
        ferry_schema_add_field(s, "amount", ferry_schema_decimal(2));
        ferry_schema_add_field(s, "day", ferry_schema_logical(FERRY_LOGICAL_DATE));
        ferry_schema_add_field(s, "at", ferry_schema_logical(FERRY_LOGICAL_TIME));
        ferry_schema_add_field(s, "ts", ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP));
        ferry_schema_add_field(s, "inner", inner);
        ferry_schema_add_field(s, "nums", ferry_schema_array(ferry_schema_new(FERRY_TYPE_INT32)));
        ferry_schema_add_field(s, "attrs",
                               ferry_schema_map(ferry_schema_new(FERRY_TYPE_STRING),
                                                ferry_schema_optional(FERRY_TYPE_FLOAT64)));
        ferry_schema_add_field(
                s, "byid",
                ferry_schema_map(ferry_schema_new(FERRY_TYPE_INT32), ferry_schema_new(FERRY_TYPE_STRING)));
        return s;
}

Test(parquet, schema_as_parquet_avro_writes_it)
{
        ferry_schema_t *s = every_type();
        ferry_buf_t out, text;
        ferry_buf_init(&out);
        ferry_buf_init(&text);
        char err[256] = "";
        ferry_parquet_writer_t *w = ferry_parquet_writer_new(s, NULL, &out, err, sizeof(err));
        cr_assert_not_null(w, "%s", err);
        cr_assert_eq(ferry_parquet_writer_schema_text(w, &text), 0);
        cr_assert_str_eq(text.p, "message com.example.Row {\n"
                                 "  required int32 i8;\n"
                                 "  required int32 i16;\n"
                                 "  optional int64 i64;\n"
                                 "  required float f32;\n"
                                 "  required double f64;\n"
                                 "  required boolean b;\n"
                                 "  required binary raw;\n"
                                 "  required binary amount (DECIMAL(64,2));\n"
                                 "  required int32 day (DATE);\n"
                                 "  required int32 at (TIME(MILLIS,true));\n"
                                 "  required int64 ts (TIMESTAMP(MILLIS,true));\n"
                                 "  optional group inner {\n"
                                 "    required int32 x;\n"
                                 "    optional binary y (STRING);\n"
                                 "  }\n"
                                 "  required group nums (LIST) {\n"
                                 "    repeated int32 array;\n"
                                 "  }\n"
                                 "  required group attrs (MAP) {\n"
                                 "    repeated group key_value (MAP_KEY_VALUE) {\n"
                                 "      required binary key (STRING);\n"
                                 "      optional double value;\n"
                                 "    }\n"
                                 "  }\n"
                                 "  required group byid (LIST) {\n"
                                 "    repeated group array {\n"
                                 "      required int32 key;\n"
                                 "      required binary value (STRING);\n"
                                 "    }\n"
                                 "  }\n"
                                 "}\n");
        cr_assert_eq(memcmp(out.p, "PAR1", 4), 0);
        ferry_parquet_writer_free(w);
        ferry_schema_unref(s);
        /* An unnamed struct is AvroData's ConnectDefault record. */
        s = ferry_schema_struct(NULL);
        ferry_schema_add_field(s, "a", ferry_schema_new(FERRY_TYPE_STRING));
        ferry_buf_reset(&text);
        w = ferry_parquet_writer_new(s, NULL, &out, err, sizeof(err));
        cr_assert_not_null(w, "%s", err);
        ferry_parquet_writer_schema_text(w, &text);
        cr_assert_str_eq(text.p, "message io.confluent.connect.avro.ConnectDefault {\n"
                                 "  required binary a (STRING);\n"
                                 "}\n");
        ferry_parquet_writer_free(w);
        ferry_schema_unref(s);
        ferry_buf_free(&out);
        ferry_buf_free(&text);
}

Test(parquet, refused_schemas)
{
        ferry_buf_t out;
        ferry_buf_init(&out);
        char err[256] = "";
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRING);
        cr_assert_null(ferry_parquet_writer_new(s, NULL, &out, err, sizeof(err)));
        cr_assert(strstr(err, "struct schema"), "%s", err);
        ferry_schema_unref(s);
        s = ferry_schema_struct("R");
        ferry_schema_add_field(s, "empty", ferry_schema_struct("E"));
        cr_assert_null(ferry_parquet_writer_new(s, NULL, &out, err, sizeof(err)));
        cr_assert(strstr(err, "field empty:"), "%s", err);
        ferry_schema_unref(s);
        s = ferry_schema_struct("R");
        ferry_schema_t *d = ferry_schema_new(FERRY_TYPE_BYTES);
        ferry_schema_set_name(d, FERRY_LOGICAL_DECIMAL);
        ferry_schema_add_field(s, "amount", d);
        cr_assert_null(ferry_parquet_writer_new(s, NULL, &out, err, sizeof(err)));
        cr_assert(strstr(err, "field amount: Invalid Decimal schema"), "%s", err);
        ferry_schema_unref(s);
        ferry_buf_free(&out);
}

static uint32_t le32(const char *p)
{
        const unsigned char *u = (const unsigned char *)p;
        return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

static ferry_schema_t *small_schema(void)
{
        ferry_schema_t *s = ferry_schema_struct("R");
        ferry_schema_add_field(s, "id", ferry_schema_new(FERRY_TYPE_INT64));
        ferry_schema_add_field(s, "tags", ferry_schema_array(ferry_schema_new(FERRY_TYPE_STRING)));
        return s;
}

static ferry_value_t *small_row(ferry_schema_t *s, int64_t id, bool null_tag)
{
        ferry_value_t *v = ferry_value_struct(s);
        ferry_struct_put_int(v, "id", id);
        ferry_value_t *tags = ferry_value_array();
        ferry_array_append(tags, ferry_value_cstring("a"));
        ferry_array_append(tags, null_tag ? NULL : ferry_value_cstring("b"));
        ferry_struct_put(v, "tags", tags);
        return v;
}

Test(parquet, refused_record_leaves_the_file_as_it_was)
{
        ferry_schema_t *s = small_schema();
        ferry_buf_t out;
        ferry_buf_init(&out);
        char err[256] = "";
        ferry_parquet_options_t opt = FERRY_PARQUET_OPTIONS_DEFAULT;
        opt.codec = FERRY_PARQUET_UNCOMPRESSED;
        ferry_parquet_writer_t *w = ferry_parquet_writer_new(s, &opt, &out, err, sizeof(err));
        cr_assert_not_null(w, "%s", err);
        ferry_value_t *good = small_row(s, 1, false), *bad = small_row(s, 2, true);
        cr_assert_eq(ferry_parquet_writer_write(w, good, err, sizeof(err)), 0, "%s", err);
        size_t before = ferry_parquet_writer_buffered(w);
        cr_assert_eq(ferry_parquet_writer_write(w, bad, err, sizeof(err)), -1);
        cr_assert(strstr(err, "field tags: element 1 is null"), "%s", err);
        cr_assert_eq(ferry_parquet_writer_buffered(w), before);
        ferry_value_t *nullid = ferry_value_struct(s);
        ferry_struct_put(nullid, "tags", ferry_value_array());
        cr_assert_eq(ferry_parquet_writer_write(w, nullid, err, sizeof(err)), -1);
        cr_assert(strstr(err, "field id: null value for a required field"), "%s", err);
        cr_assert_eq(ferry_parquet_writer_write(w, NULL, err, sizeof(err)), -1);
        cr_assert_eq(ferry_parquet_writer_write(w, good, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(ferry_parquet_writer_rows(w), 2);
        cr_assert_eq(ferry_parquet_writer_close(w, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(ferry_parquet_writer_write(w, good, err, sizeof(err)), -1);
        /* "PAR1" ... footer, its length, "PAR1". */
        cr_assert_geq(out.len, 12);
        cr_assert_eq(memcmp(out.p, "PAR1", 4), 0);
        cr_assert_eq(memcmp(out.p + out.len - 4, "PAR1", 4), 0);
        uint32_t footer = le32(out.p + out.len - 8);
        cr_assert_lt(footer, out.len - 12);
        cr_assert_eq(ferry_parquet_writer_position(w), out.len);
        ferry_value_free(good);
        ferry_value_free(bad);
        ferry_value_free(nullid);
        ferry_parquet_writer_free(w);
        ferry_schema_unref(s);
        ferry_buf_free(&out);
}

Test(parquet, row_groups_at_the_size_threshold)
{
        ferry_schema_t *s = small_schema();
        ferry_buf_t out;
        ferry_buf_init(&out);
        char err[256] = "";
        ferry_parquet_options_t opt = FERRY_PARQUET_OPTIONS_DEFAULT;
        opt.row_group_bytes = 4096;
        opt.page_bytes = 512;
        ferry_parquet_writer_t *w = ferry_parquet_writer_new(s, &opt, &out, err, sizeof(err));
        cr_assert_not_null(w, "%s", err);
        uint64_t shipped = 0;
        for (int i = 0; i < 5000; i++) {
                ferry_value_t *v = small_row(s, i, false);
                cr_assert_eq(ferry_parquet_writer_write(w, v, err, sizeof(err)), 0, "%s", err);
                ferry_value_free(v);
                cr_assert_lt(ferry_parquet_writer_buffered(w), 4096 + 1024);
                /* The caller may ship and drop what the writer has released. */
                shipped += out.len;
                ferry_buf_reset(&out);
        }
        cr_assert_gt(ferry_parquet_writer_row_groups(w), 3);
        cr_assert_eq(ferry_parquet_writer_close(w, err, sizeof(err)), 0, "%s", err);
        shipped += out.len;
        cr_assert_eq(ferry_parquet_writer_position(w), shipped);
        ferry_parquet_writer_free(w);
        ferry_schema_unref(s);
        ferry_buf_free(&out);
}

Test(parquet, codec_names)
{
        ferry_parquet_codec_t c;
        char err[256];
        cr_assert_eq(ferry_parquet_codec_parse("none", &c, err, sizeof(err)), 0);
        cr_assert_eq(c, FERRY_PARQUET_UNCOMPRESSED);
        cr_assert_str_eq(ferry_parquet_extension(c), ".parquet");
        cr_assert_eq(ferry_parquet_codec_parse("SNAPPY", &c, err, sizeof(err)), 0);
        cr_assert_str_eq(ferry_parquet_extension(c), ".snappy.parquet");
        cr_assert_eq(ferry_parquet_codec_parse("gzip", &c, err, sizeof(err)), 0);
        cr_assert_str_eq(ferry_parquet_extension(c), ".gz.parquet");
        cr_assert_eq(ferry_parquet_codec_parse("zstd", &c, err, sizeof(err)), 0);
        cr_assert_str_eq(ferry_parquet_extension(c), ".zstd.parquet");
        cr_assert_str_eq(ferry_parquet_codec_name(c), "zstd");
        cr_assert_eq(ferry_parquet_codec_parse("lzo", &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "parquet.codec"), "%s", err);
}

/* Every type, nested and null, through each codec, under the sanitizers (pyarrow reads the same
 * shapes in tests/connectors/parquet/files.sh). */
Test(parquet, every_type_each_codec)
{
        ferry_schema_t *s = every_type();
        const ferry_parquet_codec_t codecs[] = {FERRY_PARQUET_UNCOMPRESSED, FERRY_PARQUET_SNAPPY,
                                                FERRY_PARQUET_GZIP, FERRY_PARQUET_ZSTD};
        for (size_t c = 0; c < 4; c++) {
                ferry_buf_t out;
                ferry_buf_init(&out);
                char err[256] = "";
                ferry_parquet_options_t opt = FERRY_PARQUET_OPTIONS_DEFAULT;
                opt.codec = codecs[c];
                opt.page_bytes = 300;
                opt.row_group_bytes = 2000;
                ferry_parquet_writer_t *w = ferry_parquet_writer_new(s, &opt, &out, err, sizeof(err));
                cr_assert_not_null(w, "%s", err);
                for (int i = 0; i < 200; i++) {
                        ferry_value_t *v = ferry_value_struct(s);
                        ferry_struct_put_int(v, "i8", i % 100);
                        ferry_struct_put_int(v, "i16", i);
                        if (i % 3)
                                ferry_struct_put_int(v, "i64", (int64_t)i << 40);
                        ferry_struct_put_double(v, "f32", i / 3.0);
                        ferry_struct_put_double(v, "f64", i / 7.0);
                        ferry_struct_put_bool(v, "b", i % 2);
                        ferry_struct_put_bytes(v, "raw", "\x00\x01", (size_t)(i % 3));
                        ferry_struct_put(v, "amount", ferry_value_bytes("\x04\xd2", 2));
                        ferry_struct_put_int(v, "day", i);
                        ferry_struct_put_int(v, "at", i * 1000);
                        ferry_struct_put_int(v, "ts", 1700000000000LL + i);
                        if (i % 4) {
                                const ferry_field_t *f = ferry_schema_field(s, "inner");
                                ferry_value_t *in = ferry_value_struct(f->schema);
                                ferry_struct_put_int(in, "x", i);
                                if (i % 5)
                                        ferry_struct_put_string(in, "y", "why");
                                ferry_struct_put(v, "inner", in);
                        }
                        ferry_value_t *nums = ferry_value_array();
                        for (int k = 0; k < i % 4; k++)
                                ferry_array_append(nums, ferry_value_int(FERRY_TYPE_INT32, k));
                        ferry_struct_put(v, "nums", nums);
                        ferry_value_t *attrs = ferry_value_map();
                        for (int k = 0; k < i % 3; k++)
                                ferry_map_put_str(attrs, k ? "b" : "a",
                                                  k == 1 ? NULL : ferry_value_float(FERRY_TYPE_FLOAT64, k));
                        ferry_struct_put(v, "attrs", attrs);
                        ferry_value_t *byid = ferry_value_map();
                        ferry_map_put(byid, ferry_value_int(FERRY_TYPE_INT32, i), ferry_value_cstring("v"));
                        ferry_struct_put(v, "byid", byid);
                        cr_assert_eq(ferry_parquet_writer_write(w, v, err, sizeof(err)), 0, "row %d: %s", i,
                                     err);
                        ferry_value_free(v);
                }
                cr_assert_gt(ferry_parquet_writer_row_groups(w), 1);
                cr_assert_geq(ferry_parquet_writer_memory(w), ferry_parquet_writer_buffered(w));
                cr_assert_eq(ferry_parquet_writer_close(w, err, sizeof(err)), 0, "%s", err);
                cr_assert_eq(memcmp(out.p + out.len - 4, "PAR1", 4), 0);
                cr_assert_eq(ferry_parquet_writer_position(w), out.len);
                ferry_parquet_writer_free(w);
                ferry_buf_free(&out);
        }
        ferry_schema_unref(s);
}

/* The ParquetFormat behind the storage core's format table. */
Test(parquet, storage_format)
{
        const storage_format_t *f =
                storage_format_find("io.confluent.connect.s3.format.parquet.ParquetFormat");
        cr_assert_eq(f, &storage_format_parquet);
        cr_assert_eq(storage_format_find("io.confluent.connect.hdfs.parquet.ParquetFormat"), f);
        ferry_strmap_t cfg;
        ferry_strmap_init(&cfg);
        char err[256] = "";
        void *inst = NULL;
        cr_assert_eq(f->configure(&cfg, &inst, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(f->extension(inst), ".snappy.parquet"); /* parquet.codec defaults to snappy */
        f->release(inst);
        ferry_strmap_set(&cfg, "parquet.codec", "brotli");
        cr_assert_eq(f->configure(&cfg, &inst, err, sizeof(err)), -1);
        cr_assert(strstr(err, "parquet.codec"), "%s", err);
        ferry_strmap_set(&cfg, "parquet.codec", "gzip");
        cr_assert_eq(f->configure(&cfg, &inst, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(f->extension(inst), ".gz.parquet");
        ferry_buf_t out;
        ferry_buf_init(&out);
        void *w = NULL;
        cr_assert_eq(f->open(inst, &out, NULL, &w, err, sizeof(err)), -1);
        cr_assert(strstr(err, "schemaless"), "%s", err);
        ferry_schema_t *s = small_schema();
        cr_assert_eq(f->open(inst, &out, s, &w, err, sizeof(err)), 0, "%s", err);
        ferry_value_t *v = small_row(s, 7, false);
        cr_assert_eq(f->write(w, NULL, s, v, err, sizeof(err)), 0, "%s", err);
        cr_assert_gt(f->buffered(w), 0);
        cr_assert_eq(f->finish(w, err, sizeof(err)), 0, "%s", err);
        /* parquet-avro's footer metadata. */
        cr_assert_not_null(memmem(out.p, out.len, "parquet.avro.schema", 19));
        cr_assert_not_null(memmem(out.p, out.len, "writer.model.name", 17));
        f->free(w);
        f->release(inst);
        ferry_value_free(v);
        ferry_schema_unref(s);
        ferry_buf_free(&out);
        ferry_strmap_free(&cfg);
}

/* AvroData's union struct is an Avro union, which parquet-avro writes as member0..memberN. */
Test(parquet, union_struct)
{
        ferry_schema_t *u = ferry_schema_struct("io.confluent.connect.avro.Union");
        ferry_schema_add_field(u, "int", ferry_schema_optional(FERRY_TYPE_INT32));
        ferry_schema_add_field(u, "string", ferry_schema_optional(FERRY_TYPE_STRING));
        ferry_schema_set_optional(u, true);
        ferry_schema_t *s = ferry_schema_struct("R");
        ferry_schema_add_field(s, "u", u);
        ferry_buf_t out, text;
        ferry_buf_init(&out);
        ferry_buf_init(&text);
        char err[256] = "";
        ferry_parquet_writer_t *w = ferry_parquet_writer_new(s, NULL, &out, err, sizeof(err));
        cr_assert_not_null(w, "%s", err);
        ferry_parquet_writer_schema_text(w, &text);
        cr_assert_str_eq(text.p, "message R {\n"
                                 "  optional group u {\n"
                                 "    optional int32 member0;\n"
                                 "    optional binary member1 (STRING);\n"
                                 "  }\n"
                                 "}\n");
        ferry_value_t *v = ferry_value_struct(s);
        ferry_value_t *uv = ferry_value_struct(u);
        ferry_struct_put_string(uv, "string", "s");
        ferry_struct_put(v, "u", uv);
        cr_assert_eq(ferry_parquet_writer_write(w, v, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(ferry_parquet_writer_close(w, err, sizeof(err)), 0, "%s", err);
        ferry_value_free(v);
        ferry_parquet_writer_free(w);
        ferry_schema_unref(s);
        ferry_buf_free(&out);
        ferry_buf_free(&text);
}

/* Schemas nested too deep are refused; a file with no records is still a complete file. */
Test(parquet, depth_limit_and_empty_file)
{
        ferry_schema_t *inner = ferry_schema_new(FERRY_TYPE_INT32);
        for (int i = 0; i < 70; i++)
                inner = ferry_schema_array(inner);
        ferry_schema_t *s = ferry_schema_struct("R");
        ferry_schema_add_field(s, "deep", inner);
        ferry_buf_t out;
        ferry_buf_init(&out);
        char err[1024] = "";
        cr_assert_null(ferry_parquet_writer_new(s, NULL, &out, err, sizeof(err)));
        cr_assert(strstr(err, "nested deeper than 64 levels"), "%s", err);
        ferry_schema_unref(s);
        s = small_schema();
        ferry_buf_reset(&out);
        ferry_parquet_writer_t *w = ferry_parquet_writer_new(s, NULL, &out, err, sizeof(err));
        cr_assert_not_null(w, "%s", err);
        cr_assert_eq(ferry_parquet_writer_close(w, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(ferry_parquet_writer_row_groups(w), 0);
        cr_assert_eq(memcmp(out.p, "PAR1", 4), 0);
        cr_assert_eq(memcmp(out.p + out.len - 4, "PAR1", 4), 0);
        cr_assert_eq(le32(out.p + out.len - 8), out.len - 12);
        ferry_parquet_writer_free(w);
        ferry_schema_unref(s);
        ferry_buf_free(&out);
}

/* Long stretches without runs are cut into bit-packed runs of at most 63 groups (504 values). */
Test(parquet, rle_bit_packed_runs_of_63_groups)
{
        uint16_t v[1000];
        for (size_t i = 0; i < 1000; i++)
                v[i] = (uint16_t)(i % 2);
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(pq_rle_encode(&b, v, 1000, 1), 0);
        /* 63 groups (header 63 << 1 | 1 = 0x7f, 63 bytes), then the remaining 496 values as 62
         * groups (header 0x7d, 62 bytes). */
        cr_assert_eq(b.len, 1 + 63 + 1 + 62);
        cr_assert_eq((unsigned char)b.p[0], 0x7f);
        cr_assert_eq((unsigned char)b.p[1], 0xaa);
        cr_assert_eq((unsigned char)b.p[64], 0x7d);
        ferry_buf_free(&b);
}

/* write-old-list-structure=false, as the S3 ParquetFormat sets it for arrays of optional items. */
Test(parquet, three_level_lists)
{
        ferry_schema_t *s = ferry_schema_struct("R");
        ferry_schema_add_field(s, "xs", ferry_schema_array(ferry_schema_optional(FERRY_TYPE_INT32)));
        ferry_schema_add_field(
                s, "byid",
                ferry_schema_map(ferry_schema_new(FERRY_TYPE_INT32), ferry_schema_new(FERRY_TYPE_STRING)));
        cr_assert(ferry_parquet_has_optional_array_items(s));
        ferry_buf_t out, text;
        ferry_buf_init(&out);
        ferry_buf_init(&text);
        char err[256] = "";
        ferry_parquet_options_t opt = FERRY_PARQUET_OPTIONS_DEFAULT;
        opt.three_level_lists = true;
        ferry_parquet_writer_t *w = ferry_parquet_writer_new(s, &opt, &out, err, sizeof(err));
        cr_assert_not_null(w, "%s", err);
        ferry_parquet_writer_schema_text(w, &text);
        cr_assert_str_eq(text.p, "message R {\n"
                                 "  required group xs (LIST) {\n"
                                 "    repeated group list {\n"
                                 "      optional int32 element;\n"
                                 "    }\n"
                                 "  }\n"
                                 "  required group byid (LIST) {\n"
                                 "    repeated group list {\n"
                                 "      required group element {\n"
                                 "        required int32 key;\n"
                                 "        required binary value (STRING);\n"
                                 "      }\n"
                                 "    }\n"
                                 "  }\n"
                                 "}\n");
        ferry_value_t *v = ferry_value_struct(s);
        ferry_value_t *xs = ferry_value_array();
        ferry_array_append(xs, NULL); /* a null element: allowed in three-level lists */
        ferry_struct_put(v, "xs", xs);
        ferry_value_t *m = ferry_value_map();
        ferry_map_put(m, ferry_value_int(FERRY_TYPE_INT32, 1), ferry_value_cstring("a"));
        ferry_struct_put(v, "byid", m);
        cr_assert_eq(ferry_parquet_writer_write(w, v, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(ferry_parquet_writer_close(w, err, sizeof(err)), 0, "%s", err);
        ferry_value_free(v);
        ferry_parquet_writer_free(w);
        ferry_schema_unref(s);
        /* Only optional array items switch the layout (map keys are not looked at). */
        s = ferry_schema_struct("R");
        ferry_schema_add_field(s, "xs", ferry_schema_array(ferry_schema_new(FERRY_TYPE_INT32)));
        ferry_schema_add_field(s, "m",
                               ferry_schema_map(ferry_schema_new(FERRY_TYPE_STRING),
                                                ferry_schema_optional(FERRY_TYPE_INT32)));
        cr_assert(!ferry_parquet_has_optional_array_items(s));
        ferry_schema_unref(s);
        ferry_buf_free(&out);
        ferry_buf_free(&text);
}

/* The HDFS connector's ParquetFormat names its files ".parquet" whatever the codec. */
Test(parquet, hdfs_extension)
{
        ferry_strmap_t cfg;
        ferry_strmap_init(&cfg);
        ferry_strmap_set(&cfg, "connector.class", "io.confluent.connect.hdfs.HdfsSinkConnector");
        ferry_strmap_set(&cfg, "format.class", "io.confluent.connect.hdfs.parquet.ParquetFormat");
        char err[256] = "";
        void *inst = NULL;
        cr_assert_eq(storage_format_parquet.configure(&cfg, &inst, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(storage_format_parquet.extension(inst), ".parquet");
        storage_format_parquet.release(inst);
        ferry_strmap_free(&cfg);
}
