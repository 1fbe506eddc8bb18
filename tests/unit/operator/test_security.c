/* Unit tests for spec.tls and spec.authentication of a KafkaConnect (operator/src/spec.c and
 * cluster_security.c): Strimzi's shapes parsed into typed fields, each invalid field named in the
 * error, the worker.properties keys (top level and producer./consumer./admin.) with no secret in
 * them, the Secret volumes and env of the pod spec, and the start script run for real by /bin/sh
 * (paths moved to a temporary directory, as the e2e kubelet does): it builds the PEM stores and
 * writes sasl.jaas.config with a password holding \ and " escaped for JAAS and Java properties. */
#include "operator.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static json_object *kc_with(const char *spec_members)
{
        char buf[8192];
        snprintf(buf, sizeof(buf),
                 "{\"metadata\":{\"name\":\"kc\",\"namespace\":\"ns\",\"uid\":\"u1\"},"
                 "\"spec\":{\"bootstrapServers\":\"k:9093\",%s}}",
                 spec_members);
        json_object *o = json_tokener_parse(buf);
        cr_assert_not_null(o, "bad test JSON: %s", buf);
        return o;
}

#define SCRAM                                                                                                \
        "\"tls\":{\"trustedCertificates\":[{\"secretName\":\"cluster-ca-cert\",\"certificate\":\"ca.crt\"}," \
        "{\"secretName\":\"more-cas\",\"pattern\":\"*.crt\"}]},"                                             \
        "\"authentication\":{\"type\":\"scram-sha-512\",\"username\":\"my-user\","                           \
        "\"passwordSecret\":{\"secretName\":\"my-user\",\"password\":\"password\"}}"

static void connect_error(const char *members, const char *want)
{
        json_object *kc = kc_with(members);
        op_connect_spec_t s;
        char err[512];
        cr_assert_eq(op_connect_spec_parse(kc, &s, err, sizeof(err)), -1, "accepted: %s", members);
        cr_assert_str_eq(err, want, "for %s", members);
        op_connect_spec_free(&s);
        json_object_put(kc);
}

Test(security_spec, scram_with_trusted_certificates)
{
        json_object *kc = kc_with(SCRAM);
        op_connect_spec_t s;
        char err[512];
        cr_assert_eq(op_connect_spec_parse(kc, &s, err, sizeof(err)), 0, "%s", err);
        cr_assert(s.tls);
        cr_assert_eq(s.n_trusted, 2);
        cr_assert_str_eq(s.trusted[0].secret, "cluster-ca-cert");
        cr_assert_str_eq(s.trusted[0].file, "ca.crt");
        cr_assert_null(s.trusted[0].pattern);
        cr_assert_str_eq(s.trusted[1].pattern, "*.crt");
        cr_assert_null(s.trusted[1].file);
        cr_assert_eq(s.auth.type, OP_AUTH_SCRAM_SHA_512);
        cr_assert_str_eq(s.auth.username, "my-user");
        cr_assert_str_eq(s.auth.password.secret, "my-user");
        cr_assert_str_eq(s.auth.password.file, "password");
        op_connect_spec_free(&s);
        json_object_put(kc);
}

