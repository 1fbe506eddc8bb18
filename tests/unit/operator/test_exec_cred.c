/* Unit tests for kubeconfig exec credential plugins and proxies (operator/src/kube/config.c and
 * exec_cred.c): the exec and proxy-url parts of a kubeconfig, KUBERNETES_EXEC_INFO, parsing
 * ExecCredential answers (token, client certificate, expiry, the errors), and running a plugin
 * (a shell script written by the test) with its args and env. */
#include "kube/kube.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kc = "apiVersion: v1\n"
                        "kind: Config\n"
                        "clusters:\n"
                        "- name: c\n"
                        "  cluster:\n"
                        "    server: https://k.example:6443\n"
                        "    certificate-authority-data: aGVsbG8=\n"
                        "    proxy-url: http://proxy.example:3128\n"
                        "    extensions:\n"
                        "    - name: client.authentication.k8s.io/exec\n"
                        "      extension: {audience: ferry}\n"
                        "- name: socks\n"
                        "  cluster:\n"
                        "    server: https://k.example:6443\n"
                        "    proxy-url: socks5://s.example:1080\n"
                        "- name: badproxy\n"
                        "  cluster:\n"
                        "    server: https://k.example:6443\n"
                        "    proxy-url: ftp://p\n"
                        "users:\n"
                        "- name: exec-v1\n"
                        "  user:\n"
                        "    exec:\n"
                        "      apiVersion: client.authentication.k8s.io/v1\n"
                        "      command: bin/plugin\n"
                        "      args: [get-token, --cluster=c]\n"
                        "      env:\n"
                        "      - {name: PLUGIN_MODE, value: fast}\n"
                        "      provideClusterInfo: true\n"
                        "      interactiveMode: Never\n"
                        "      installHint: install the plugin\n"
                        "- name: exec-beta\n"
                        "  user:\n"
                        "    exec:\n"
                        "      apiVersion: client.authentication.k8s.io/v1beta1\n"
                        "      command: aws\n"
                        "- name: exec-v1-no-mode\n"
                        "  user:\n"
                        "    exec: {apiVersion: client.authentication.k8s.io/v1, command: x}\n"
                        "- name: exec-alpha\n"
                        "  user:\n"
                        "    exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}\n"
                        "contexts:\n"
                        "- {name: v1, context: {cluster: c, user: exec-v1}}\n"
                        "- {name: beta, context: {cluster: socks, user: exec-beta}}\n"
                        "- {name: nomode, context: {cluster: c, user: exec-v1-no-mode}}\n"
                        "- {name: alpha, context: {cluster: c, user: exec-alpha}}\n"
                        "- {name: badproxy, context: {cluster: badproxy, user: exec-beta}}\n"
                        "current-context: v1\n";

