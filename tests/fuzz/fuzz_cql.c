/* libFuzzer target for the CQL native-protocol decoder (worker/connectors/shared/cql/cql_wire.c and
 * cql_value.c): everything a Cassandra node (or anything posing as one) sends back. The input is
 * a response frame: a 9-byte header, then the body, which goes through the flag-driven prefix
 * (tracing id, warnings, custom payload), then the RESULT or ERROR decoder by opcode; every cell
 * of a ROWS result is rendered to JSON by its column type, and an [option] type read from the body
 * renders the rest of the body as one value. Checks for crashes, leaks, undefined behaviour and
 * reads past the frame. Build and run: make fuzz. */
#include "shared/cql/cql.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < CQL_HEADER_LEN)
                return 0;
        cql_header_t h;
        char err[256];
        if (cql_header_decode(data, &h, err, sizeof err) < 0)
                return 0;
        /* an exact-size heap copy so ASan sees any read past the body */
        size_t len = size - CQL_HEADER_LEN;
        uint8_t *body = malloc(len ? len : 1);
        if (!body)
                return 0;
        memcpy(body, data + CQL_HEADER_LEN, len);
        long start = cql_body_start(body, len, h.flags);
        if (start >= 0) {
                const uint8_t *p = body + start;
                size_t n = len - (size_t)start;
                if (h.opcode == CQL_OP_ERROR) {
                        cql_error_t e;
                        cql_error_decode(p, n, &e);
                        cql_error_format(&e, err, sizeof err);
                        cql_error_clear(&e);
                } else if (h.opcode == CQL_OP_RESULT) {
                        cql_result_t r;
                        if (cql_result_decode(p, n, h.version, &r, err, sizeof err) == 0) {
                                for (size_t i = 0; i < r.n_rows && r.n_cols; i++)
                                        for (size_t c = 0; c < r.n_cols; c++) {
                                                if (!r.cols[c].type)
                                                        continue;
                                                cql_cell_t *cell = &r.cells[i * r.n_cols + c];
                                                free(cql_value_json(r.cols[c].type, cell->p, cell->len));
                                        }
                                for (size_t c = 0; c < r.n_cols; c++)
                                        if (r.cols[c].type)
                                                free(cql_type_str(r.cols[c].type));
                                cql_result_free(&r);
                        }
                } else {
                        cql_rd_t rd = {.p = p, .len = n};
                        cql_type_t *t = cql_type_decode(&rd, 0);
                        if (t) {
                                free(cql_type_str(t));
                                free(cql_value_json(t, p + rd.pos, (int32_t)(n - rd.pos)));
                                cql_type_free(t);
                        }
                }
        }
        free(body);
        return 0;
}
