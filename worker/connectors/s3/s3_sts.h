/* The answer of AWS STS to AssumeRoleWithWebIdentity (the web-identity credentials Kubernetes
 * pods get through AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN): its temporary keys and their
 * expiry, or its error. A pure parser over s3_xml.c, fuzzed by tests/fuzz/fuzz_s3_sts.c; the
 * request itself is made by s3_creds.c. */
#ifndef FERRY_S3_STS_H
#define FERRY_S3_STS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
        char *access_key, *secret_key, *session_token; /* malloc'd */
        int64_t expires_ms;                            /* epoch ms; -1 when the answer gives none */
} s3_sts_creds_t;

/* Reads an AssumeRoleWithWebIdentityResponse (or an ErrorResponse: -1 with "<Code>: <Message>"
 * in errstr). 0 with out filled (free with s3_sts_creds_free), -1 with a message otherwise. */
int s3_sts_parse(const char *xml, size_t len, s3_sts_creds_t *out, char *errstr, size_t errstr_size);
void s3_sts_creds_free(s3_sts_creds_t *c);
/* An ISO-8601 UTC time as STS writes it ("2026-12-07T08:15:30Z", fractions and "+00:00"
 * accepted) in epoch ms; -1 when it is not one. */
int64_t s3_sts_parse_time(const char *s);

#endif
