/* A per-thread cache of small heap blocks for the record hot path (values and records in data.c and
 * record.c). A task thread allocates and frees millions of same-sized blocks in batches; recycling
 * them from a thread-local free list avoids glibc malloc's slow paths (tcache overflow, unsorted-bin
 * sorting, arena locks). Blocks are ordinary malloc blocks: ferry_cache_free() accepts any malloc'd
 * pointer and free() accepts any cached block, so plugins that free values themselves stay correct.
 * Under AddressSanitizer the cache is off, so every use-after-free is still caught. */
#ifndef FERRY_ALLOC_CACHE_H
#define FERRY_ALLOC_CACHE_H

#include <stddef.h>

void *ferry_cache_alloc(size_t size);
void *ferry_cache_calloc(size_t size);
void ferry_cache_free(void *p);

#endif
