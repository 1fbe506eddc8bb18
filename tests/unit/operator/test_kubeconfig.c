/* Unit tests for operator/src/kube/config.c: kubeconfig contexts, inline and file certificates,
 * tokens, tokenFile, in-cluster service account files, YAML to JSON and Base64. */
#include "kube/kube.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "-----BEGIN CA-----" etc. in Base64 */
#define CA_B64   "LS0tLS1CRUdJTiBDQS0tLS0t"
#define CERT_B64 "LS0tLS1CRUdJTiBDRVJULS0tLS0="
#define KEY_B64  "LS0tLS1CRUdJTiBLRVktLS0tLQ=="

static const char *kc = "apiVersion: v1\n"
                        "kind: Config\n"
                        "clusters:\n"
                        "- name: a\n"
                        "  cluster:\n"
                        "    server: https://10.0.0.1:6443/\n"
                        "    certificate-authority-data: " CA_B64 "\n"
                        "- name: b\n"
                        "  cluster:\n"
                        "    server: https://b.example:443\n"
                        "    certificate-authority: ca.pem\n"
                        "    insecure-skip-tls-verify: true\n"
                        "users:\n"
                        "- name: cert-user\n"
                        "  user:\n"
                        "    client-certificate-data: " CERT_B64 "\n"
                        "    client-key-data: " KEY_B64 "\n"
                        "- name: token-user\n"
                        "  user:\n"
                        "    token: abc.def\n"
                        "- name: file-user\n"
                        "  user:\n"
                        "    client-certificate: certs/c.pem\n"
                        "    client-key: /nonexistent/key.pem\n"
                        "- name: tokenfile-user\n"
                        "  user:\n"
                        "    tokenFile: tok\n"
                        "contexts:\n"
                        "- name: one\n"
                        "  context: {cluster: a, user: cert-user, namespace: team-a}\n"
                        "- name: two\n"
                        "  context:\n"
                        "    cluster: b\n"
                        "    user: token-user\n"
                        "- name: three\n"
                        "  context: {cluster: b, user: file-user}\n"
                        "- name: four\n"
                        "  context: {cluster: a, user: tokenfile-user}\n"
                        "- name: broken\n"
                        "  context: {cluster: nope, user: token-user}\n"
                        "current-context: one\n";

static char dir[256];

static void mkdir_with_files(void)
{
        snprintf(dir, sizeof(dir), "/tmp/ferry-kc-test.XXXXXX");
        cr_assert(mkdtemp(dir));
        char p[512];
        snprintf(p, sizeof(p), "%s/ca.pem", dir);
        FILE *f = fopen(p, "w");
        fputs("FILE-CA", f);
        fclose(f);
        snprintf(p, sizeof(p), "%s/tok", dir);
        f = fopen(p, "w");
        fputs("from-file-token\n", f);
        fclose(f);
}

static void cleanup(void)
{
        char p[512];
        snprintf(p, sizeof(p), "%s/ca.pem", dir);
        unlink(p);
        snprintf(p, sizeof(p), "%s/tok", dir);
        unlink(p);
        snprintf(p, sizeof(p), "%s/token", dir);
        unlink(p);
        snprintf(p, sizeof(p), "%s/ca.crt", dir);
        unlink(p);
        snprintf(p, sizeof(p), "%s/namespace", dir);
        unlink(p);
        rmdir(dir);
}

TestSuite(kubeconfig, .init = mkdir_with_files, .fini = cleanup);

