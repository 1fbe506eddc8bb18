/* Unit tests of the AvroConverter's schema.registry.ssl.* mapping (worker/connectors/avro/
 * registry_tls.c): which libcurl settings each trust/key store type and the endpoint
 * identification key produce, and the errors naming the key at fault. The stores are made with the
 * openssl command line in a temporary directory. The handshake tests then fetch a schema through the
 * registry client (registry_client.c, libcurl) from a small HTTPS server (tls_registry.py) with that
 * certificate, with and without a client certificate required. */
#include "avro/registry_client.h"
#include "avro/registry_tls.h"
#include "../jks_vector.h"

#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
        cr_assert_null(t.ca_pem);
        cr_assert_null(t.cert_pem);
        cr_assert_null(t.key_pem);
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

Test(avro_registry_tls, pem_truststore_is_cainfo_blob)
{
        char p[256];
        path_of(p, sizeof(p), "cert.pem");
        sr_tls_t t;
        sr_tls_config_t c = {.truststore_location = p, .truststore_type = "PEM"};
        char err[512] = "";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), 0, "%s", err);
        char *want = slurp("cert.pem");
        cr_assert_str_eq(t.ca_pem, want);
        cr_assert_eq(t.ca_pem_len, strlen(want));
        free(want);
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

/* Confluent's default store type: the JKS file of tests/unit/jks_vector.h (a CA entry and a client
 * key entry) as trust store and as key store. */
Test(avro_registry_tls, jks_stores_are_read)
{
        char p[256];
        path_of(p, sizeof(p), "test.jks");
        FILE *f = fopen(p, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(jks_vector, 1, jks_vector_len, f), jks_vector_len);
        fclose(f);
        sr_tls_t t;
        sr_tls_config_t c = {.truststore_location = p, .truststore_password = "storepass"};
        char err[512] = "";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), 0, "%s", err);
        cr_assert(t.ca_pem && strstr(t.ca_pem, "-----BEGIN CERTIFICATE-----"));
        sr_tls_free(&t);
        sr_tls_config_t k = {.keystore_location = p,
                             .keystore_type = "JKS",
                             .keystore_password = "storepass",
                             .key_password = "keypass"};
        cr_assert_eq(sr_tls_from_config(&t, &k, err, sizeof(err)), 0, "%s", err);
        cr_assert(t.cert_pem && strstr(t.cert_pem, "-----BEGIN CERTIFICATE-----"));
        cr_assert(t.key_pem && strstr(t.key_pem, "-----BEGIN PRIVATE KEY-----"));
        sr_tls_free(&t);
        k.key_password = "Xq9-not-it";
        cr_assert_eq(sr_tls_from_config(&t, &k, err, sizeof(err)), -1);
        cr_assert(strstr(err, "schema.registry.ssl.key.password"), "%s", err);
        cr_assert_null(strstr(err, "Xq9-not-it"), "%s", err);
        k.keystore_type = "BCFKS";
        cr_assert_eq(sr_tls_from_config(&t, &k, err, sizeof(err)), -1);
        cr_assert(strstr(err, "BCFKS") && strstr(err, "schema.registry.ssl.keystore.type"), "%s", err);
        k.keystore_type = "JKS";
        path_of(p, sizeof(p), "cert.pem"); /* a PEM file declared as JKS */
        cr_assert_eq(sr_tls_from_config(&t, &k, err, sizeof(err)), -1);
        cr_assert(strstr(err, "is not a JKS file"), "%s", err);
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
        free(cert);
        free(key);
        sr_tls_free(&t);
        c.keystore_password = "nope";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "schema.registry.ssl.keystore.password"), "%s", err);
        /* A trust-only PKCS12 file has no key for a client certificate. */
        path_of(p, sizeof(p), "ts.p12");
        c.keystore_password = "trustpw";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "no private key"), "%s", err);
}

Test(avro_registry_tls, pem_keystore_with_key_password_is_decrypted)
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
        char *cert = slurp("cert.pem"), *key = slurp("key8.pem");
        cr_assert_str_eq(t.cert_pem, cert);
        cr_assert_str_eq(t.key_pem, key);
        free(cert);
        free(key);
        cr_assert_not(t.verify_host);
        sr_tls_free(&t);
        c.key_password = "bad";
        cr_assert_eq(sr_tls_from_config(&t, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "schema.registry.ssl.key.password"), "%s", err);
}

/* ---- handshakes against a real HTTPS server ---- */

static pid_t server_pid;
static int server_out = -1; /* kept open while the server runs: it may still write to it */

/* Starts tls_registry.py with cert.pem/key.pem (and cert.pem as the client CA when client_ca);
 * returns its port. */