Test(exec_config, kubeconfig_exec_and_proxy)
{
        kube_config_t c;
        char err[256];
        cr_assert_eq(kube_config_load_yaml(&c, kc, strlen(kc), "/etc/kube", NULL, err, sizeof(err)), 0, "%s",
                     err);
        cr_assert_str_eq(c.proxy_url, "http://proxy.example:3128");
        cr_assert_not_null(c.exec);
        cr_assert_str_eq(c.exec->api_version, "client.authentication.k8s.io/v1");
        cr_assert_str_eq(c.exec->command, "/etc/kube/bin/plugin");
        cr_assert_str_eq(c.exec->args[0], "get-token");
        cr_assert_str_eq(c.exec->args[1], "--cluster=c");
        cr_assert_null(c.exec->args[2]);
        cr_assert_str_eq(c.exec->env[0], "PLUGIN_MODE=fast");
        cr_assert_null(c.exec->env[1]);
        cr_assert_str_eq(c.exec->install_hint, "install the plugin");
        cr_assert(!c.exec->interactive_always);

        /* KUBERNETES_EXEC_INFO with the cluster (provideClusterInfo). */
        char *info = kube_exec_info(c.exec);
        json_object *o = json_tokener_parse(info);
        cr_assert_str_eq(kube_str(o, "kind"), "ExecCredential");
        cr_assert_str_eq(kube_str(o, "apiVersion"), "client.authentication.k8s.io/v1");
        cr_assert(!json_object_get_boolean(kube_get(o, "spec.interactive")));
        cr_assert_str_eq(kube_str(o, "spec.cluster.server"), "https://k.example:6443");
        cr_assert_str_eq(kube_str(o, "spec.cluster.certificate-authority-data"), "aGVsbG8=");
        cr_assert_str_eq(kube_str(o, "spec.cluster.proxy-url"), "http://proxy.example:3128");
        cr_assert_str_eq(kube_str(o, "spec.cluster.config.audience"), "ferry");
        json_object_put(o);
        free(info);

        /* A deep copy survives the original. */
        kube_config_t d;
        cr_assert_eq(kube_config_copy(&d, &c), 0);
        kube_config_free(&c);
        cr_assert_str_eq(d.exec->args[1], "--cluster=c");
        cr_assert_str_eq(d.proxy_url, "http://proxy.example:3128");
        cr_assert_str_eq(d.ca, "hello");
        kube_config_free(&d);

        cr_assert_eq(kube_config_load_yaml(&c, kc, strlen(kc), "/etc/kube", "beta", err, sizeof(err)), 0,
                     "%s", err);
        cr_assert_str_eq(c.exec->command, "aws"); /* no '/': looked up in PATH */
        cr_assert_null(c.exec->cluster);
        cr_assert_str_eq(c.proxy_url, "socks5://s.example:1080");
        info = kube_exec_info(c.exec);
        o = json_tokener_parse(info);
        cr_assert_null(kube_get(o, "spec.cluster"));
        cr_assert_str_eq(kube_str(o, "apiVersion"), "client.authentication.k8s.io/v1beta1");
        json_object_put(o);
        free(info);
        kube_config_free(&c);
}

Test(exec_config, errors)
{
        kube_config_t c;
        char err[256];
        cr_assert_neq(kube_config_load_yaml(&c, kc, strlen(kc), NULL, "nomode", err, sizeof(err)), 0);
        cr_assert(strstr(err, "interactiveMode must be set"), "%s", err);
        cr_assert_neq(kube_config_load_yaml(&c, kc, strlen(kc), NULL, "alpha", err, sizeof(err)), 0);
        cr_assert(strstr(err, "v1alpha1"), "%s", err);
        cr_assert_neq(kube_config_load_yaml(&c, kc, strlen(kc), NULL, "badproxy", err, sizeof(err)), 0);
        cr_assert(strstr(err, "proxy-url ftp://p"), "%s", err);
}

#define V1 "client.authentication.k8s.io/v1"

