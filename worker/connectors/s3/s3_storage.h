/* The S3 storage backend: files of the storage-sink core as S3 objects (see s3_storage.c). */
#ifndef FERRY_S3_STORAGE_H
#define FERRY_S3_STORAGE_H

#include "s3_client.h"

#include "shared/storage/storage_writer.h"

typedef struct {
        s3_client_t *client;
        size_t part_size; /* s3.part.size */
        uint64_t objects; /* committed so far */
} s3_storage_t;

/* Fills b with the backend over s (which must outlive it). */
void s3_storage_backend(s3_storage_t *s, storage_backend_t *b);

#endif
