/* CQL frame compression and protocol v5 framing, pure (no I/O): what cql_conn.c wraps around every
 * request it sends and unwraps from every response it reads. Protocol v4 compresses each frame's
 * body (LZ4 with a 4-byte big-endian uncompressed length in front, or snappy) and flags it in the
 * header. Protocol v5 carries the v4-style envelopes inside frames of at most 128 KiB - 1 payload
 * bytes: a little-endian header (payload length, with LZ4 the uncompressed length, the
 * self-contained bit) protected by a CRC24, then the payload (LZ4 raw block or as is) and its
 * CRC32 (native_protocol_v5.spec section 2). Also decodes the SUPPORTED answer to OPTIONS, so
 * the connection can pick a protocol version and compression. */
#include "shared/cql/cql.h"

#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *cql_compression_name(int c)
{
        return c == CQL_COMP_LZ4 ? "lz4" : c == CQL_COMP_SNAPPY ? "snappy" : NULL;
}

int cql_compression_parse(const char *s)
{
        if (!s || !*s || strcasecmp(s, "none") == 0)
                return CQL_COMP_NONE;
        if (strcasecmp(s, "lz4") == 0)
                return CQL_COMP_LZ4;
        if (strcasecmp(s, "snappy") == 0)
                return CQL_COMP_SNAPPY;
        return -1;
}

/* ---------------------------------------------------------------- v4 body compression */

int cql_body_compress(int comp, const uint8_t *in, size_t n, cql_buf_t *out)
{
        if (comp == CQL_COMP_LZ4) {
                if (n > (size_t)LZ4_MAX_INPUT_SIZE)
                        return -1;
                int bound = LZ4_compressBound((int)n);
                if (!cql_buf_reserve(out, 4 + (size_t)bound))
                        return -1;
                cql_put_u32(out, (uint32_t)n);
                int w = LZ4_compress_default((const char *)in, (char *)out->p + out->len, (int)n, bound);
                if (w <= 0)
                        return -1;
                out->len += (size_t)w;
                return 0;
        }
        if (comp == CQL_COMP_SNAPPY) {
                size_t w = snappy_max_compressed_length(n);
                if (!cql_buf_reserve(out, w))
                        return -1;
                if (snappy_compress((const char *)in, n, (char *)out->p + out->len, &w) != SNAPPY_OK)
                        return -1;
                out->len += w;
                return 0;
        }
        return -1;
}

int cql_body_decompress(int comp, const uint8_t *in, size_t n, cql_buf_t *out, char *errstr,
                        size_t errstr_size)
{
        size_t want = 0;
        if (comp == CQL_COMP_LZ4) {
                if (n < 4) {
                        snprintf(errstr, errstr_size, "LZ4 frame body shorter than its length prefix");
                        return -1;
                }
                want = (size_t)in[0] << 24 | (size_t)in[1] << 16 | (size_t)in[2] << 8 | in[3];
                in += 4;
                n -= 4;
        } else if (comp == CQL_COMP_SNAPPY) {
                if (snappy_uncompressed_length((const char *)in, n, &want) != SNAPPY_OK) {
                        snprintf(errstr, errstr_size, "malformed snappy frame body");
                        return -1;
                }
        } else {
                snprintf(errstr, errstr_size, "compressed frame, but no compression was negotiated");
                return -1;
        }
        /* neither LZ4 nor snappy expands more than 255-fold: a bigger claim is a lie */
        if (want > CQL_MAX_FRAME || n > (size_t)INT32_MAX || want > n * 255 + 64) {
                snprintf(errstr, errstr_size, "compressed frame body claims %zu bytes", want);
                return -1;
        }
        out->len = 0;
        if (!cql_buf_reserve(out, want ? want : 1)) {
                snprintf(errstr, errstr_size, "out of memory for a %zu-byte frame body", want);
                return -1;
        }
        if (comp == CQL_COMP_LZ4) {
                int r = LZ4_decompress_safe((const char *)in, (char *)out->p, (int)n, (int)want);
                if (r < 0 || (size_t)r != want) {
                        snprintf(errstr, errstr_size, "malformed LZ4 frame body");
                        return -1;
                }
        } else {
                size_t got = want;
                if (snappy_uncompress((const char *)in, n, (char *)out->p, &got) != SNAPPY_OK ||
                    got != want) {
                        snprintf(errstr, errstr_size, "malformed snappy frame body");
                        return -1;
                }
        }
        out->len = want;
        return 0;
}

int cql_frame_compress(const cql_buf_t *frame, int comp, cql_buf_t *scratch)
{
        if (comp == CQL_COMP_NONE || frame->oom || frame->len <= CQL_HEADER_LEN)
                return 0;
        scratch->len = 0;
        scratch->oom = false;
        cql_put_raw(scratch, frame->p, CQL_HEADER_LEN);
        if (cql_body_compress(comp, frame->p + CQL_HEADER_LEN, frame->len - CQL_HEADER_LEN, scratch) < 0 ||
            scratch->oom)
                return -1;
        uint32_t n = (uint32_t)(scratch->len - CQL_HEADER_LEN);
        scratch->p[1] |= CQL_FLAG_COMPRESSED;
        scratch->p[5] = (uint8_t)(n >> 24);
        scratch->p[6] = (uint8_t)(n >> 16);
        scratch->p[7] = (uint8_t)(n >> 8);
        scratch->p[8] = (uint8_t)n;
        return 1;
}

/* ---------------------------------------------------------------- v5 framing */

