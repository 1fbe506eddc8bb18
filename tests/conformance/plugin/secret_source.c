/* A test plugin for the REST conformance run (tests/runtime/conformance.sh builds it into a shared
 * library and loads it through plugin.path): a source connector whose config table has a PASSWORD
 * key, so that /connector-plugins/{p}/config/validate can be checked to show "[hidden]" instead of
 * the value. Its task produces nothing. */
#include <ferry/connector.h>

#include <stddef.h>

static const ferry_config_def_t secret_config[] = {
        {.name = "secret.password",
         .type = FERRY_CFG_PASSWORD,
         .required = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "A password that REST answers must never show."},
        {.name = "secret.user",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "A user."},
        {.name = NULL},
};

static ferry_err_t task_configs(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        ferry_strmap_init(&out[0]);
        if (ferry_strmap_copy(&out[0], config) < 0)
                return FERRY_ERR_NOMEM;
        *n_out = 1;
        return FERRY_ERR_OK;
}

static ferry_err_t task_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        return FERRY_ERR_OK;
}

static ferry_err_t task_poll(ferry_task_t *t, ferry_records_t *out, char *errstr, size_t errstr_size)
{
        ferry_task_wait(t, 200);
        return FERRY_ERR_OK;
}

static void task_stop(ferry_task_t *t)
{
}

static const ferry_source_task_ops_t source_ops = {
        .size = sizeof(ferry_source_task_ops_t), .start = task_start, .poll = task_poll, .stop = task_stop};

static const ferry_connector_plugin_t secret_source = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SOURCE,
                                  .class_name = "dev.ferry.test.SecretSourceConnector", .version = "1.0",
                                  .config = secret_config, .doc = "Test connector with a PASSWORD key."),
        .task_configs = task_configs,
        .source = &source_ops,
};

static const ferry_plugin_info_t *const plugins[] = {&secret_source.info, NULL};

const ferry_plugin_info_t *const *ferry_plugin_list(void);

const ferry_plugin_info_t *const *ferry_plugin_list(void)
{
        return plugins;
}
