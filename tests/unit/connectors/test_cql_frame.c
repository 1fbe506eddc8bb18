/* Unit tests for the CQL client's frame compression and protocol v5 framing
 * (worker/connectors/shared/cql/cql_frame.c): CRC24/CRC32 and a whole v5 frame against what the
 * Python cassandra-driver's segment codec computes, LZ4 and snappy v4 bodies round-tripping
 * (with the 4-byte length LZ4 carries), a compressed v4 frame's header, v5 frames with and without
 * LZ4, an envelope spanning several frames, corrupted CRCs refused, and the SUPPORTED multimap. */
#include "shared/cql/cql.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

Test(cql_frame, crc_vectors)
{
        /* cassandra.segment.compute_crc24(0x123456, 3) and zlib.crc32(b"hello", CRC32_INITIAL) */
        cr_assert_eq(cql_crc24(0x123456, 3), 0xf5230f);
        cr_assert_eq(cql_crc32((const uint8_t *)"hello", 5), 0xb60e8074);
}

Test(cql_frame, v5_frame_matches_python_driver)
{
        /* SegmentCodec().encode(buf, OPTIONS envelope v5): header, CRC24, payload, CRC32 */
        const uint8_t env[] = {5, 0, 0, 1, 5, 0, 0, 0, 0};
        const uint8_t want[] = {0x09, 0x00, 0x02, 0xa4, 0xc8, 0xc1, 0x05, 0x00, 0x00, 0x01,
                                0x05, 0x00, 0x00, 0x00, 0x00, 0xb5, 0x55, 0x74, 0x86};
        cql_buf_t b = {0};
        cql_v5_encode(&b, env, sizeof env, false);
        cr_assert_eq(b.len, sizeof want);
        cr_assert_arr_eq(b.p, want, sizeof want);
        cql_v5_header_t h;
        char err[200];
        cr_assert_eq(cql_v5_header_decode(b.p, false, &h, err, sizeof err), 0);
        cr_assert_eq(h.payload_len, 9);
        cr_assert(h.self_contained);
        cql_buf_t out = {0};
        cr_assert_eq(cql_v5_payload_decode(b.p + 6, &h, false, &out, err, sizeof err), 0);
        cr_assert_eq(out.len, 9);
        cr_assert_arr_eq(out.p, env, 9);
        /* a flipped header bit or payload byte is refused */
        b.p[0] ^= 1;
        cr_assert_eq(cql_v5_header_decode(b.p, false, &h, err, sizeof err), -1);
        cr_assert(strstr(err, "CRC24"));
        b.p[0] ^= 1;
        b.p[8] ^= 0x40;
        cr_assert_eq(cql_v5_header_decode(b.p, false, &h, err, sizeof err), 0);
        out.len = 0;
        cr_assert_eq(cql_v5_payload_decode(b.p + 6, &h, false, &out, err, sizeof err), -1);
        cr_assert(strstr(err, "CRC32"));
        cql_buf_free(&b);
        cql_buf_free(&out);
}

/* Decodes every frame in b back into one byte string; counts frames and self-contained ones. */
static void v5_decode_all(const cql_buf_t *b, bool lz4, cql_buf_t *out, int *frames, int *self_contained)
{
        size_t at = 0, hl = cql_v5_header_len(lz4);
        char err[200];
        *frames = *self_contained = 0;
        while (at < b->len) {
                cql_v5_header_t h;
                cr_assert_eq(cql_v5_header_decode(b->p + at, lz4, &h, err, sizeof err), 0, "%s", err);
                cr_assert_leq(at + hl + h.payload_len + 4, b->len);
                cr_assert_eq(cql_v5_payload_decode(b->p + at + hl, &h, lz4, out, err, sizeof err), 0, "%s",
                             err);
                at += hl + h.payload_len + 4;
                (*frames)++;
                *self_contained += h.self_contained;
        }
}

Test(cql_frame, v5_large_envelope_spans_frames)
{
        size_t n = 300000;
        uint8_t *big = malloc(n);
        for (size_t i = 0; i < n; i++)
                big[i] = (uint8_t)(i * 2654435761u >> 13);
        for (int lz4 = 0; lz4 < 2; lz4++) {
                cql_buf_t b = {0}, out = {0};
                cql_v5_encode(&b, big, n, lz4);
                int frames, sc;
                v5_decode_all(&b, lz4, &out, &frames, &sc);
                cr_assert_eq(frames, 3); /* 131071 + 131071 + 37858 */
                cr_assert_eq(sc, 0);
                cr_assert_eq(out.len, n);
                cr_assert_arr_eq(out.p, big, n);
                cql_buf_free(&b);
                cql_buf_free(&out);
        }
        free(big);
}

