/* libFuzzer target for the CQL client's frame layer (worker/connectors/shared/cql/cql_frame.c):
 * protocol v5 frames as a node sends them (CRC24 header, payload with CRC32, LZ4-compressed or
 * not, an envelope split over several frames) and v4 bodies compressed with LZ4 or snappy. The
 * first input byte picks the mode: bit 0 LZ4 frames, bit 1 a v4 compressed body instead (bit 2
 * snappy rather than LZ4), bit 3 re-seal: the harness rewrites every CRC so the fuzzer reaches
 * the length checks and the LZ4 decoder behind them. The reassembled payload is read as envelopes
 * (9-byte headers with their lengths). Checks for crashes, leaks, undefined behaviour and reads
 * past the input. Build and run: make fuzz. */
#include "shared/cql/cql.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_le(uint8_t *p, uint64_t v, int n)
{
        for (int i = 0; i < n; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        uint8_t mode = data[0];
        size_t len = size - 1;
        /* an exact-size heap copy so ASan sees any read past the input */
        uint8_t *in = malloc(len ? len : 1);
        if (!in)
                return 0;
        memcpy(in, data + 1, len);
        char err[256];
        cql_buf_t out = {0};
        if (mode & 2) {
                cql_body_decompress(mode & 4 ? CQL_COMP_SNAPPY : CQL_COMP_LZ4, in, len, &out, err,
                                    sizeof err);
                goto done;
        }
        bool lz4 = mode & 1;
        size_t hl = cql_v5_header_len(lz4), at = 0;
        while (at + hl <= len) {
                if (mode & 8) { /* re-seal the header CRC */
                        int n = lz4 ? 5 : 3;
                        uint64_t h = 0;
                        for (int i = n - 1; i >= 0; i--)
                                h = h << 8 | in[at + (size_t)i];
                        put_le(in + at + n, cql_crc24(h, n), 3);
                }
                cql_v5_header_t h;
                if (cql_v5_header_decode(in + at, lz4, &h, err, sizeof err) < 0)
                        break;
                if (h.payload_len + 4 > len - at - hl)
                        break;
                if (mode & 8)
                        put_le(in + at + hl + h.payload_len, cql_crc32(in + at + hl, h.payload_len), 4);
                if (cql_v5_payload_decode(in + at + hl, &h, lz4, &out, err, sizeof err) < 0)
                        break;
                at += hl + h.payload_len + 4;
                if (out.len > 4 * 1024 * 1024)
                        break;
        }
        /* the envelopes in the reassembled payload */
        for (size_t p = 0; p + CQL_HEADER_LEN <= out.len;) {
                cql_header_t eh;
                if (cql_header_decode(out.p + p, &eh, err, sizeof err) < 0)
                        break;
                if (eh.length > out.len - p - CQL_HEADER_LEN)
                        break;
                long start = cql_body_start(out.p + p + CQL_HEADER_LEN, eh.length, eh.flags);
                (void)start;
                p += CQL_HEADER_LEN + eh.length;
        }
done:
        cql_buf_free(&out);
        free(in);
        return 0;
}
