/* Config tables and extra validation of the JDBC source and sink (jdbc_config.c). */
#ifndef FERRY_JDBC_CONFIG_H
#define FERRY_JDBC_CONFIG_H

#include "jdbc.h"

extern const ferry_config_def_t jdbc_source_config[];
extern const ferry_config_def_t jdbc_sink_config[];
void jdbc_source_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs);
void jdbc_sink_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs);

/* jdbc_monitor.c: the tables the source selects, as quoted ids ("public"."t"), sorted as the
 * database lists them; and the table monitor thread (the source connector's start/stop). */
int jdbc_select_tables(ferry_config_t *cfg, char ***out, size_t *n_out, char *errstr, size_t errstr_size);
ferry_err_t jdbc_monitor_start(ferry_connector_ctx_t *c, const ferry_strmap_t *config, char *errstr,
                               size_t errstr_size);
void jdbc_monitor_stop(ferry_connector_ctx_t *c);

#endif