static int start_server(bool client_ca)
{
        char cert[256], key[256], script[512];
        path_of(cert, sizeof(cert), "cert.pem");
        path_of(key, sizeof(key), "key.pem");
        snprintf(script, sizeof(script), "%.*s/tls_registry.py", (int)(strrchr(__FILE__, '/') - __FILE__),
                 __FILE__);
        int fd[2];
        cr_assert_eq(pipe(fd), 0);
        server_pid = fork();
        /* No assertion before the child execs: with --full-stats Criterion reports passing
         * assertions too, and a forked child writing to the runner's socket hangs both. */
        if (server_pid == 0) {
                dup2(fd[1], 1);
                close(fd[0]);
                close(fd[1]);
                if (client_ca)
                        execlp("python3", "python3", script, cert, key, cert, (char *)NULL);
                else
                        execlp("python3", "python3", script, cert, key, (char *)NULL);
                _exit(127);
        }
        cr_assert_geq(server_pid, 0);
        close(fd[1]);
        char buf[32] = "";
        ssize_t n = 0, r;
        while (n < (ssize_t)sizeof(buf) - 1 && !memchr(buf, '\n', (size_t)n) &&
               (r = read(fd[0], buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
                n += r;
        server_out = fd[0];
        cr_assert_gt(n, 0, "tls_registry.py did not start (%s)", script);
        buf[n] = '\0';
        return (int)strtol(buf, NULL, 10);
}

static void stop_server(void)
{
        if (server_pid > 0) {
                kill(server_pid, SIGTERM);
                waitpid(server_pid, NULL, 0);
                server_pid = 0;
        }
        if (server_out >= 0) {
                close(server_out);
                server_out = -1;
        }
        teardown();
}

/* Fetches schema id 1 with the given TLS config; the result code, *schema on success. */
static ferry_err_t fetch(int port, const sr_tls_config_t *cfg, char *err, size_t err_size)
{
        sr_tls_t t;
        cr_assert_eq(sr_tls_from_config(&t, cfg, err, err_size), 0, "%s", err);
        char url[64];
        snprintf(url, sizeof(url), "https://127.0.0.1:%d", port);
        char *urls[] = {url};
        sr_client_t *c = sr_client_new(urls, 1, NULL, 5000, &t);
        cr_assert_not_null(c);
        char *schema = NULL;
        ferry_err_t rc = sr_schema_by_id(c, 1, &schema, err, err_size);
        if (rc == FERRY_ERR_OK)
                cr_assert_str_eq(schema, "\"string\"");
        free(schema);
        sr_client_free(c);
        return rc;
}

Test(avro_registry_tls, handshake_server_verified_by_the_trust_store, .fini = stop_server)
{
        int port = start_server(false);
        char p12[256], pem[256], err[1024] = "";
        path_of(p12, sizeof(p12), "ts.p12");
        path_of(pem, sizeof(pem), "cert.pem");
        /* The certificate names registry.test, not 127.0.0.1: only without the host check. */
        sr_tls_config_t c = {.truststore_location = p12,
                             .truststore_type = "PKCS12",
                             .truststore_password = "trustpw",
                             .endpoint_identification_algorithm = ""};
        cr_assert_eq(fetch(port, &c, err, sizeof(err)), FERRY_ERR_OK, "%s", err);
        c.endpoint_identification_algorithm = "https";
        cr_assert_eq(fetch(port, &c, err, sizeof(err)), FERRY_ERR_RETRIABLE);
        cr_assert(strstr(err, "schema registry"), "%s", err);
        sr_tls_config_t p = {.truststore_location = pem,
                             .truststore_type = "PEM",
                             .endpoint_identification_algorithm = ""};
        cr_assert_eq(fetch(port, &p, err, sizeof(err)), FERRY_ERR_OK, "%s", err);
        /* Without a trust store the self-signed certificate is refused. */
        sr_tls_config_t none = {.endpoint_identification_algorithm = ""};
        cr_assert_eq(fetch(port, &none, err, sizeof(err)), FERRY_ERR_RETRIABLE);
}

Test(avro_registry_tls, handshake_with_client_certificate, .fini = stop_server)
{
        int port = start_server(true);
        char p12[256], ks[256], enc[256], err[1024] = "";
        path_of(p12, sizeof(p12), "ts.p12");
        path_of(ks, sizeof(ks), "ks.p12");
        path_of(enc, sizeof(enc), "enc.pem");
        sr_tls_config_t c = {.truststore_location = p12,
                             .truststore_type = "PKCS12",
                             .truststore_password = "trustpw",
                             .endpoint_identification_algorithm = ""};
        cr_assert_neq(fetch(port, &c, err, sizeof(err)), FERRY_ERR_OK, "served without a client certificate");
        c.keystore_location = ks;
        c.keystore_type = "PKCS12";
        c.keystore_password = "storepw";
        cr_assert_eq(fetch(port, &c, err, sizeof(err)), FERRY_ERR_OK, "%s", err);
        c.keystore_location = enc;
        c.keystore_type = "PEM";
        c.keystore_password = NULL;
        c.key_password = "keypw";
        cr_assert_eq(fetch(port, &c, err, sizeof(err)), FERRY_ERR_OK, "%s", err);
}
