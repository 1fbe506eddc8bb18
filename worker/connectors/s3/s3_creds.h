/* AWS credentials for the S3 sink, in the order of the default chain the Java SDK follows for
 * Confluent's sink: aws.access.key.id/aws.secret.access.key, then AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), then the shared credentials file
 * (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile AWS_PROFILE or "default"). */
#ifndef FERRY_S3_CREDS_H
#define FERRY_S3_CREDS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
        char *access_key, *secret_key, *session_token;
        const char *source; /* "config", "environment", the file's path */
        char source_buf[512];
} s3_creds_t;

/* 0 with *out filled (free with s3_creds_free), -1 with a message when no source has them. */
int s3_creds_resolve(const char *cfg_key_id, const char *cfg_secret, s3_creds_t *out, char *errstr,
                     size_t errstr_size);
void s3_creds_free(s3_creds_t *c);
/* Reads profile from an INI credentials file's text (tests). 0 when it has both keys. */
int s3_creds_parse_ini(const char *text, const char *profile, s3_creds_t *out);

#endif