Test(exec_cred, parse_token_and_expiry)
{
        kube_exec_cred_t c;
        char err[256];
        const char *j = "{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1 "\",\"status\":"
                        "{\"token\":\"tok-1\",\"expirationTimestamp\":\"2030-01-02T03:04:05Z\"}}";
        cr_assert_eq(kube_exec_cred_parse(j, strlen(j), V1, &c, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(c.token, "tok-1");
        cr_assert_null(c.cert);
        cr_assert_eq(c.expires, 1893553445.0);
        kube_exec_cred_free(&c);
        j = "{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1 "\",\"status\":"
            "{\"clientCertificateData\":\"-----BEGIN CERTIFICATE-----\\n\",\"clientKeyData\":\"KEY\"}}";
        cr_assert_eq(kube_exec_cred_parse(j, strlen(j), V1, &c, err, sizeof(err)), 0, "%s", err);
        cr_assert_null(c.token);
        cr_assert_str_eq(c.cert, "-----BEGIN CERTIFICATE-----\n");
        cr_assert_eq(c.cert_len, 28);
        cr_assert_str_eq(c.key, "KEY");
        cr_assert_eq(c.expires, 0);
        kube_exec_cred_free(&c);
}

Test(exec_cred, parse_errors)
{
        kube_exec_cred_t c;
        char err[256];
        struct {
                const char *json, *want;
        } cases[] = {
                {"not json", "not a JSON object"},
                {"{\"kind\":\"Secret\",\"apiVersion\":\"" V1 "\",\"status\":{\"token\":\"t\"}}",
                 "kind is Secret"},
                {"{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
                 "\"status\":{\"token\":\"t\"}}",
                 "differs from the configured"},
                {"{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1 "\"}", "no status"},
                {"{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1 "\",\"status\":{}}", "neither token"},
                {"{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1
                 "\",\"status\":{\"clientKeyData\":\"k\"}}",
                 "clientKeyData without clientCertificateData"},
                {"{\"kind\":\"ExecCredential\",\"apiVersion\":\"" V1
                 "\",\"status\":{\"token\":\"t\",\"expirationTimestamp\":\"soon\"}}",
                 "expirationTimestamp soon"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cr_assert_eq(
                        kube_exec_cred_parse(cases[i].json, strlen(cases[i].json), V1, &c, err, sizeof(err)),
                        -1, "%s", cases[i].json);
                cr_assert(strstr(err, cases[i].want), "%s: %s", cases[i].json, err);
                cr_assert_null(c.token);
        }
}

static char dir[64];

static void write_script(const char *name, const char *body)
{
        char p[128];
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        FILE *f = fopen(p, "w");
        cr_assert_not_null(f);
        fputs(body, f);
        fclose(f);
        chmod(p, 0755);
}

Test(exec_cred, run_plugin)
{
        snprintf(dir, sizeof(dir), "/tmp/ferry-exec-test.XXXXXX");
        cr_assert(mkdtemp(dir));
        /* Echoes its first argument, an env variable and what KUBERNETES_EXEC_INFO said. */
        write_script("plugin", "#!/bin/sh\n"
                               "info=$(printf '%s' \"$KUBERNETES_EXEC_INFO\" | tr -d '\" ')\n"
                               "echo \"{\\\"kind\\\":\\\"ExecCredential\\\",\\\"apiVersion\\\":"
                               "\\\"client.authentication.k8s.io/v1\\\",\\\"status\\\":{\\\"token\\\":"
                               "\\\"$1-$PLUGIN_MODE-${info#*interactive:}\\\"}}\"\n");
        write_script("fails", "#!/bin/sh\necho 'no credentials here' >&2\nexit 3\n");
        char cmd[128], fails[128];
        snprintf(cmd, sizeof(cmd), "%s/plugin", dir);
        snprintf(fails, sizeof(fails), "%s/fails", dir);
        char *args[] = {"get", NULL}, *env[] = {"PLUGIN_MODE=fast", NULL};
        kube_exec_config_t x = {.api_version = V1, .command = cmd, .args = args, .env = env};
        kube_exec_cred_t c;
        char err[256];
        cr_assert_eq(kube_exec_cred_run(&x, &c, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(c.token, "get-fast-false}}");
        kube_exec_cred_free(&c);

        x.command = fails;
        cr_assert_eq(kube_exec_cred_run(&x, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "exit status 3"), "%s", err);
        x.command = "/nonexistent/plugin";
        x.install_hint = "see the docs";
        cr_assert_eq(kube_exec_cred_run(&x, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "see the docs"), "%s", err);
        x.command = cmd;
        x.api_version = "client.authentication.k8s.io/v1beta1";
        cr_assert_eq(kube_exec_cred_run(&x, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "differs from the configured"), "%s", err);
        x.interactive_always = true;
        cr_assert_eq(kube_exec_cred_run(&x, &c, err, sizeof(err)), -1);
        cr_assert(strstr(err, "needs a terminal"), "%s", err);
        unlink(cmd);
        unlink(fails);
        rmdir(dir);
}
