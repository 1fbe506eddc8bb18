/* libFuzzer target for the Elasticsearch sink's response parser
 * (worker/connectors/shared/elasticsearch/bulk_response.c): any bytes as a `_bulk` answer or an
 * error body. The first input byte is the number of actions the answer should cover (0..63), the
 * rest the body. Besides crashes, leaks and undefined behaviour it checks that a parsed answer
 * gives every item a type and a reason together (or neither) and the class es_item_classify()
 * gives its status and type, that a failed parse leaves nothing allocated, and that
 * es_error_summary() always terminates its output, also in short buffers. Build and run: make fuzz. */
#include "shared/elasticsearch/bulk_response.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        size_t n = data[0] & 63;
        const char *body = (const char *)data + 1;
        size_t len = size - 1;
        es_item_t items[64];
        char err[128];
        if (es_bulk_parse(body, len, items, n, err, sizeof(err)) == 0) {
                for (size_t i = 0; i < n; i++) {
                        if (!items[i].error_type != !items[i].error_reason)
                                abort();
                        es_item_class_t c = es_item_classify(items[i].status, items[i].error_type);
                        if (c != items[i].cls && !(items[i].cls == ES_ITEM_OK && items[i].status == 404))
                                abort();
                }
                es_items_free(items, n);
        } else {
                for (size_t i = 0; i < n; i++)
                        if (items[i].error_type || items[i].error_reason)
                                abort();
                if (!memchr(err, '\0', sizeof(err)))
                        abort();
        }
        static const size_t sizes[] = {1, 2, 16, 400};
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
                char out[400];
                size_t t = es_error_summary(body, len, out, sizes[s]);
                if (!memchr(out, '\0', sizes[s]) || t >= sizes[s])
                        abort();
        }
        return 0;
}