Test(kubeconfig, current_context_inline_certs)
{
        kube_config_t c;
        char err[256];
        cr_assert_eq(kube_config_load_yaml(&c, kc, strlen(kc), dir, NULL, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(c.server, "https://10.0.0.1:6443");
        cr_assert_str_eq(c.context, "one");
        cr_assert_str_eq(c.namespace, "team-a");
        cr_assert_str_eq(c.ca, "-----BEGIN CA-----");
        cr_assert_eq(c.ca_len, strlen("-----BEGIN CA-----"));
        cr_assert_str_eq(c.cert, "-----BEGIN CERT-----");
        cr_assert_str_eq(c.key, "-----BEGIN KEY-----");
        cr_assert_null(c.token);
        cr_assert(!c.insecure);
        kube_config_free(&c);
}

Test(kubeconfig, named_context_token_and_ca_file)
{
        kube_config_t c;
        char err[256];
        cr_assert_eq(kube_config_load_yaml(&c, kc, strlen(kc), dir, "two", err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(c.server, "https://b.example:443");
        cr_assert_str_eq(c.token, "abc.def");
        cr_assert_str_eq(c.ca, "FILE-CA");
        cr_assert(c.insecure);
        cr_assert_null(c.namespace);
        cr_assert_null(c.cert);
        kube_config_free(&c);
}

Test(kubeconfig, token_file_relative)
{
        kube_config_t c;
        char err[256];
        cr_assert_eq(kube_config_load_yaml(&c, kc, strlen(kc), dir, "four", err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(c.token, "from-file-token");
        cr_assert(strstr(c.token_file, "/tok"));
        kube_config_free(&c);
}

Test(kubeconfig, errors_name_the_problem)
{
        kube_config_t c;
        char err[256];
        cr_assert_neq(kube_config_load_yaml(&c, kc, strlen(kc), dir, "missing", err, sizeof(err)), 0);
        cr_assert(strstr(err, "context \"missing\" not found"), "%s", err);
        cr_assert_neq(kube_config_load_yaml(&c, kc, strlen(kc), dir, "broken", err, sizeof(err)), 0);
        cr_assert(strstr(err, "cluster \"nope\""), "%s", err);
        cr_assert_neq(kube_config_load_yaml(&c, kc, strlen(kc), dir, "three", err, sizeof(err)), 0);
        cr_assert(strstr(err, "client-certificate"), "%s", err);
        const char *bad = "current-context: x\ncontexts: [\n";
        cr_assert_neq(kube_config_load_yaml(&c, bad, strlen(bad), dir, NULL, err, sizeof(err)), 0);
        cr_assert(strstr(err, "yaml"), "%s", err);
        cr_assert_neq(kube_config_load_file(&c, "/nonexistent/kubeconfig", NULL, err, sizeof(err)), 0);
        cr_assert(strstr(err, "/nonexistent/kubeconfig"), "%s", err);
}

Test(kubeconfig, load_file_resolves_relative_paths)
{
        char p[512];
        snprintf(p, sizeof(p), "%s/config", dir);
        FILE *f = fopen(p, "w");
        fputs(kc, f);
        fclose(f);
        kube_config_t c;
        char err[256];
        int rc = kube_config_load_file(&c, p, "two", err, sizeof(err));
        unlink(p);
        cr_assert_eq(rc, 0, "%s", err);
        cr_assert_str_eq(c.ca, "FILE-CA");
        kube_config_free(&c);
}

Test(kubeconfig, in_cluster)
{
        char p[512];
        const char *files[][2] = {{"token", "sa-token\n"}, {"ca.crt", "SA-CA"}, {"namespace", "ops"}};
        for (int i = 0; i < 3; i++) {
                snprintf(p, sizeof(p), "%s/%s", dir, files[i][0]);
                FILE *f = fopen(p, "w");
                fputs(files[i][1], f);
                fclose(f);
        }
        kube_config_t c;
        char err[256];
        unsetenv("KUBERNETES_SERVICE_HOST");
        cr_assert_neq(kube_config_load_incluster(&c, dir, err, sizeof(err)), 0);
        cr_assert(strstr(err, "KUBERNETES_SERVICE_HOST"), "%s", err);
        setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
        setenv("KUBERNETES_SERVICE_PORT", "443", 1);
        cr_assert_eq(kube_config_load_incluster(&c, dir, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(c.server, "https://10.96.0.1:443");
        cr_assert_str_eq(c.token, "sa-token");
        cr_assert_str_eq(c.ca, "SA-CA");
        cr_assert_str_eq(c.namespace, "ops");
        kube_config_free(&c);
        setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
        cr_assert_eq(kube_config_load_incluster(&c, dir, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(c.server, "https://[fd00::1]:443");
        kube_config_free(&c);
        unsetenv("KUBERNETES_SERVICE_HOST");
}

Test(yaml, to_json)
{
        const char *y = "a: 1\nb: [x, 'y', ~]\nc: {d: true}\n";
        json_object *o = kube_yaml_to_json(y, strlen(y), NULL, 0);
        cr_assert_not_null(o);
        cr_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
                         "{\"a\":\"1\",\"b\":[\"x\",\"y\",null],\"c\":{\"d\":\"true\"}}");
        cr_assert_str_eq(kube_str(o, "c.d"), "true");
        cr_assert_null(kube_str(o, "c.e"));
        json_object_put(o);
}

Test(base64, decode)
{
        size_t n;
        char *s = kube_base64_decode("aGVsbG8gd29ybGQ=", &n);
        cr_assert_str_eq(s, "hello world");
        cr_assert_eq(n, 11);
        free(s);
        s = kube_base64_decode("aGVs\nbG8=", &n);
        cr_assert_str_eq(s, "hello");
        free(s);
        cr_assert_null(kube_base64_decode("a*b", &n));
}
