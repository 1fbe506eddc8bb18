/* Unit tests for the S3 sink's pure parts (worker/connectors/s3): SigV4 signatures against the
 * examples of AWS's S3 documentation, the URI encoding of object keys, the XML response scanner
 * the shared credentials file parser, the STS AssumeRoleWithWebIdentity answer parser and the
 * renewal time of web-identity keys. */
#include "s3/s3_creds.h"
#include "s3/s3_sigv4.h"
#include "s3/s3_sts.h"
#include "s3/s3_xml.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

static const char *const AK = "AKIAIOSFODNN7EXAMPLE";
static const char *const SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
static const char *const EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

Test(s3_sigv4, get_object_example)
{
        s3_header_t h[] = {{"range", "bytes=0-9"}};
        s3_sigv4_req_t r = {.method = "GET",
                            .host = "examplebucket.s3.amazonaws.com",
                            .path = "/test.txt",
                            .query = "",
                            .payload_sha256 = EMPTY_SHA,
                            .amz_date = "20130524T000000Z",
                            .region = "us-east-1",
                            .service = "s3",
                            .access_key = AK,
                            .secret_key = SK,
                            .headers = h,
                            .n_headers = 1};
        ferry_buf_t out;
        ferry_buf_init(&out);
        cr_assert_eq(s3_sigv4_authorization(&r, &out, NULL), 0);
        cr_assert_str_eq(
                out.p, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                       "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                       "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
        ferry_buf_free(&out);
}

Test(s3_sigv4, list_objects_example)
{
        s3_sigv4_req_t r = {.method = "GET",
                            .host = "examplebucket.s3.amazonaws.com",
                            .path = "/",
                            .query = "max-keys=2&prefix=J",
                            .payload_sha256 = EMPTY_SHA,
                            .amz_date = "20130524T000000Z",
                            .region = "us-east-1",
                            .service = "s3",
                            .access_key = AK,
                            .secret_key = SK};
        ferry_buf_t out, canon;
        ferry_buf_init(&out);
        ferry_buf_init(&canon);
        cr_assert_eq(s3_sigv4_authorization(&r, &out, &canon), 0);
        cr_assert(strstr(canon.p, "GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\n") ==
                          canon.p,
                  "%s", canon.p);
        cr_assert(strstr(out.p, "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
                  "%s", out.p);
        ferry_buf_free(&out);
        ferry_buf_free(&canon);
}

Test(s3_sigv4, uri_encoding)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        const char *key = "topics/t/partition=0/t+0+0000000000.json ~x";
        s3_uri_encode(&b, key, strlen(key), 1);
        cr_assert_str_eq(b.p, "topics/t/partition%3D0/t%2B0%2B0000000000.json%20~x");
        ferry_buf_reset(&b);
        s3_uri_encode(&b, "a/b", 3, 0);
        cr_assert_str_eq(b.p, "a%2Fb");
        ferry_buf_free(&b);
        char d[17];
        s3_amz_date(1369353600, d);
        cr_assert_str_eq(d, "20130524T000000Z");
}

Test(s3_xml, extract)
{
        const char *x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hi -->"
                        "<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                        "<Bucket>b</Bucket><Key>t+0.json</Key><UploadId>a&amp;b&#x41;&#66;&lt;</UploadId>"
                        "</InitiateMultipartUploadResult>";
        char *u = s3_xml_text(x, strlen(x), "UploadId");
        cr_assert_str_eq(u, "a&bAB<");
        free(u);
        cr_assert(s3_xml_root_is(x, strlen(x), "InitiateMultipartUploadResult"));
        cr_assert_null(s3_xml_text(x, strlen(x), "Code"));
        cr_assert_null(s3_xml_text(x, strlen(x), "InitiateMultipartUploadResult")); /* not a leaf */
        const char *e =
                "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated "
                "does not match</Message><Empty/></Error>";
        cr_assert(s3_xml_root_is(e, strlen(e), "Error"));
        char *c = s3_xml_text(e, strlen(e), "Code");
        cr_assert_str_eq(c, "SignatureDoesNotMatch");
        free(c);
        c = s3_xml_text(e, strlen(e), "Empty");
        cr_assert_str_eq(c, "");
        free(c);
        cr_assert_null(s3_xml_text("<Code>unterminated", 18, "Code"));
}

Test(s3_creds, ini)
{
        s3_creds_t c = {0};
        const char *ini =
                "[default]\naws_access_key_id = AKID\naws_secret_access_key=SECRET\n"
                "[profile ci]\naws_access_key_id=CI\naws_secret_access_key = CISECRET\naws_session_token=T\n";
        cr_assert_eq(s3_creds_parse_ini(ini, "ci", &c), 0);
        cr_assert_str_eq(c.access_key, "CI");
        cr_assert_str_eq(c.secret_key, "CISECRET");
        cr_assert_str_eq(c.session_token, "T");
        s3_creds_free(&c);
        cr_assert_eq(s3_creds_parse_ini(ini, "default", &c), 0);
        cr_assert_str_eq(c.access_key, "AKID");
        s3_creds_free(&c);
        cr_assert_eq(s3_creds_parse_ini(ini, "nope", &c), -1);
        s3_creds_free(&c);
}

Test(s3_sts, answer)
{
        const char *ok =
                "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                "<AssumeRoleWithWebIdentityResult><Credentials>"
                "<SessionToken>tok&amp;en</SessionToken><SecretAccessKey>sec/ret</SecretAccessKey>"
                "<Expiration>2026-12-07T09:15:30Z</Expiration><AccessKeyId>ASIAEXAMPLE</AccessKeyId>"
                "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
        s3_sts_creds_t c;
        char err[256];
        cr_assert_eq(s3_sts_parse(ok, strlen(ok), &c, err, sizeof err), 0, "%s", err);
        cr_assert_str_eq(c.access_key, "ASIAEXAMPLE");
        cr_assert_str_eq(c.secret_key, "sec/ret");
        cr_assert_str_eq(c.session_token, "tok&en");
        cr_assert_eq(c.expires_ms, 1796634930000LL);
        s3_sts_creds_free(&c);
        const char *bad = "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
                          "<Message>Token expired</Message></Error></ErrorResponse>";
        cr_assert_eq(s3_sts_parse(bad, strlen(bad), &c, err, sizeof err), -1);
        cr_assert_str_eq(err, "InvalidIdentityToken: Token expired");
        cr_assert_eq(s3_sts_parse("<x/>", 4, &c, err, sizeof err), -1);
        cr_assert_eq(s3_sts_parse_time("1970-01-01T00:00:01.5Z"), 1500);
        cr_assert_eq(s3_sts_parse_time("2026-12-07T09:15:30+00:00"), 1796634930000LL);
        cr_assert_eq(s3_sts_parse_time("2026-13-07T09:15:30Z"), -1);
        cr_assert_eq(s3_sts_parse_time("yesterday"), -1);
}

Test(s3_creds, refresh_time)
{
        cr_assert_eq(s3_creds_refresh_at(-1, 1000), INT64_MAX);
        /* An hour's keys: renewed five minutes before they expire. */
        cr_assert_eq(s3_creds_refresh_at(3600000, 0), 3300000);
        /* Keys with four minutes left: halfway. */
        cr_assert_eq(s3_creds_refresh_at(240000, 0), 120000);
        /* Expired: now. */
        cr_assert_eq(s3_creds_refresh_at(0, 5000), 2500);
}
