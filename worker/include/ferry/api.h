/* FERRY_API marks the functions the worker exports to plugins. The worker is meant to be built
 * with -fvisibility=hidden, so a function of the runtime is reachable from a plugin only when its
 * declaration in one of these public headers carries this marker. */
#ifndef FERRY_API_H
#define FERRY_API_H

#if defined(__GNUC__) || defined(__clang__)
#define FERRY_API __attribute__((visibility("default")))
#else
#define FERRY_API
#endif

#endif
