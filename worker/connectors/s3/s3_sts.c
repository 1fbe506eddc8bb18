/* The parser of STS AssumeRoleWithWebIdentity answers (see s3_sts.h): the Credentials element's
 * AccessKeyId, SecretAccessKey, SessionToken and Expiration, or an ErrorResponse's Code and
 * Message. Sits under s3_creds.c (which makes the request over libcurl) and over s3_xml.c. */
#include "s3_sts.h"

#include "s3_xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void s3_sts_creds_free(s3_sts_creds_t *c)
{
        if (c->secret_key)
                memset(c->secret_key, 0, strlen(c->secret_key));
        free(c->access_key);
        free(c->secret_key);
        free(c->session_token);
        memset(c, 0, sizeof *c);
}

static int digits(const char *s, int n, int *out)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        *out = v;
        return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

int64_t s3_sts_parse_time(const char *s)
{
        int y, mo, d, h, mi, se;
        if (strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
            digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || digits(s + 11, 2, &h) ||
            s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
                return -1;
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
                return -1;
        const char *p = s + 19;
        int ms = 0;
        if (*p == '.') {
                int scale = 100;
                for (p++; *p >= '0' && *p <= '9'; p++) {
                        ms += (*p - '0') * scale;
                        scale /= 10;
                }
        }
        if (!(strcmp(p, "Z") == 0 || strcmp(p, "z") == 0 || strcmp(p, "+00:00") == 0 || *p == '\0'))
                return -1;
        return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000LL + se * 1000LL + ms;
}

int s3_sts_parse(const char *xml, size_t len, s3_sts_creds_t *out, char *errstr, size_t errstr_size)
{
        memset(out, 0, sizeof *out);
        out->expires_ms = -1;
        if (s3_xml_root_is(xml, len, "ErrorResponse") || s3_xml_root_is(xml, len, "Error")) {
                char *code = s3_xml_text(xml, len, "Code"), *msg = s3_xml_text(xml, len, "Message");
                snprintf(errstr, errstr_size, "%s: %s", code ? code : "Error", msg ? msg : "(no message)");
                free(code);
                free(msg);
                return -1;
        }
        out->access_key = s3_xml_text(xml, len, "AccessKeyId");
        out->secret_key = s3_xml_text(xml, len, "SecretAccessKey");
        out->session_token = s3_xml_text(xml, len, "SessionToken");
        char *exp = s3_xml_text(xml, len, "Expiration");
        if (exp) {
                out->expires_ms = s3_sts_parse_time(exp);
                free(exp);
        }
        if (!out->access_key || !*out->access_key || !out->secret_key || !*out->secret_key) {
                snprintf(errstr, errstr_size, "the answer has no Credentials (AccessKeyId, SecretAccessKey)");
                s3_sts_creds_free(out);
                return -1;
        }
        return 0;
}
