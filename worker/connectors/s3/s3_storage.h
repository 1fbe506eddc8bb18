/* The S3 storage backend: files of the storage-sink core as S3 objects (see s3_storage.c). */
#ifndef FERRY_S3_STORAGE_H
#define FERRY_S3_STORAGE_H

#include "s3_client.h"
#include "s3_upload.h"

#include "shared/storage/storage_writer.h"

typedef struct {
        s3_client_t *client;
        s3_uploader_t *uploader; /* parts go up in the background */
        size_t part_size;        /* s3.part.size */
        uint64_t objects;        /* committed so far */
        uint64_t spilled;        /* bytes moved to spill files by the memory budget */
} s3_storage_t;

/* Fills b with the backend over s (which must outlive it). */
void s3_storage_backend(s3_storage_t *s, storage_backend_t *b);

#endif
