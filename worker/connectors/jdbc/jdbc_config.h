/* Config tables and extra validation of the JDBC source and sink (jdbc_config.c). */
#ifndef FERRY_JDBC_CONFIG_H
#define FERRY_JDBC_CONFIG_H

#include "jdbc.h"

extern const ferry_config_def_t jdbc_source_config[];
extern const ferry_config_def_t jdbc_sink_config[];
void jdbc_source_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs);
void jdbc_sink_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs);

#endif
