/* Unit tests for the shared CQL client's codec (worker/connectors/shared/cql): frame headers and
 * request bodies byte for byte as native_protocol_v4.spec lays them out (STARTUP, AUTH_RESPONSE,
 * QUERY with values/paging/timestamp, EXECUTE, BATCH), RESULT decoding (rows with collections, a
 * UDT and a tuple, paging state, prepared metadata), ERROR decoding (unavailable, write timeout,
 * unprepared), malformed input refused, and Connect values encoded for every native type. */
#include "shared/cql/cql.h"

#include <criterion/criterion.h>

#include <ferry/json.h>

#include <stdlib.h>
#include <string.h>

static void put_s(cql_buf_t *b, const char *s)
{
        cql_put_string(b, s, strlen(s));
}

Test(cql, header_roundtrip)
{
        cql_buf_t b = {0};
        cql_frame_begin(&b, 4, 258, CQL_OP_OPTIONS);
        cql_frame_end(&b);
        const uint8_t want[] = {4, 0, 1, 2, 5, 0, 0, 0, 0};
        cr_assert_eq(b.len, 9);
        cr_assert_arr_eq(b.p, want, 9);
        uint8_t resp[] = {0x84, 0x08, 0xff, 0xff, 0x0c, 0, 0, 1, 0};
        cql_header_t h;
        char err[128];
        cr_assert_eq(cql_header_decode(resp, &h, err, sizeof err), 0);
        cr_assert(h.response);
        cr_assert_eq(h.version, 4);
        cr_assert_eq(h.stream, -1);
        cr_assert_eq(h.opcode, CQL_OP_EVENT);
        cr_assert_eq(h.length, 256);
        resp[0] = 0x82;
        cr_assert_eq(cql_header_decode(resp, &h, err, sizeof err), -1);
        cr_assert(strstr(err, "version 2"));
        resp[0] = 0x84;
        resp[5] = 0x7f;
        cr_assert_eq(cql_header_decode(resp, &h, err, sizeof err), -1);
        cql_buf_free(&b);
}

Test(cql, startup_and_auth)
{
        cql_buf_t b = {0};
        cql_enc_startup(&b, 4, 0, NULL);
        const uint8_t want[] = {4,   0,   0,   0,   1,   0,   0,   0,   22, 0, 1,   0,   11,  'C', 'Q', 'L',
                                '_', 'V', 'E', 'R', 'S', 'I', 'O', 'N', 0,  5, '3', '.', '0', '.', '0'};
        cr_assert_eq(b.len, sizeof want);
        cr_assert_arr_eq(b.p, want, sizeof want);
        cql_enc_auth_response(&b, 4, 0, "u", "pw");
        const uint8_t want2[] = {4, 0, 0, 0, 0x0f, 0, 0, 0, 9, 0, 0, 0, 5, 0, 'u', 0, 'p', 'w'};
        cr_assert_eq(b.len, sizeof want2);
        cr_assert_arr_eq(b.p, want2, sizeof want2);
        cql_buf_free(&b);
}