Test(cql_frame, v5_lz4_compresses_and_keeps_incompressible_as_is)
{
        uint8_t text[4000];
        for (size_t i = 0; i < sizeof text; i++)
                text[i] = (uint8_t) "INSERT INTO ks.t (a, b) VALUES (?, ?)"[i % 37];
        cql_buf_t b = {0}, out = {0};
        cql_v5_encode(&b, text, sizeof text, true);
        cr_assert_lt(b.len, sizeof text / 4);
        cql_v5_header_t h;
        char err[200];
        cr_assert_eq(cql_v5_header_decode(b.p, true, &h, err, sizeof err), 0);
        cr_assert_eq(h.uncompressed_len, sizeof text);
        int frames, sc;
        v5_decode_all(&b, true, &out, &frames, &sc);
        cr_assert_eq(frames, 1);
        cr_assert_eq(sc, 1);
        cr_assert_arr_eq(out.p, text, sizeof text);
        /* 5 random bytes do not shrink: sent as is, uncompressed length 0 */
        const uint8_t rnd[] = {0x9c, 0x01, 0xf7, 0x42, 0x3d};
        b.len = out.len = 0;
        cql_v5_encode(&b, rnd, sizeof rnd, true);
        cr_assert_eq(cql_v5_header_decode(b.p, true, &h, err, sizeof err), 0);
        cr_assert_eq(h.uncompressed_len, 0);
        cr_assert_eq(h.payload_len, sizeof rnd);
        cr_assert_arr_eq(b.p + 8, rnd, sizeof rnd);
        cql_buf_free(&b);
        cql_buf_free(&out);
}

Test(cql_frame, v4_body_compression_roundtrip)
{
        const char *body = "SELECT * FROM system.local WHERE key = 'local' SELECT * FROM system.local";
        size_t n = strlen(body);
        for (int comp = CQL_COMP_LZ4; comp <= CQL_COMP_SNAPPY; comp++) {
                cql_buf_t c = {0}, d = {0};
                cr_assert_eq(cql_body_compress(comp, (const uint8_t *)body, n, &c), 0);
                if (comp == CQL_COMP_LZ4) { /* big-endian uncompressed length first */
                        const uint8_t len[] = {0, 0, 0, (uint8_t)n};
                        cr_assert_arr_eq(c.p, len, 4);
                }
                char err[200];
                cr_assert_eq(cql_body_decompress(comp, c.p, c.len, &d, err, sizeof err), 0, "%s", err);
                cr_assert_eq(d.len, n);
                cr_assert_arr_eq(d.p, body, n);
                /* truncated input is refused, not read past */
                cr_assert_eq(cql_body_decompress(comp, c.p, c.len - 3, &d, err, sizeof err), -1);
                cql_buf_free(&c);
                cql_buf_free(&d);
        }
        char err[200];
        cql_buf_t d = {0};
        const uint8_t lie[] = {0x7f, 0xff, 0xff, 0xff, 0x00};
        cr_assert_eq(cql_body_decompress(CQL_COMP_LZ4, lie, sizeof lie, &d, err, sizeof err), -1);
        cql_buf_free(&d);
}

Test(cql_frame, v4_frame_compress_sets_flag_and_length)
{
        cql_buf_t f = {0}, z = {0};
        cql_enc_query(&f, 4, 7, "SELECT a, b, c FROM ks.t WHERE a = 1 AND b = 2 AND c = 3", NULL,
                      &CQL_QPARAMS_DEFAULT);
        cr_assert_eq(cql_frame_compress(&f, CQL_COMP_NONE, &z), 0);
        cr_assert_eq(cql_frame_compress(&f, CQL_COMP_LZ4, &z), 1);
        cql_header_t h;
        char err[200];
        cr_assert_eq(cql_header_decode(z.p, &h, err, sizeof err), 0);
        cr_assert_eq(h.flags & CQL_FLAG_COMPRESSED, CQL_FLAG_COMPRESSED);
        cr_assert_eq(h.stream, 7);
        cr_assert_eq(h.opcode, CQL_OP_QUERY);
        cr_assert_eq(h.length, z.len - CQL_HEADER_LEN);
        cql_buf_t d = {0};
        cr_assert_eq(cql_body_decompress(CQL_COMP_LZ4, z.p + 9, z.len - 9, &d, err, sizeof err), 0);
        cr_assert_eq(d.len, f.len - 9);
        cr_assert_arr_eq(d.p, f.p + 9, d.len);
        cql_buf_free(&f);
        cql_buf_free(&z);
        cql_buf_free(&d);
}

Test(cql_frame, supported_multimap)
{
        cql_buf_t b = {0};
        cql_put_u16(&b, 2);
        cql_put_string(&b, "COMPRESSION", 11);
        cql_put_u16(&b, 2);
        cql_put_string(&b, "snappy", 6);
        cql_put_string(&b, "lz4", 3);
        cql_put_string(&b, "PROTOCOL_VERSIONS", 17);
        cql_put_u16(&b, 3);
        cql_put_string(&b, "3/v3", 4);
        cql_put_string(&b, "4/v4", 4);
        cql_put_string(&b, "5/v5", 4);
        cr_assert_eq(cql_supported_has(b.p, b.len, "COMPRESSION", "lz4"), 1);
        cr_assert_eq(cql_supported_has(b.p, b.len, "COMPRESSION", "zstd"), 0);
        cr_assert_eq(cql_supported_has(b.p, b.len, "PROTOCOL_VERSIONS", "5/v5"), 1);
        cr_assert_eq(cql_supported_has(b.p, b.len, "PROTOCOL_VERSIONS", "lz4"), 0);
        cr_assert_eq(cql_supported_has(b.p, b.len - 2, "COMPRESSION", "lz4"), -1);
        cr_assert_eq(cql_compression_parse("LZ4"), CQL_COMP_LZ4);
        cr_assert_eq(cql_compression_parse("Snappy"), CQL_COMP_SNAPPY);
        cr_assert_eq(cql_compression_parse("None"), CQL_COMP_NONE);
        cr_assert_eq(cql_compression_parse("zstd"), -1);
        cql_buf_free(&b);
}
