/* The S3 sink's credential chain (see s3_creds.h): config keys, environment, web identity (STS
 * AssumeRoleWithWebIdentity over libcurl, its answer read by s3_sts.c), shared credentials file.
 * Resolved at task start by s3_sink.c, which renews web-identity keys before they expire. */
#include "s3_creds.h"

#include "s3_sts.h"

#include <ferry/buf.h>

#include <curl/curl.h>

#include <stdint.h>
#include <time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim_dup(const char *s, size_t n)
{
        while (n && (*s == ' ' || *s == '\t'))
                s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                n--;
        char *r = malloc(n + 1);
        if (r) {
                memcpy(r, s, n);
                r[n] = '\0';
        }
        return r;
}

int s3_creds_parse_ini(const char *text, const char *profile, s3_creds_t *out)
{
        bool in = false;
        const char *p = text;
        while (*p) {
                size_t n = strcspn(p, "\n");
                char *line = trim_dup(p, n);
                p += n + (p[n] == '\n');
                if (!line)
                        return -1;
                if (line[0] == '[') {
                        char *end = strchr(line, ']');
                        if (end) {
                                *end = '\0';
                                char *name = line + 1;
                                if (strncmp(name, "profile ", 8) == 0)
                                        name += 8;
                                in = strcmp(name, profile) == 0;
                        }
                } else if (in && line[0] != '#' && line[0] != ';') {
                        char *eq = strchr(line, '=');
                        if (eq) {
                                char *k = trim_dup(line, (size_t)(eq - line));
                                char *v = trim_dup(eq + 1, strlen(eq + 1));
                                char **dst = !k                                        ? NULL
                                             : strcmp(k, "aws_access_key_id") == 0     ? &out->access_key
                                             : strcmp(k, "aws_secret_access_key") == 0 ? &out->secret_key
                                             : strcmp(k, "aws_session_token") == 0     ? &out->session_token
                                                                                       : NULL;
                                if (dst) {
                                        free(*dst);
                                        *dst = v;
                                        v = NULL;
                                }
                                free(k);
                                free(v);
                        }
                }
                free(line);
        }
        return out->access_key && out->secret_key ? 0 : -1;
}

int64_t s3_creds_refresh_at(int64_t expires_ms, int64_t now_ms)
{
        if (expires_ms < 0)
                return INT64_MAX;
        int64_t left = expires_ms - now_ms;
        return left < 600000 ? now_ms + left / 2 : expires_ms - 300000;
}

static size_t on_sts_body(char *p, size_t size, size_t n, void *ud)
{
        return ferry_buf_append(ud, p, size * n) == 0 ? size * n : 0;
}

static void form_field(ferry_buf_t *b, CURL *h, const char *name, const char *value)
{
        char *e = curl_easy_escape(h, value, 0);
        ferry_buf_printf(b, "&%s=%s", name, e ? e : "");
        curl_free(e);
}

/* STS AssumeRoleWithWebIdentity with the token in AWS_WEB_IDENTITY_TOKEN_FILE. */
static int web_identity(s3_creds_t *out, char *errstr, size_t errstr_size)
{
        const char *file = getenv("AWS_WEB_IDENTITY_TOKEN_FILE"), *role = getenv("AWS_ROLE_ARN");
        const char *session = getenv("AWS_ROLE_SESSION_NAME");
        char session_buf[64];
        if (!session || !*session) {
                snprintf(session_buf, sizeof session_buf, "ferry-%lld", (long long)time(NULL));
                session = session_buf;
        }
        const char *ep = getenv("AWS_ENDPOINT_URL_STS");
        if (!ep || !*ep)
                ep = getenv("AWS_ENDPOINT_URL");
        char ep_buf[256];
        if (!ep || !*ep) {
                const char *region = getenv("AWS_REGION");
                if (region && *region)
                        snprintf(ep_buf, sizeof ep_buf, "https://sts.%s.amazonaws.com/", region);
                else
                        snprintf(ep_buf, sizeof ep_buf, "https://sts.amazonaws.com/");
                ep = ep_buf;
        }
        ferry_buf_t token, form, body;
        ferry_buf_init(&token);
        ferry_buf_init(&form);
        ferry_buf_init(&body);
        int rc = -1;
        CURL *h = NULL;
        if (ferry_buf_read_file(&token, file) != 0 || !token.p) {
                snprintf(errstr, errstr_size, "AWS_WEB_IDENTITY_TOKEN_FILE: cannot read %s", file);
                goto out;
        }
        while (token.len && (token.p[token.len - 1] == '\n' || token.p[token.len - 1] == '\r' ||
                             token.p[token.len - 1] == ' '))
                token.p[--token.len] = '\0';
        if (!(h = curl_easy_init())) {
                snprintf(errstr, errstr_size, "out of memory");
                goto out;
        }
        ferry_buf_puts(&form, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15");
        form_field(&form, h, "RoleArn", role);
        form_field(&form, h, "RoleSessionName", session);
        form_field(&form, h, "WebIdentityToken", token.p);
        struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
        curl_easy_setopt(h, CURLOPT_URL, ep);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, form.p ? form.p : "");
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_sts_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
        CURLcode cc = curl_easy_perform(h);
        curl_slist_free_all(hl);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (cc != CURLE_OK) {
                snprintf(errstr, errstr_size, "STS AssumeRoleWithWebIdentity at %s: %s", ep,
                         curl_easy_strerror(cc));
                goto out;
        }
        s3_sts_creds_t sc;
        char perr[400];
        if (s3_sts_parse(body.p ? body.p : "", body.len, &sc, perr, sizeof perr) != 0) {
                snprintf(errstr, errstr_size, "STS AssumeRoleWithWebIdentity for %s at %s: %ld %s", role, ep,
                         status, perr);
                goto out;
        }
        free(out->access_key);
        free(out->secret_key);
        free(out->session_token);
        out->access_key = sc.access_key;
        out->secret_key = sc.secret_key;
        out->session_token = sc.session_token;
        out->expires_ms = sc.expires_ms;
        snprintf(out->source_buf, sizeof out->source_buf, "web identity (%s, role %s)", file, role);
        out->source = out->source_buf;
        rc = 0;
out:
        if (h)
                curl_easy_cleanup(h);
        ferry_buf_free(&token);
        ferry_buf_free(&form);
        ferry_buf_free(&body);
        return rc;
}

