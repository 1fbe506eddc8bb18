/* Per-thread small-block cache (alloc_cache.h) under the values and records that flow from a
 * source task's poll() to the producer and from the consumer to a sink task's put(). Size classes
 * follow glibc's usable sizes (16-byte steps); a class holds blocks whose usable size is at least
 * 16 * class + 8, so a block freed by any code can serve any request of its class. Each thread
 * keeps at most CACHE_BYTES_MAX bytes and gives them back to malloc when it ends. */
#include "core/alloc_cache.h"

#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define FERRY_CACHE_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FERRY_CACHE_OFF 1
#endif
#endif

#ifndef FERRY_CACHE_OFF
#define MAX_BLOCK       520 /* largest usable size cached */
#define NCLASS          ((MAX_BLOCK - 8) / 16 + 1)
#define CACHE_BYTES_MAX (4u << 20)

typedef struct node {
        struct node *next;
} node_t;

typedef struct {
        node_t *head[NCLASS];
        size_t bytes;
        bool registered;
} cache_t;

static _Thread_local cache_t cache;
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void drain(void *arg)
{
        cache_t *c = arg;
        for (size_t i = 0; i < NCLASS; i++) {
                while (c->head[i]) {
                        node_t *n = c->head[i];
                        c->head[i] = n->next;
                        free(n);
                }
        }
        c->bytes = 0;
}

static void make_key(void)
{
        pthread_key_create(&cache_key, drain);
}
#endif

void *ferry_cache_alloc(size_t size)
{
#ifndef FERRY_CACHE_OFF
        if (size <= MAX_BLOCK) {
                size_t cls = size <= 8 ? 0 : (size + 7) / 16;
                node_t *n = cache.head[cls];
                if (n) {
                        cache.head[cls] = n->next;
                        cache.bytes -= cls * 16 + 8;
                        return n;
                }
        }
#endif
        return malloc(size);
}

void *ferry_cache_calloc(size_t size)
{
        void *p = ferry_cache_alloc(size);
        if (p)
                memset(p, 0, size);
        return p;
}

void ferry_cache_free(void *p)
{
        if (!p)
                return;
#ifndef FERRY_CACHE_OFF
        size_t u = malloc_usable_size(p);
        if (u >= 8 && u <= MAX_BLOCK) {
                size_t cls = (u - 8) / 16;
                if (cache.bytes + cls * 16 + 8 <= CACHE_BYTES_MAX) {
                        if (!cache.registered) {
                                pthread_once(&cache_once, make_key);
                                pthread_setspecific(cache_key, &cache);
                                cache.registered = true;
                        }
                        node_t *n = p;
                        n->next = cache.head[cls];
                        cache.head[cls] = n;
                        cache.bytes += cls * 16 + 8;
                        return;
                }
        }
#endif
        free(p);
}