uint32_t cql_crc24(uint64_t data, int nbytes)
{
        uint32_t crc = 0x875060;
        for (int i = 0; i < nbytes; i++) {
                crc ^= (uint32_t)(data & 0xff) << 16;
                data >>= 8;
                for (int k = 0; k < 8; k++) {
                        crc <<= 1;
                        if (crc & 0x1000000)
                                crc ^= 0x1974F0B;
                }
        }
        return crc & 0xFFFFFF;
}

uint32_t cql_crc32(const uint8_t *p, size_t n)
{
        static const uint8_t init[4] = {0xfa, 0x2d, 0x55, 0xca};
        uLong c = crc32(0L, init, 4);
        while (n) {
                uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
                c = crc32(c, p, k);
                p += k;
                n -= k;
        }
        return (uint32_t)c;
}

size_t cql_v5_header_len(bool lz4)
{
        return lz4 ? 8 : 6;
}

static void put_le(cql_buf_t *b, uint64_t v, int n)
{
        for (int i = 0; i < n; i++)
                cql_put_u8(b, (uint8_t)(v >> (8 * i)));
}

static uint64_t get_le(const uint8_t *p, int n)
{
        uint64_t v = 0;
        for (int i = n - 1; i >= 0; i--)
                v = v << 8 | p[i];
        return v;
}

static void encode_one(cql_buf_t *out, const uint8_t *in, size_t n, bool lz4, bool self_contained)
{
        uint64_t hdr = n;
        int hlen = 3, flag_at = 17;
        const uint8_t *payload = in;
        size_t plen = n;
        char *comp = NULL;
        if (lz4) {
                hlen = 5;
                flag_at = 34;
                int bound = LZ4_compressBound((int)n);
                comp = malloc((size_t)bound);
                int w = comp ? LZ4_compress_default((const char *)in, comp, (int)n, bound) : 0;
                if (w > 0 && (size_t)w < n) {
                        payload = (const uint8_t *)comp;
                        plen = (size_t)w;
                        hdr = plen | (uint64_t)n << 17;
                } /* else: as is, uncompressed length 0 */
        }
        if (self_contained)
                hdr |= (uint64_t)1 << flag_at;
        put_le(out, hdr, hlen);
        put_le(out, cql_crc24(hdr, hlen), 3);
        cql_put_raw(out, payload, plen);
        put_le(out, cql_crc32(payload, plen), 4);
        free(comp);
}

void cql_v5_encode(cql_buf_t *out, const uint8_t *in, size_t n, bool lz4)
{
        if (n <= CQL_V5_MAX_PAYLOAD) {
                encode_one(out, in, n, lz4, true);
                return;
        }
        for (size_t at = 0; at < n; at += CQL_V5_MAX_PAYLOAD) {
                size_t k = n - at < CQL_V5_MAX_PAYLOAD ? n - at : CQL_V5_MAX_PAYLOAD;
                encode_one(out, in + at, k, lz4, false);
        }
}

int cql_v5_header_decode(const uint8_t *p, bool lz4, cql_v5_header_t *h, char *errstr, size_t errstr_size)
{
        int hlen = lz4 ? 5 : 3;
        uint64_t hdr = get_le(p, hlen);
        uint32_t crc = (uint32_t)get_le(p + hlen, 3);
        if (crc != cql_crc24(hdr, hlen)) {
                snprintf(errstr, errstr_size,
                         "CRC24 mismatch in a protocol v5 frame header (got %06x, computed %06x)", crc,
                         cql_crc24(hdr, hlen));
                return -1;
        }
        h->payload_len = (size_t)(hdr & CQL_V5_MAX_PAYLOAD);
        hdr >>= 17;
        h->uncompressed_len = 0;
        if (lz4) {
                h->uncompressed_len = (size_t)(hdr & CQL_V5_MAX_PAYLOAD);
                hdr >>= 17;
        }
        h->self_contained = hdr & 1;
        return 0;
}

int cql_v5_payload_decode(const uint8_t *p, const cql_v5_header_t *h, bool lz4, cql_buf_t *out, char *errstr,
                          size_t errstr_size)
{
        uint32_t crc = (uint32_t)get_le(p + h->payload_len, 4);
        if (crc != cql_crc32(p, h->payload_len)) {
                snprintf(errstr, errstr_size, "CRC32 mismatch in a protocol v5 frame payload");
                return -1;
        }
        if (!lz4 || h->uncompressed_len == 0) {
                cql_put_raw(out, p, h->payload_len);
                return out->oom ? -1 : 0;
        }
        if (!cql_buf_reserve(out, h->uncompressed_len)) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        int r = LZ4_decompress_safe((const char *)p, (char *)out->p + out->len, (int)h->payload_len,
                                    (int)h->uncompressed_len);
        if (r < 0 || (size_t)r != h->uncompressed_len) {
                snprintf(errstr, errstr_size, "malformed LZ4 payload in a protocol v5 frame");
                return -1;
        }
        out->len += (size_t)r;
        return 0;
}

/* ---------------------------------------------------------------- SUPPORTED */

int cql_supported_has(const uint8_t *body, size_t len, const char *key, const char *value)
{
        cql_rd_t r = {.p = body, .len = len};
        uint16_t n = cql_get_u16(&r);
        int found = 0;
        for (uint16_t i = 0; i < n && !r.bad; i++) {
                size_t kn, vn;
                const char *k = cql_get_string(&r, &kn);
                uint16_t nv = cql_get_u16(&r);
                bool match_key = !r.bad && kn == strlen(key) && strncasecmp(k, key, kn) == 0;
                for (uint16_t j = 0; j < nv && !r.bad; j++) {
                        const char *v = cql_get_string(&r, &vn);
                        if (!r.bad && match_key && vn == strlen(value) && strncasecmp(v, value, vn) == 0)
                                found = 1;
                }
        }
        return r.bad ? -1 : found;
}