int s3_creds_refresh(s3_creds_t *c, char *errstr, size_t errstr_size)
{
        s3_creds_t n;
        memset(&n, 0, sizeof n);
        if (web_identity(&n, errstr, errstr_size) != 0) {
                s3_creds_free(&n);
                return -1;
        }
        s3_creds_free(c);
        *c = n;
        c->source = c->source_buf;
        return 0;
}

int s3_creds_resolve(const char *cfg_key_id, const char *cfg_secret, s3_creds_t *out, char *errstr,
                     size_t errstr_size)
{
        memset(out, 0, sizeof *out);
        out->expires_ms = -1;
        if (cfg_key_id && *cfg_key_id && cfg_secret && *cfg_secret) {
                out->access_key = strdup(cfg_key_id);
                out->secret_key = strdup(cfg_secret);
                out->source = "config";
                return out->access_key && out->secret_key ? 0 : -1;
        }
        const char *ek = getenv("AWS_ACCESS_KEY_ID"), *es = getenv("AWS_SECRET_ACCESS_KEY");
        if (ek && *ek && es && *es) {
                out->access_key = strdup(ek);
                out->secret_key = strdup(es);
                const char *tok = getenv("AWS_SESSION_TOKEN");
                out->session_token = tok && *tok ? strdup(tok) : NULL;
                out->source = "environment";
                return out->access_key && out->secret_key ? 0 : -1;
        }
        const char *wf = getenv("AWS_WEB_IDENTITY_TOKEN_FILE"), *wr = getenv("AWS_ROLE_ARN");
        if (wf && *wf && wr && *wr)
                return web_identity(out, errstr, errstr_size);
        const char *file = getenv("AWS_SHARED_CREDENTIALS_FILE");
        const char *home = getenv("HOME");
        if ((!file || !*file) && home)
                snprintf(out->source_buf, sizeof out->source_buf, "%s/.aws/credentials", home);
        else
                snprintf(out->source_buf, sizeof out->source_buf, "%s", file ? file : "");
        const char *profile = getenv("AWS_PROFILE");
        if (!profile || !*profile)
                profile = "default";
        FILE *f = out->source_buf[0] ? fopen(out->source_buf, "r") : NULL;
        if (f) {
                char *text = NULL;
                size_t cap = 0, len = 0;
                char chunk[4096];
                size_t n;
                while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && len < (1u << 20)) {
                        char *t = realloc(text, cap = len + n + 1);
                        if (!t)
                                break;
                        text = t;
                        memcpy(text + len, chunk, n);
                        len += n;
                        text[len] = '\0';
                }
                (void)cap;
                fclose(f);
                int rc = text ? s3_creds_parse_ini(text, profile, out) : -1;
                free(text);
                if (rc == 0) {
                        out->source = out->source_buf;
                        return 0;
                }
                s3_creds_free(out);
        }
        snprintf(errstr, errstr_size,
                 "aws.access.key.id: no AWS credentials: set aws.access.key.id and aws.secret.access.key, "
                 "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile \"%s\" in the shared credentials "
                 "file",
                 profile);
        return -1;
}

void s3_creds_free(s3_creds_t *c)
{
        if (c->secret_key)
                memset(c->secret_key, 0, strlen(c->secret_key));
        free(c->access_key);
        free(c->secret_key);
        free(c->session_token);
        c->access_key = c->secret_key = c->session_token = NULL;
}