Test(security_spec, tls_plain_and_oauth)
{
        json_object *kc =
                kc_with("\"tls\":{},\"authentication\":{\"type\":\"tls\",\"certificateAndKey\":{"
                        "\"secretName\":\"my-user\",\"certificate\":\"user.crt\",\"key\":\"user.key\"}}");
        op_connect_spec_t s;
        char err[512];
        cr_assert_eq(op_connect_spec_parse(kc, &s, err, sizeof(err)), 0, "%s", err);
        cr_assert(s.tls);
        cr_assert_eq(s.n_trusted, 0);
        cr_assert_eq(s.auth.type, OP_AUTH_TLS);
        cr_assert_str_eq(s.auth.cert.secret, "my-user");
        cr_assert_str_eq(s.auth.cert.file, "user.crt");
        cr_assert_str_eq(s.auth.cert.key, "user.key");
        op_connect_spec_free(&s);
        json_object_put(kc);

        kc = kc_with("\"authentication\":{\"type\":\"plain\",\"username\":\"u\",\"passwordSecret\":{"
                     "\"secretName\":\"s\",\"password\":\"p\"}}");
        cr_assert_eq(op_connect_spec_parse(kc, &s, err, sizeof(err)), 0, "%s", err);
        cr_assert(!s.tls);
        cr_assert_eq(s.auth.type, OP_AUTH_PLAIN);
        op_connect_spec_free(&s);
        json_object_put(kc);

        kc = kc_with(
                "\"tls\":{\"trustedCertificates\":[{\"secretName\":\"ca\",\"certificate\":\"ca.crt\"}]},"
                "\"authentication\":{\"type\":\"oauth\",\"clientId\":\"connect\",\"clientSecret\":{"
                "\"secretName\":\"oauth\",\"key\":\"secret\"},\"tokenEndpointUri\":\"https://sso/token\","
                "\"scope\":\"kafka\",\"disableTlsHostnameVerification\":false}");
        cr_assert_eq(op_connect_spec_parse(kc, &s, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(s.auth.type, OP_AUTH_OAUTH);
        cr_assert_str_eq(s.auth.client_id, "connect");
        cr_assert_str_eq(s.auth.password.secret, "oauth");
        cr_assert_str_eq(s.auth.password.file, "secret");
        cr_assert_str_eq(s.auth.token_endpoint_uri, "https://sso/token");
        cr_assert_str_eq(s.auth.scope, "kafka");
        op_connect_spec_free(&s);
        json_object_put(kc);
}

Test(security_spec, errors_name_the_field)
{
        connect_error("\"tls\":[]", "spec.tls: must be an object");
        connect_error("\"tls\":{\"trustedCertificates\":[{\"secretName\":\"ca\"}]}",
                      "spec.tls.trustedCertificates[0]: needs exactly one of certificate, pattern");
        connect_error("\"tls\":{\"trustedCertificates\":[{\"secretName\":\"ca\",\"certificate\":\"a\","
                      "\"pattern\":\"*\"}]}",
                      "spec.tls.trustedCertificates[0]: needs exactly one of certificate, pattern");
        connect_error("\"tls\":{\"trustedCertificates\":[{\"certificate\":\"ca.crt\"}]}",
                      "spec.tls.trustedCertificates[0].secretName: required");
        connect_error(
                "\"tls\":{\"trustedCertificates\":[{\"secretName\":\"Bad_Name\",\"certificate\":\"c\"}]}",
                "spec.tls.trustedCertificates[0].secretName: must be a Secret name (lower-case DNS "
                "subdomain)");
        connect_error("\"tls\":{\"trustedCertificates\":[{\"secretName\":\"ca\",\"certificate\":\"a b\"}]}",
                      "spec.tls.trustedCertificates[0].certificate: must be a key of the Secret "
                      "([-._a-zA-Z0-9]+)");
        connect_error("\"tls\":{\"trustedCertificates\":[{\"secretName\":\"ca\",\"pattern\":\"$(x)\"}]}",
                      "spec.tls.trustedCertificates[0].pattern: must be a glob over the Secret's keys "
                      "([-._a-zA-Z0-9*?]+)");
        connect_error(
                "\"authentication\":{}",
                "spec.authentication.type: required (tls, scram-sha-256, scram-sha-512, plain or oauth)");
        connect_error("\"authentication\":{\"type\":\"gssapi\"}",
                      "spec.authentication.type: unsupported type \"gssapi\" (tls, scram-sha-256, "
                      "scram-sha-512, plain or oauth)");
        connect_error("\"authentication\":{\"type\":\"tls\",\"certificateAndKey\":{\"secretName\":\"u\","
                      "\"certificate\":\"c\",\"key\":\"k\"}}",
                      "spec.authentication.type: tls needs spec.tls (TLS to the brokers)");
        connect_error("\"tls\":{},\"authentication\":{\"type\":\"tls\"}",
                      "spec.authentication.certificateAndKey: required with type tls");
        connect_error("\"tls\":{},\"authentication\":{\"type\":\"tls\",\"certificateAndKey\":{"
                      "\"secretName\":\"u\",\"certificate\":\"c\"}}",
                      "spec.authentication.certificateAndKey.key: required");
        connect_error(
                "\"authentication\":{\"type\":\"scram-sha-512\",\"passwordSecret\":{\"secretName\":\"u\","
                "\"password\":\"p\"}}",
                "spec.authentication.username: required with type scram-sha-*");
        connect_error("\"authentication\":{\"type\":\"scram-sha-256\",\"username\":\"u\"}",
                      "spec.authentication.passwordSecret: required with type scram-sha-*");
        connect_error("\"authentication\":{\"type\":\"plain\",\"username\":\"u\",\"passwordSecret\":{"
                      "\"secretName\":\"u\"}}",
                      "spec.authentication.passwordSecret.password: required");
        connect_error("\"authentication\":{\"type\":\"plain\",\"username\":\"u\",\"passwordSecret\":{"
                      "\"secretName\":\"u\",\"password\":\"p\"},\"certificateAndKey\":{}}",
                      "spec.authentication.certificateAndKey: only with type tls");
        connect_error("\"authentication\":{\"type\":\"oauth\",\"clientId\":\"c\",\"clientSecret\":{"
                      "\"secretName\":\"o\",\"key\":\"k\"},\"tokenEndpointUri\":\"https://t\","
                      "\"accessToken\":{\"secretName\":\"o\",\"key\":\"t\"}}",
                      "spec.authentication.accessToken: not supported with type oauth (clientId, "
                      "clientSecret, tokenEndpointUri and scope are)");
        connect_error("\"authentication\":{\"type\":\"oauth\",\"clientId\":\"c\",\"clientSecret\":{"
                      "\"secretName\":\"o\",\"key\":\"k\"},\"tokenEndpointUri\":\"file:/t\"}",
                      "spec.authentication.tokenEndpointUri: must be an http:// or https:// URL");
        connect_error("\"authentication\":{\"type\":\"oauth\",\"clientSecret\":{\"secretName\":\"o\","
                      "\"key\":\"k\"},\"tokenEndpointUri\":\"https://t\"}",
                      "spec.authentication.clientId: required with type oauth");
        connect_error("\"authentication\":{\"type\":\"scram-sha-512\",\"username\":\"u\",\"passwordSecret\":{"
                      "\"secretName\":\"u\",\"password\":\"p\"},\"scope\":\"x\"}",
                      "spec.authentication.scope: only with type oauth");
        /* The keys spec.tls and spec.authentication set are the operator's. */
        connect_error(SCRAM ",\"config\":{\"producer.sasl.jaas.config\":\"x\"}",
                      "spec.config.producer.sasl.jaas.config: set by the operator from spec.tls and "
                      "spec.authentication");
        connect_error(SCRAM ",\"config\":{\"ssl.truststore.location\":\"/x\"}",
                      "spec.config.ssl.truststore.location: set by the operator from spec.tls and "
                      "spec.authentication");
        connect_error("\"tls\":{},\"config\":{\"security.protocol\":\"SSL\"}",
                      "spec.config.security.protocol: set by the operator from spec.tls and "
                      "spec.authentication");
        connect_error("\"externalConfiguration\":{\"env\":[{\"name\":\"FERRY_SASL_JAAS_HEAD\",\"valueFrom\":{"
                      "\"secretKeyRef\":{\"name\":\"a\",\"key\":\"b\"}}}]}",
                      "spec.externalConfiguration.env[0].name: FERRY_SASL_JAAS_HEAD is set by the operator");
        connect_error("\"template\":{\"pod\":{\"volumes\":[{\"name\":\"x\",\"emptyDir\":{}}]},"
                      "\"connectContainer\":{\"volumeMounts\":[{\"name\":\"x\",\"mountPath\":"
                      "\"/opt/kafka/connect-certs/a\"}]}}",
                      "spec.template.connectContainer.volumeMounts[0].mountPath: /opt/kafka/connect-certs/a "
                      "is where the operator mounts the Secrets of spec.tls and spec.authentication "
                      "(/opt/kafka/connect-certs/, /opt/kafka/connect-password/)");
}

Test(security_spec, other_ssl_keys_stay_allowed)
{
        json_object *kc = kc_with(SCRAM ",\"config\":{\"ssl.endpoint.identification.algorithm\":\"\","
                                        "\"ssl.cipher.suites\":\"TLS_AES_128_GCM_SHA256\"}");
        op_connect_spec_t s;
        char err[512];
        cr_assert_eq(op_connect_spec_parse(kc, &s, err, sizeof(err)), 0, "%s", err);
        op_connect_spec_free(&s);
        json_object_put(kc);
        /* Without spec.tls and spec.authentication the Java keys are the user's. */
        kc = kc_with("\"config\":{\"security.protocol\":\"SASL_SSL\",\"sasl.jaas.config\":\"x\"}");
        cr_assert_eq(op_connect_spec_parse(kc, &s, err, sizeof(err)), 0, "%s", err);
        op_connect_spec_free(&s);
        json_object_put(kc);
}

static bool has_line(const char *props, const char *line)
{
        size_t n = strlen(line);
        for (const char *p = props; (p = strstr(p, line)); p += n)
                if ((p == props || p[-1] == '\n') && p[n] == '\n')
                        return true;
        return false;
}

Test(security_props, scram_for_every_client)
{
        json_object *kc = kc_with(SCRAM);
        op_connect_spec_t s;
        cr_assert_eq(op_connect_spec_parse(kc, &s, NULL, 0), 0);
        char *p = op_worker_properties(&s);
        const char *prefixes[] = {"", "producer.", "consumer.", "admin."};
        for (size_t i = 0; i < 4; i++) {
                char l[256];
                snprintf(l, sizeof(l), "%ssecurity.protocol=SASL_SSL", prefixes[i]);
                cr_assert(has_line(p, l), "%s in\n%s", l, p);
                snprintf(l, sizeof(l), "%ssasl.mechanism=SCRAM-SHA-512", prefixes[i]);
                cr_assert(has_line(p, l), "%s in\n%s", l, p);
                snprintf(l, sizeof(l), "%sssl.truststore.type=PEM", prefixes[i]);
                cr_assert(has_line(p, l), "%s in\n%s", l, p);
                snprintf(l, sizeof(l), "%sssl.truststore.location=/var/lib/ferry/truststore.pem",
                         prefixes[i]);
                cr_assert(has_line(p, l), "%s in\n%s", l, p);
        }
        cr_assert_null(strstr(p, "jaas"), "the JAAS line is the start script's: %s", p);
        cr_assert_null(strstr(p, "keystore"));
        free(p);
        op_connect_spec_free(&s);
        json_object_put(kc);

        kc = kc_with("\"tls\":{},\"authentication\":{\"type\":\"tls\",\"certificateAndKey\":{"
                     "\"secretName\":\"u\",\"certificate\":\"user.crt\",\"key\":\"user.key\"}}");
        cr_assert_eq(op_connect_spec_parse(kc, &s, NULL, 0), 0);
        p = op_worker_properties(&s);
        cr_assert(has_line(p, "security.protocol=SSL"), "%s", p);
        cr_assert(has_line(p, "admin.ssl.keystore.type=PEM"), "%s", p);
        cr_assert(has_line(p, "consumer.ssl.keystore.location=/var/lib/ferry/keystore.pem"), "%s", p);
        cr_assert_null(strstr(p, "truststore"), "%s", p);
        cr_assert_null(strstr(p, "sasl"), "%s", p);
        free(p);
        op_connect_spec_free(&s);
        json_object_put(kc);

        kc = kc_with("\"authentication\":{\"type\":\"oauth\",\"clientId\":\"c\",\"clientSecret\":{"
                     "\"secretName\":\"o\",\"key\":\"k\"},\"tokenEndpointUri\":\"https://sso/t\"}");
        cr_assert_eq(op_connect_spec_parse(kc, &s, NULL, 0), 0);
        p = op_worker_properties(&s);
        cr_assert(has_line(p, "security.protocol=SASL_PLAINTEXT"), "%s", p);
        cr_assert(has_line(p, "producer.sasl.mechanism=OAUTHBEARER"), "%s", p);
        cr_assert(has_line(p,
                           "sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer."
                           "OAuthBearerLoginCallbackHandler"),
                  "%s", p);
        cr_assert(has_line(p, "sasl.oauthbearer.token.endpoint.url=https\\://sso/t") ||
                          has_line(p, "sasl.oauthbearer.token.endpoint.url=https://sso/t"),
                  "%s", p);
        free(p);
        op_connect_spec_free(&s);
        json_object_put(kc);
}

static json_object *by_name(json_object *arr, const char *name)
{
        for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
                const char *n = kube_str(json_object_array_get_idx(arr, i), "name");
                if (n && !strcmp(n, name))
                        return json_object_array_get_idx(arr, i);
        }
        return NULL;
}

Test(security_pod, volumes_and_env)
{
        json_object *kc = kc_with(SCRAM);
        op_connect_spec_t s;
        cr_assert_eq(op_connect_spec_parse(kc, &s, NULL, 0), 0);
        json_object *ps = op_worker_pod_spec("img", &s, "kc-connect-config");
        json_object *c = json_object_array_get_idx(kube_get(ps, "containers"), 0);
        json_object *vols = kube_get(ps, "volumes"), *mounts = kube_get(c, "volumeMounts");
        /* config, data, and one volume per Secret and directory. */
        cr_assert_eq(json_object_array_length(vols), 5);
        cr_assert_str_eq(kube_str(by_name(vols, "ferry-sec-0"), "secret.secretName"), "cluster-ca-cert");
        cr_assert_str_eq(kube_str(by_name(vols, "ferry-sec-1"), "secret.secretName"), "more-cas");
        cr_assert_str_eq(kube_str(by_name(vols, "ferry-sec-2"), "secret.secretName"), "my-user");
        /* Readable by the worker image's non-root user. */
        cr_assert_eq(json_object_get_int(kube_get(by_name(vols, "ferry-sec-0"), "secret.defaultMode")), 0444);
        cr_assert_str_eq(kube_str(by_name(mounts, "ferry-sec-0"), "mountPath"),
                         "/opt/kafka/connect-certs/cluster-ca-cert");
        cr_assert_str_eq(kube_str(by_name(mounts, "ferry-sec-2"), "mountPath"),
                         "/opt/kafka/connect-password/my-user");
        json_object *env = kube_get(c, "env");
        cr_assert_str_eq(kube_str(by_name(env, "FERRY_SASL_JAAS_HEAD"), "value"),
                         "org.apache.kafka.common.security.scram.ScramLoginModule required "
                         "username=\"my-user\" password=\"");
        cr_assert_str_eq(kube_str(by_name(env, "FERRY_SASL_JAAS_TAIL"), "value"), "\";");
        json_object_put(ps);
        op_connect_spec_free(&s);
        json_object_put(kc);
}

/* Replaces every from in s (malloc'd result). */
static char *replace(const char *s, const char *from, const char *to)
{
        size_t fl = strlen(from), tl = strlen(to), n = 0;
        for (const char *p = s; (p = strstr(p, from)); p += fl)
                n++;
        char *out = malloc(strlen(s) + n * tl + 1), *o = out;
        for (const char *p = s;;) {
                const char *q = strstr(p, from);
                if (!q) {
                        memcpy(o, p, strlen(p) + 1);
                        break;
                }
                memcpy(o, p, (size_t)(q - p));
                o += q - p;
                memcpy(o, to, tl);
                o += tl;
                p = q + fl;
        }
        return out;
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f, "%s", path);
        fputs(text, f);
        fclose(f);
}

