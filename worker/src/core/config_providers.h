/* Config providers (Connect's ConfigProvider/ConfigTransformer): the worker's config.providers
 * list names providers, each with config.providers.<n>.class and config.providers.<n>.param.<k>.
 * Built in: FileConfigProvider (${file:/path.properties:key}), EnvVarConfigProvider (${env:NAME}) and
 * DirectoryConfigProvider (${directory:/dir:file}). Placeholders are resolved only in the copies of a
 * connector's or task's config handed to the plugin, converters, transforms and Kafka clients when
 * it starts; the herder keeps (and REST shows) the raw config, so a resolved secret never leaves the
 * process through REST or the logs. */
#ifndef FERRY_CONFIG_PROVIDERS_H
#define FERRY_CONFIG_PROVIDERS_H

#include <ferry/config.h>

/* Copies src into dst (initialised by the callee) with every ${provider:[path:]key} whose provider
 * the worker configures replaced by its value. Placeholders of unknown providers, and keys a
 * provider does not have, stay as they are (as in Connect). On a provider error (unreadable file,
 * path not allowed, unknown class) returns -1 with errstr naming the config key. */
int ferry_config_resolve(const ferry_strmap_t *worker, const ferry_strmap_t *src, ferry_strmap_t *dst,
                         char *errstr, size_t errstr_size);
/* True when any value holds "${". */
bool ferry_config_has_placeholders(const ferry_strmap_t *m);
/* Connect's reverse transform for task configs a connector derived from a resolved config: a task
 * value equal to a resolved connector value that came from a placeholder gets the raw placeholder
 * back, so stored and shown task configs hold no secrets. */
void ferry_config_unresolve(const ferry_strmap_t *raw, const ferry_strmap_t *resolved, ferry_strmap_t *tasks,
                            int n_tasks);
/* Checks the worker's config.providers entries (known classes). 0, or -1 with errstr. */
int ferry_config_providers_check(const ferry_strmap_t *worker, char *errstr, size_t errstr_size);
/* Whether a config key's value must never be logged (PASSWORD-typed in defs, or a client secret
 * such as *.password, sasl.jaas.config). defs may be NULL. */
bool ferry_config_is_secret(const ferry_config_def_t *defs, const char *key);
/* A value with the credentials a URL may carry hidden, for logs: the password of user:password@
 * after "://", and the value of every parameter whose name contains password, pwd or secret
 * (?password=x, &pwd=x, ;password=x) become [hidden]. NULL when there is nothing to hide (or out
 * of memory); the caller frees the copy. */
char *ferry_config_mask_value(const char *value);

#endif