Test(cql, query_with_values_and_params)
{
        cql_buf_t b = {0};
        cql_values_t v = {0};
        cql_values_raw(&v, "\0\0\0\7", 4);
        cql_values_null(&v);
        cql_values_unset(&v);
        cql_qparams_t qp = CQL_QPARAMS_DEFAULT;
        qp.consistency = CQL_LOCAL_QUORUM;
        qp.page_size = 100;
        qp.paging_state = (const uint8_t *)"PS";
        qp.paging_len = 2;
        qp.timestamp = 0x0102030405060708LL;
        cql_enc_query(&b, 4, 3, "Q", &v, &qp);
        const uint8_t want[] = {4,
                                0,
                                0,
                                3,
                                7,
                                0,
                                0,
                                0,
                                44,
                                /* long string */ 0,
                                0,
                                0,
                                1,
                                'Q',
                                /* consistency, flags: values|page size|paging state|timestamp */ 0,
                                6,
                                0x2d,
                                /* 3 values */ 0,
                                3,
                                0,
                                0,
                                0,
                                4,
                                0,
                                0,
                                0,
                                7,
                                0xff,
                                0xff,
                                0xff,
                                0xff,
                                0xff,
                                0xff,
                                0xff,
                                0xfe,
                                /* page size */ 0,
                                0,
                                0,
                                100,
                                /* paging state */ 0,
                                0,
                                0,
                                2,
                                'P',
                                'S',
                                /* timestamp */ 1,
                                2,
                                3,
                                4,
                                5,
                                6,
                                7,
                                8};
        cr_assert_eq(b.len, sizeof want, "len %zu", b.len);
        cr_assert_arr_eq(b.p, want, sizeof want);
        cql_values_free(&v);
        cql_buf_free(&b);
}

Test(cql, execute_and_batch)
{
        cql_buf_t b = {0};
        cql_qparams_t qp = CQL_QPARAMS_DEFAULT;
        qp.consistency = CQL_ONE;
        cql_enc_execute(&b, 4, 1, (const uint8_t *)"ID", 2, NULL, 0, NULL, &qp);
        const uint8_t want[] = {4, 0, 0, 1, 0x0a, 0, 0, 0, 7, 0, 2, 'I', 'D', 0, 1, 0};
        cr_assert_eq(b.len, sizeof want);
        cr_assert_arr_eq(b.p, want, sizeof want);

        cql_values_t v = {0};
        cql_values_raw(&v, "x", 1);
        cql_enc_batch_begin(&b, 4, 2, CQL_BATCH_UNLOGGED, 2);
        cql_enc_batch_prepared(&b, (const uint8_t *)"ID", 2, &v);
        cql_enc_batch_query(&b, "Q", NULL);
        cql_enc_batch_end(&b, CQL_LOCAL_ONE, 0, 5);
        const uint8_t want2[] = {4,
                                 0,
                                 0,
                                 2,
                                 0x0d,
                                 0,
                                 0,
                                 0,
                                 34,
                                 /* unlogged, 2 statements */ 1,
                                 0,
                                 2,
                                 /* prepared */ 1,
                                 0,
                                 2,
                                 'I',
                                 'D',
                                 0,
                                 1,
                                 0,
                                 0,
                                 0,
                                 1,
                                 'x',
                                 /* query */ 0,
                                 0,
                                 0,
                                 0,
                                 1,
                                 'Q',
                                 0,
                                 0,
                                 /* consistency, flags (timestamp), timestamp */ 0,
                                 10,
                                 0x20,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 5};
        cr_assert_eq(b.len, sizeof want2, "len %zu", b.len);
        cr_assert_arr_eq(b.p, want2, sizeof want2);
        cql_values_free(&v);
        cql_buf_free(&b);
}

/* A ROWS result: global spec ks.t, columns id int, m map<text,int>, ad addr{street text, zip int},
 * tp tuple<int,text>; two rows; a paging state. */
