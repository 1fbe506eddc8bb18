/* The S3 sink's credential chain (see s3_creds.h): config keys, environment, shared credentials
 * file. Read once at task start by s3_sink.c. */
#include "s3_creds.h"

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

int s3_creds_resolve(const char *cfg_key_id, const char *cfg_secret, s3_creds_t *out, char *errstr,
                     size_t errstr_size)
{
        memset(out, 0, sizeof *out);
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
