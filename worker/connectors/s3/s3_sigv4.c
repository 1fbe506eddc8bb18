/* AWS Signature Version 4 (the canonical request, the string to sign, the derived signing key)
 * and S3's URI encoding, on OpenSSL. Used by s3_client.c for every request it sends. */
#include "s3_sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void hex(const unsigned char *p, size_t n, char *out)
{
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < n; i++) {
                out[2 * i] = digits[p[i] >> 4];
                out[2 * i + 1] = digits[p[i] & 15];
        }
        out[2 * n] = '\0';
}

void s3_sha256_hex(const void *data, size_t len, char out[65])
{
        unsigned char md[SHA256_DIGEST_LENGTH];
        SHA256(data, len, md);
        hex(md, sizeof md, out);
}

void s3_amz_date(int64_t epoch_s, char out[17])
{
        time_t t = (time_t)epoch_s;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

int s3_uri_encode(ferry_buf_t *out, const char *s, size_t len, int keep_slash)
{
        static const char digits[] = "0123456789ABCDEF";
        if (ferry_buf_reserve(out, len * 3) != 0)
                return -1;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~' || (c == '/' && keep_slash)) {
                        out->p[out->len++] = (char)c;
                } else {
                        out->p[out->len++] = '%';
                        out->p[out->len++] = digits[c >> 4];
                        out->p[out->len++] = digits[c & 15];
                }
        }
        out->p[out->len] = '\0';
        return 0;
}

static void hmac(const void *key, size_t key_len, const char *msg, unsigned char out[32])
{
        unsigned int n = 32;
        HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, strlen(msg), out, &n);
}

static int cmp_headers(const void *a, const void *b)
{
        return strcmp(((const s3_header_t *)a)->name, ((const s3_header_t *)b)->name);
}

int s3_sigv4_authorization(const s3_sigv4_req_t *r, ferry_buf_t *out, ferry_buf_t *canonical)
{
        size_t n = r->n_headers + 4;
        s3_header_t *h = calloc(n, sizeof *h);
        if (!h)
                return -1;
        size_t k = 0;
        h[k++] = (s3_header_t){"host", r->host};
        h[k++] = (s3_header_t){"x-amz-content-sha256", r->payload_sha256};
        h[k++] = (s3_header_t){"x-amz-date", r->amz_date};
        if (r->session_token && *r->session_token)
                h[k++] = (s3_header_t){"x-amz-security-token", r->session_token};
        for (size_t i = 0; i < r->n_headers; i++)
                h[k++] = r->headers[i];
        qsort(h, k, sizeof *h, cmp_headers);

        ferry_buf_t creq, signed_names, sts;
        ferry_buf_init(&creq);
        ferry_buf_init(&signed_names);
        ferry_buf_init(&sts);
        ferry_buf_printf(&creq, "%s\n%s\n%s\n", r->method, r->path, r->query ? r->query : "");
        for (size_t i = 0; i < k; i++) {
                ferry_buf_printf(&creq, "%s:%s\n", h[i].name, h[i].value);
                ferry_buf_printf(&signed_names, "%s%s", i ? ";" : "", h[i].name);
        }
        ferry_buf_printf(&creq, "\n%s\n%s", signed_names.p, r->payload_sha256);
        free(h);
        int rc = -1;
        if (!creq.p || !signed_names.p)
                goto out;
        char date[9];
        memcpy(date, r->amz_date, 8);
        date[8] = '\0';
        char creq_hash[65];
        s3_sha256_hex(creq.p, creq.len, creq_hash);
        ferry_buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", r->amz_date, date,
                         r->region, r->service, creq_hash);
        if (!sts.p)
                goto out;
        size_t sl = strlen(r->secret_key) + 5;
        char *secret = malloc(sl);
        if (!secret)
                goto out;
        snprintf(secret, sl, "AWS4%s", r->secret_key);
        unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
        hmac(secret, strlen(secret), date, k1);
        OPENSSL_cleanse(secret, sl);
        free(secret);
        hmac(k1, 32, r->region, k2);
        hmac(k2, 32, r->service, k3);
        hmac(k3, 32, "aws4_request", k4);
        hmac(k4, 32, sts.p, sig);
        char sig_hex[65];
        hex(sig, 32, sig_hex);
        rc = ferry_buf_printf(
                     out,
                     "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
                     r->access_key, date, r->region, r->service, signed_names.p, sig_hex) < 0
                     ? -1
                     : 0;
        if (canonical && rc == 0)
                rc = ferry_buf_append(canonical, creq.p, creq.len);
out:
        ferry_buf_free(&creq);
        ferry_buf_free(&signed_names);
        ferry_buf_free(&sts);
        return rc;
}