static void rows_body(cql_buf_t *b)
{
        cql_put_u32(b, CQL_RESULT_ROWS);
        cql_put_u32(b, 0x0003);
        cql_put_u32(b, 4);
        cql_put_bytes(b, "PS1", 3);
        put_s(b, "ks");
        put_s(b, "t");
        put_s(b, "id");
        cql_put_u16(b, CQL_T_INT);
        put_s(b, "m");
        cql_put_u16(b, CQL_T_MAP);
        cql_put_u16(b, CQL_T_VARCHAR);
        cql_put_u16(b, CQL_T_INT);
        put_s(b, "ad");
        cql_put_u16(b, CQL_T_UDT);
        put_s(b, "ks");
        put_s(b, "addr");
        cql_put_u16(b, 2);
        put_s(b, "street");
        cql_put_u16(b, CQL_T_VARCHAR);
        put_s(b, "zip");
        cql_put_u16(b, CQL_T_INT);
        put_s(b, "tp");
        cql_put_u16(b, CQL_T_TUPLE);
        cql_put_u16(b, 2);
        cql_put_u16(b, CQL_T_INT);
        cql_put_u16(b, CQL_T_VARCHAR);
        cql_put_u32(b, 2);
        /* row 1 */
        cql_put_bytes(b, "\0\0\0\1", 4);
        size_t at = cql_begin_bytes(b);
        cql_put_u32(b, 1);
        cql_put_bytes(b, "k", 1);
        cql_put_bytes(b, "\0\0\0\2", 4);
        cql_end_bytes(b, at);
        at = cql_begin_bytes(b);
        cql_put_bytes(b, "Main", 4);
        cql_put_bytes(b, "\0\0\x30\x39", 4);
        cql_end_bytes(b, at);
        at = cql_begin_bytes(b);
        cql_put_bytes(b, "\0\0\0\7", 4);
        cql_put_bytes(b, "seven", 5);
        cql_end_bytes(b, at);
        /* row 2: nulls */
        cql_put_bytes(b, "\0\0\0\2", 4);
        cql_put_bytes(b, NULL, -1);
        cql_put_bytes(b, NULL, -1);
        cql_put_bytes(b, NULL, -1);
}

Test(cql, rows_result)
{
        cql_buf_t b = {0};
        rows_body(&b);
        cql_result_t r;
        char err[256];
        cr_assert_eq(cql_result_decode(b.p, b.len, 4, &r, err, sizeof err), 0, "%s", err);
        cr_assert_eq(r.kind, CQL_RESULT_ROWS);
        cr_assert_eq(r.n_cols, 4);
        cr_assert_eq(r.n_rows, 2);
        cr_assert_eq(r.paging_len, 3);
        cr_assert_arr_eq(r.paging_state, "PS1", 3);
        cr_assert_str_eq(r.cols[2].table, "t");
        const char *want[] = {"1", "{\"k\":2}", "{\"street\":\"Main\",\"zip\":12345}", "[7,\"seven\"]"};
        const char *types[] = {"int", "map<text, int>", "addr", "tuple<int, text>"};
        for (size_t c = 0; c < 4; c++) {
                char *j = cql_value_json(r.cols[c].type, r.cells[c].p, r.cells[c].len);
                char *t = cql_type_str(r.cols[c].type);
                cr_assert_str_eq(j, want[c]);
                cr_assert_str_eq(t, types[c]);
                free(j);
                free(t);
                cr_assert_eq(r.cells[4 + c].len, c == 0 ? 4 : -1);
        }
        cql_result_free(&r);
        /* every truncation is refused, never read past */
        for (size_t n = 0; n < b.len; n++) {
                uint8_t *copy = malloc(n ? n : 1);
                memcpy(copy, b.p, n);
                cr_assert_eq(cql_result_decode(copy, n, 4, &r, err, sizeof err), -1, "truncated at %zu", n);
                free(copy);
        }
        cql_buf_free(&b);
}

Test(cql, prepared_result)
{
        cql_buf_t b = {0};
        cql_put_u32(&b, CQL_RESULT_PREPARED);
        cql_put_short_bytes(&b, "0123456789abcdef", 16);
        cql_put_u32(&b, 1);
        cql_put_u32(&b, 2);
        cql_put_u32(&b, 1);
        cql_put_u16(&b, 0);
        put_s(&b, "ks");
        put_s(&b, "t");
        put_s(&b, "k");
        cql_put_u16(&b, CQL_T_INT);
        put_s(&b, "v");
        cql_put_u16(&b, CQL_T_LIST);
        cql_put_u16(&b, CQL_T_VARCHAR);
        cql_put_u32(&b, 4); /* result metadata: no metadata */
        cql_put_u32(&b, 0);
        cql_result_t r;
        char err[256];
        cr_assert_eq(cql_result_decode(b.p, b.len, 4, &r, err, sizeof err), 0, "%s", err);
        cr_assert_eq(r.kind, CQL_RESULT_PREPARED);
        cr_assert_eq(r.prepared_len, 16);
        cr_assert_eq(r.n_binds, 2);
        cr_assert_eq(r.n_pk, 1);
        cr_assert_eq(r.pk_index[0], 0);
        cr_assert_str_eq(r.binds[1].name, "v");
        cr_assert_eq(r.binds[1].type->id, CQL_T_LIST);
        cql_result_free(&r);
        cql_buf_free(&b);
}

