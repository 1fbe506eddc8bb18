/* AWS credentials for the S3 sink, in the order of the default chain the Java SDK follows for
 * Confluent's sink: aws.access.key.id/aws.secret.access.key, then AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), then web identity (AWS_WEB_IDENTITY_TOKEN_FILE and
 * AWS_ROLE_ARN [, AWS_ROLE_SESSION_NAME]: STS AssumeRoleWithWebIdentity over libcurl, at
 * AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, https://sts.<AWS_REGION>.amazonaws.com or
 * https://sts.amazonaws.com; temporary keys renewed before they expire), then the shared
 * credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile AWS_PROFILE or
 * "default"). */
#ifndef FERRY_S3_CREDS_H
#define FERRY_S3_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
        char *access_key, *secret_key, *session_token;
        const char *source; /* "config", "environment", the file's path */
        char source_buf[512];
        int64_t expires_ms; /* web identity: when the keys expire (epoch ms); -1 never */
} s3_creds_t;

/* 0 with *out filled (free with s3_creds_free), -1 with a message when no source has them. */
int s3_creds_resolve(const char *cfg_key_id, const char *cfg_secret, s3_creds_t *out, char *errstr,
                     size_t errstr_size);
void s3_creds_free(s3_creds_t *c);
/* When temporary keys expiring at expires_ms (-1: never) should be renewed: five minutes before,
 * or halfway for keys that live less than ten minutes from now_ms. INT64_MAX for never. */
int64_t s3_creds_refresh_at(int64_t expires_ms, int64_t now_ms);
/* Web identity: asks STS again (the token file is read again, as Kubernetes rotates it). 0 with
 * c's keys replaced, -1 with a message (c unchanged). */
int s3_creds_refresh(s3_creds_t *c, char *errstr, size_t errstr_size);
/* Reads profile from an INI credentials file's text (tests). 0 when it has both keys. */
int s3_creds_parse_ini(const char *text, const char *profile, s3_creds_t *out);

#endif
