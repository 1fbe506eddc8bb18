/* A placeholder for the Parquet storage format until its writer (storage_format_parquet.c) is
 * built in: a weak definition of storage_format_parquet that answers to the Parquet class names
 * and refuses to open files, so a connector configured for Parquet fails with a clear message.
 * The real definition, when linked, replaces this one. */
#include "storage_format.h"

#include <stdio.h>

static const char *const parquet_classes[] = {
        "io.confluent.connect.s3.format.parquet.ParquetFormat",
        "io.confluent.connect.hdfs.parquet.ParquetFormat",
        NULL,
};

static int stub_configure(const ferry_strmap_t *config, void **inst, char *errstr, size_t errstr_size)
{
        (void)config;
        *inst = NULL;
        snprintf(errstr, errstr_size, "format.class: the Parquet format is not built into this plugin");
        return -1;
}

static const char *stub_extension(const void *inst)
{
        (void)inst;
        return ".parquet";
}

__attribute__((weak)) const storage_format_t storage_format_parquet = {
        .name = "parquet",
        .classes = parquet_classes,
        .configure = stub_configure,
        .extension = stub_extension,
};