Test(cql, errors)
{
        cql_buf_t b = {0};
        cql_put_u32(&b, CQL_ERR_WRITE_TIMEOUT);
        put_s(&b, "Operation timed out");
        cql_put_u16(&b, CQL_QUORUM);
        cql_put_u32(&b, 1);
        cql_put_u32(&b, 2);
        put_s(&b, "BATCH");
        cql_error_t e;
        cr_assert_eq(cql_error_decode(b.p, b.len, &e), 0);
        char msg[256];
        cql_error_format(&e, msg, sizeof msg);
        cr_assert_str_eq(msg,
                         "Write timeout (0x1100): Operation timed out [consistency QUORUM, 1 of 2 replicas "
                         "answered, write type BATCH]");
        cr_assert(cql_error_retriable(e.code));
        cql_error_clear(&e);

        b.len = 0;
        cql_put_u32(&b, CQL_ERR_UNPREPARED);
        put_s(&b, "Prepared query with ID 01 not found");
        cql_put_short_bytes(&b, "\x01\x02", 2);
        cr_assert_eq(cql_error_decode(b.p, b.len, &e), 0);
        cr_assert_eq(e.unprepared_len, 2);
        cr_assert_eq(e.unprepared_id[1], 2);
        cr_assert_not(cql_error_retriable(e.code));
        cql_error_clear(&e);

        b.len = 0;
        cql_put_u32(&b, CQL_ERR_UNAVAILABLE);
        put_s(&b, "Cannot achieve consistency");
        cql_put_u16(&b, CQL_ALL);
        cql_put_u32(&b, 3);
        cql_put_u32(&b, 1);
        cr_assert_eq(cql_error_decode(b.p, b.len, &e), 0);
        cql_error_format(&e, msg, sizeof msg);
        cr_assert_str_eq(
                msg,
                "Unavailable (0x1000): Cannot achieve consistency [consistency ALL, 3 required, 1 alive]");
        cql_error_clear(&e);

        cr_assert_eq(cql_error_decode(b.p, 7, &e), -1);
        cr_assert_eq(e.code, CQL_ERR_CLIENT);
        cql_error_clear(&e);
        cql_buf_free(&b);
}

Test(cql, consistency_names)
{
        cr_assert_eq(cql_consistency_parse("local_quorum"), CQL_LOCAL_QUORUM);
        cr_assert_eq(cql_consistency_parse("LOCAL_ONE"), CQL_LOCAL_ONE);
        cr_assert_eq(cql_consistency_parse("nope"), -1);
        cr_assert_str_eq(cql_consistency_name(CQL_EACH_QUORUM), "EACH_QUORUM");
}

static void enc_eq(int type, const char *json, const void *want, size_t n)
{
        cql_type_t t = {.id = type};
        char err[256];
        ferry_value_t *v = ferry_json_read(json, strlen(json), err, sizeof err);
        cr_assert_not_null(v, "%s", err);
        cql_buf_t b = {0};
        cr_assert_eq(cql_value_encode(&b, &t, v, err, sizeof err), 0, "%s: %s", json, err);
        cr_assert_eq(b.len, n, "%s: %zu bytes", json, b.len);
        cr_assert_arr_eq(b.p, want, n, "%s", json);
        char *back = cql_value_json(&t, b.p, (int32_t)b.len);
        cr_assert_not_null(back);
        free(back);
        cql_buf_free(&b);
        ferry_value_free(v);
}

