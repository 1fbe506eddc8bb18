/* libFuzzer target for the S3 sink's STS answer parser (worker/connectors/s3/s3_sts.c, over the
 * XML scanner s3_xml.c): any bytes as an AssumeRoleWithWebIdentity answer must parse or be refused
 * without reading outside them, and the keys it returns must be NUL-terminated strings no longer
 * than the answer. Both files are part of the s3 plugin, so their sources are included here. */
#include "../../worker/connectors/s3/s3_sts.c"
#include "../../worker/connectors/s3/s3_xml.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *body = malloc(size ? size : 1);
        if (!body)
                return 0;
        memcpy(body, data, size);
        s3_sts_creds_t c;
        char err[256];
        if (s3_sts_parse(body, size, &c, err, sizeof err) == 0) {
                if (strlen(c.access_key) > size || strlen(c.secret_key) > size ||
                    (c.session_token && strlen(c.session_token) > size))
                        abort();
                s3_sts_creds_free(&c);
        }
        /* The time parser on the same bytes as a NUL-terminated string. */
        char *t = malloc(size + 1);
        if (t) {
                memcpy(t, data, size);
                t[size] = '\0';
                (void)s3_sts_parse_time(t);
                free(t);
        }
        free(body);
        return 0;
}
