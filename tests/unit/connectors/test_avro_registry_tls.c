/* Unit tests of the AvroConverter's schema.registry.ssl.* mapping (worker/connectors/avro/
 * registry_tls.c): which libcurl settings each trust/key store type and the endpoint
 * identification key produce, and the errors naming the key at fault. The stores are made with the
 * openssl command line in a temporary directory; no TLS connection is made. */
#include "avro/registry_tls.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64];

static void path_of(char *out, size_t n, const char *name)
{
        snprintf(out, n, "%s/%s", dir, name);
}

static char *slurp(const char *name)
{
        char p[256];
        path_of(p, sizeof(p), name);
        FILE *f = fopen(p, "rb");
        cr_assert_not_null(f, "%s", p);
        static char buf[16384];
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        return strdup(buf);
}

static void setup(void)
{
        snprintf(dir, sizeof(dir), "/tmp/ferry-sr-tls.XXXXXX");
        cr_assert_not_null(mkdtemp(dir));
        char cmd[2048];
        snprintf(
                cmd, sizeof(cmd),
                "cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 "
                "-subj /CN=registry.test >/dev/null 2>&1 && "
                "openssl pkcs12 -export -in cert.pem -inkey key.pem -passout pass:storepw -out ks.p12 && "
                "openssl pkcs12 -export -nokeys -in cert.pem -passout pass:trustpw -out ts.p12 && "
                "openssl pkey -in key.pem -out key8.pem && "
                "openssl pkey -in key.pem -aes256 -passout pass:keypw -out enc.pem && cat cert.pem >>enc.pem",
                dir);
        cr_assert_eq(system(cmd), 0, "openssl could not make the test stores");
}

static void teardown(void)
{
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        cr_assert_eq(system(cmd), 0);
}

TestSuite(avro_registry_tls, .init = setup, .fini = teardown);

Test(avro_registry_tls, nothing_set_is_system_cas_with_host_check)
{
        sr_tls_t t;
        sr_tls_config_t c = {.truststore_type = "JKS",
                             .keystore_type = "JKS",
                             .endpoint_identification_algorithm = "https"};
        char err[512] = "";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), 0, "%s", err);
        cr_assert(t.verify_host);
        cr_assert_null(t.ca_file);
        cr_assert_null(t.ca_pem);
        cr_assert_null(t.cert_file);
        cr_assert_null(t.cert_pem);
        sr_tls_free(&t);
}

Test(avro_registry_tls, endpoint_identification)
{
        sr_tls_t t;
        sr_tls_config_t c = {.endpoint_identification_algorithm = ""};
        char err[512] = "";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), 0, "%s", err);
        cr_assert_not(t.verify_host);
        sr_tls_free(&t);
        c.endpoint_identification_algorithm = "ldaps";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "schema.registry.ssl.endpoint.identification.algorithm"), "%s", err);
}

Test(avro_registry_tls, pem_truststore_is_cainfo)
{
        char p[256];
        path_of(p, sizeof(p), "cert.pem");
        sr_tls_t t;
        sr_tls_config_t c = {.truststore_location = p, .truststore_type = "PEM"};
        char err[512] = "";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(t.ca_file, p);
        cr_assert_null(t.ca_pem);
        sr_tls_free(&t);
        path_of(p, sizeof(p), "missing.pem");
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "schema.registry.ssl.truststore.location") && strstr(err, "missing.pem"), "%s",
                  err);
}

Test(avro_registry_tls, pkcs12_truststore_is_cainfo_blob)
{
        char p[256];
        path_of(p, sizeof(p), "ts.p12");
        sr_tls_t t;
        sr_tls_config_t c = {
                .truststore_location = p, .truststore_type = "PKCS12", .truststore_password = "trustpw"};
        char err[512] = "";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), 0, "%s", err);
        cr_assert_null(t.ca_file);
        char *want = slurp("cert.pem");
        cr_assert_str_eq(t.ca_pem, want);
        cr_assert_eq(t.ca_pem_len, strlen(want));
        free(want);
        sr_tls_free(&t);
        c.truststore_password = "wrong";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "schema.registry.ssl.truststore.password"), "%s", err);
        c.truststore_password = "trustpw";
        path_of(p, sizeof(p), "cert.pem"); /* a PEM file declared as PKCS12 */
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "not a PKCS12 file"), "%s", err);
}

Test(avro_registry_tls, jks_is_refused_naming_the_key)
{
        char p[256];
        path_of(p, sizeof(p), "cert.pem");
        sr_tls_t t;
        sr_tls_config_t c = {.truststore_location = p, .truststore_type = "JKS"};
        char err[512] = "";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "schema.registry.ssl.truststore.type=JKS"), "%s", err);
        sr_tls_config_t k = {.keystore_location = p}; /* type unset: Confluent's default, JKS */
        cr_assert_eq(sr_tls_from_config(&t, &k, err, sizeof(err)), -1);
        cr_assert(strstr(err, "schema.registry.ssl.keystore.type=JKS (the default)"), "%s", err);
        k.keystore_type = "BCFKS";
        cr_assert_eq(sr_tls_from_config(&t, &k, err, sizeof(err)), -1);
        cr_assert(strstr(err, "BCFKS") && strstr(err, "schema.registry.ssl.keystore.type"), "%s", err);
}

Test(avro_registry_tls, pkcs12_keystore_is_cert_and_key_blobs)
{
        char p[256];
        path_of(p, sizeof(p), "ks.p12");
        sr_tls_t t;
        sr_tls_config_t c = {
                .keystore_location = p, .keystore_type = "PKCS12", .keystore_password = "storepw"};
        char err[512] = "";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), 0, "%s", err);
        char *cert = slurp("cert.pem"), *key = slurp("key8.pem");
        cr_assert_str_eq(t.cert_pem, cert);
        cr_assert_str_eq(t.key_pem, key);
        cr_assert_eq(t.key_pem_len, strlen(key));
        cr_assert_null(t.cert_file);
        cr_assert_null(t.key_file);
        free(cert);
        free(key);
        sr_tls_free(&t);
        /* The key password opens the store when the store password does not. */
        c.keystore_password = "nope";
        c.key_password = "storepw";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), 0, "%s", err);
        sr_tls_free(&t);
        c.key_password = "nope";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "schema.registry.ssl.keystore.password"), "%s", err);
        /* A trust-only PKCS12 file has no key for a client certificate. */
        path_of(p, sizeof(p), "ts.p12");
        c.keystore_password = "trustpw";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "no private key"), "%s", err);
}

Test(avro_registry_tls, pem_keystore_is_sslcert_sslkey_with_key_password)
{
        char p[256];
        path_of(p, sizeof(p), "enc.pem");
        sr_tls_t t;
        sr_tls_config_t c = {.keystore_location = p,
                             .keystore_type = "PEM",
                             .key_password = "keypw",
                             .endpoint_identification_algorithm = ""};
        char err[512] = "";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(t.cert_file, p);
        cr_assert_str_eq(t.key_file, p);
        cr_assert_str_eq(t.key_password, "keypw");
        cr_assert_null(t.cert_pem);
        cr_assert_not(t.verify_host);
        sr_tls_free(&t);
}