Test(cql, encode_values)
{
        enc_eq(CQL_T_INT, "-2", "\xff\xff\xff\xfe", 4);
        enc_eq(CQL_T_BIGINT, "\"42\"", "\0\0\0\0\0\0\0\x2a", 8);
        enc_eq(CQL_T_SMALLINT, "300", "\x01\x2c", 2);
        enc_eq(CQL_T_TINYINT, "-1", "\xff", 1);
        enc_eq(CQL_T_BOOLEAN, "\"true\"", "\1", 1);
        enc_eq(CQL_T_DOUBLE, "1.5", "\x3f\xf8\0\0\0\0\0\0", 8);
        enc_eq(CQL_T_FLOAT, "1.5", "\x3f\xc0\0\0", 4);
        enc_eq(CQL_T_VARCHAR, "7", "7", 1);
        enc_eq(CQL_T_VARINT, "128", "\0\x80", 2);
        enc_eq(CQL_T_VARINT, "-129", "\xff\x7f", 2);
        enc_eq(CQL_T_DECIMAL, "\"-1.5\"", "\0\0\0\1\xf1", 5);
        enc_eq(CQL_T_TIMESTAMP, "\"1970-01-01T00:00:01.5Z\"", "\0\0\0\0\0\0\x05\xdc", 8);
        enc_eq(CQL_T_TIMESTAMP, "\"1970-01-01T01:00:00+01:00\"", "\0\0\0\0\0\0\0\0", 8);
        enc_eq(CQL_T_DATE, "\"1970-01-02\"", "\x80\0\0\1", 4);
        enc_eq(CQL_T_TIME, "\"00:00:01\"", "\0\0\0\0\x3b\x9a\xca\0", 8);
        enc_eq(CQL_T_INET, "\"127.0.0.1\"", "\x7f\0\0\1", 4);
        enc_eq(CQL_T_UUID, "\"00112233-4455-6677-8899-aabbccddeeff\"",
               "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16);
}

Test(cql, encode_refuses)
{
        cql_type_t t = {.id = CQL_T_INT};
        char err[256];
        cql_buf_t b = {0};
        ferry_value_t *v = ferry_value_int(FERRY_TYPE_INT64, 1LL << 40);
        cr_assert_eq(cql_value_encode(&b, &t, v, err, sizeof err), -1);
        cr_assert_str_eq(err, "cannot write a int64 value to a CQL int column");
        ferry_value_free(v);
        v = ferry_value_cstring("not-a-uuid");
        t.id = CQL_T_UUID;
        cr_assert_eq(cql_value_encode(&b, &t, v, err, sizeof err), -1);
        ferry_value_free(v);
        /* a list holding a null */
        cql_type_t item = {.id = CQL_T_INT}, *sub = &item;
        cql_type_t list = {.id = CQL_T_LIST, .sub = &sub, .n_sub = 1};
        v = ferry_json_read("[1,null]", 8, err, sizeof err);
        cr_assert_eq(cql_value_encode(&b, &list, v, err, sizeof err), -1);
        cr_assert(strstr(err, "null"));
        ferry_value_free(v);
        /* append leaves nothing behind on failure */
        cql_values_t vals = {0};
        v = ferry_value_cstring("x");
        cr_assert_eq(cql_value_append(&vals, &t, v, err, sizeof err), -1);
        cr_assert_eq(vals.n, 0);
        cr_assert_eq(vals.data.len, 0);
        cr_assert_eq(cql_value_append(&vals, &t, NULL, err, sizeof err), 0);
        cr_assert_eq(vals.n, 1);
        cql_values_free(&vals);
        ferry_value_free(v);
        cql_buf_free(&b);
}