static char *read_file(const char *path)
{
        FILE *f = fopen(path, "r");
        cr_assert_not_null(f, "%s", path);
        static char buf[65536];
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

/* Runs the pod's start script with its paths moved under dir (the worker exec replaced). */
static int run_script(json_object *ps, const char *dir)
{
        json_object *c = json_object_array_get_idx(kube_get(ps, "containers"), 0);
        const char *script = json_object_get_string(json_object_array_get_idx(kube_get(c, "command"), 2));
        char d[512];
        snprintf(d, sizeof(d), "%s/opt/", dir);
        char *a = replace(script, "/opt/", d);
        snprintf(d, sizeof(d), "%s/etc/ferry/", dir);
        char *b = replace(a, "/etc/ferry/", d);
        snprintf(d, sizeof(d), "%s/var/lib/ferry/", dir);
        char *x = replace(b, "/var/lib/ferry/", d);
        char *y = replace(x, "exec ferry-worker", "exit 0; #");
        free(a);
        free(b);
        free(x);
        json_object *env = kube_get(c, "env");
        for (size_t i = 0; i < json_object_array_length(env); i++) {
                json_object *e = json_object_array_get_idx(env, i);
                if (kube_str(e, "value"))
                        setenv(kube_str(e, "name"), kube_str(e, "value"), 1);
        }
        char path[600];
        snprintf(path, sizeof(path), "%s/start.sh", dir);
        write_file(path, y);
        free(y);
        char cmd[700];
        snprintf(cmd, sizeof(cmd), "POD_IP=10.0.0.1 /bin/sh %s/start.sh 2>%s/err", dir, dir);
        return system(cmd);
}

Test(security_pod, start_script_builds_stores_and_jaas)
{
        char dir[] = "/tmp/ferry-sec-test-XXXXXX";
        cr_assert_not_null(mkdtemp(dir));
        char p[700];
        const char *dirs[] = {"opt/kafka/connect-certs/cluster-ca-cert", "opt/kafka/connect-certs/more-cas",
                              "opt/kafka/connect-password/my-user", "etc/ferry", "var/lib/ferry"};
        for (size_t i = 0; i < 5; i++) {
                snprintf(p, sizeof(p), "mkdir -p %s/%s", dir, dirs[i]);
                cr_assert_eq(system(p), 0);
        }
        snprintf(p, sizeof(p), "%s/opt/kafka/connect-certs/cluster-ca-cert/ca.crt", dir);
        write_file(p, "CA-ONE\n");
        snprintf(p, sizeof(p), "%s/opt/kafka/connect-certs/more-cas/a.crt", dir);
        write_file(p, "CA-TWO\n");
        snprintf(p, sizeof(p), "%s/opt/kafka/connect-certs/more-cas/b.key", dir);
        write_file(p, "NOT-A-CA\n");
        snprintf(p, sizeof(p), "%s/opt/kafka/connect-password/my-user/password", dir);
        write_file(p, "a\\b\"c\n");
        snprintf(p, sizeof(p), "%s/etc/ferry/worker.properties", dir);
        write_file(p, "bootstrap.servers=k:9093\n");

        json_object *kc = kc_with(SCRAM);
        op_connect_spec_t s;
        cr_assert_eq(op_connect_spec_parse(kc, &s, NULL, 0), 0);
        json_object *ps = op_worker_pod_spec("img", &s, "kc-connect-config");
        int rc = run_script(ps, dir);
        snprintf(p, sizeof(p), "%s/err", dir);
        cr_assert_eq(rc, 0, "script failed: %s", read_file(p));

        snprintf(p, sizeof(p), "%s/var/lib/ferry/truststore.pem", dir);
        cr_assert_str_eq(read_file(p), "CA-ONE\nCA-TWO\n");
        struct stat st;
        cr_assert_eq(stat(p, &st), 0);
        cr_assert_eq(st.st_mode & 077, 0, "the trust store is private");
        snprintf(p, sizeof(p), "%s/var/lib/ferry/worker.properties", dir);
        char *props = read_file(p);
        cr_assert(has_line(props, "bootstrap.servers=k:9093"), "%s", props);
        cr_assert(has_line(props, "rest.advertised.host.name=10.0.0.1"), "%s", props);
        /* JAAS: a\\b\"c; then Java properties: a\\\\b\\"c. */
        const char *prefixes[] = {"", "producer.", "consumer.", "admin."};
        for (size_t i = 0; i < 4; i++) {
                char l[512];
                snprintf(
                        l, sizeof(l),
                        "%ssasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                        "username=\"my-user\" password=\"a\\\\\\\\b\\\\\"c\";",
                        prefixes[i]);
                cr_assert(has_line(props, l), "%s in\n%s", l, props);
        }
        json_object_put(ps);
        op_connect_spec_free(&s);
        json_object_put(kc);

        /* tls: the certificate and the key in one PEM key store; a password with a line break
         * stops the container with the field named. */
        kc = kc_with("\"tls\":{},\"authentication\":{\"type\":\"tls\",\"certificateAndKey\":{"
                     "\"secretName\":\"my-user\",\"certificate\":\"user.crt\",\"key\":\"user.key\"}}");
        snprintf(p, sizeof(p), "mkdir -p %s/opt/kafka/connect-certs/my-user", dir);
        cr_assert_eq(system(p), 0);
        snprintf(p, sizeof(p), "%s/opt/kafka/connect-certs/my-user/user.crt", dir);
        write_file(p, "CERT\n");
        snprintf(p, sizeof(p), "%s/opt/kafka/connect-certs/my-user/user.key", dir);
        write_file(p, "KEY\n");
        cr_assert_eq(op_connect_spec_parse(kc, &s, NULL, 0), 0);
        ps = op_worker_pod_spec("img", &s, "kc-connect-config");
        cr_assert_eq(run_script(ps, dir), 0);
        snprintf(p, sizeof(p), "%s/var/lib/ferry/keystore.pem", dir);
        cr_assert_str_eq(read_file(p), "CERT\nKEY\n");
        json_object_put(ps);
        op_connect_spec_free(&s);
        json_object_put(kc);

        kc = kc_with(SCRAM);
        snprintf(p, sizeof(p), "%s/opt/kafka/connect-password/my-user/password", dir);
        write_file(p, "two\nlines\n");
        cr_assert_eq(op_connect_spec_parse(kc, &s, NULL, 0), 0);
        ps = op_worker_pod_spec("img", &s, "kc-connect-config");
        cr_assert_neq(run_script(ps, dir), 0);
        snprintf(p, sizeof(p), "%s/err", dir);
        cr_assert_not_null(
                strstr(read_file(p), "spec.authentication.passwordSecret: the value holds a line break"),
                "%s", read_file(p));
        json_object_put(ps);
        op_connect_spec_free(&s);
        json_object_put(kc);
        snprintf(p, sizeof(p), "rm -rf %s", dir);
        cr_assert_eq(system(p), 0);
}
