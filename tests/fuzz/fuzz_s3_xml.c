/* libFuzzer target for the S3 sink's XML response scanner (worker/connectors/s3/s3_xml.c): any
 * bytes as a response body must scan without reading outside them, and what it extracts must be
 * a NUL-terminated string no longer than the body. The scanner is part of the s3 plugin, so its
 * source is included here. */
#include "../../worker/connectors/s3/s3_xml.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* A copy of exactly size bytes, so reading past the end is caught. */
        char *body = malloc(size ? size : 1);
        if (!body)
                return 0;
        memcpy(body, data, size);
        static const char *const names[] = {"UploadId", "Code", "Message", "ETag", "Key"};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
                char *t = s3_xml_text(body, size, names[i]);
                if (t && strlen(t) > size)
                        abort();
                free(t);
        }
        (void)s3_xml_root_is(body, size, "Error");
        free(body);
        return 0;
}
