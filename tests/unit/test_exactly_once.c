/* Unit tests of exactly-once source support (runtime/exactly_once.c, storage/offsets.c): the
 * transactional ids Connect forms, transaction boundaries and their interval, the preflight
 * validation messages of exactly.once.support and transaction.boundary, and the offsets records a
 * source task's transaction writes. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "runtime/exactly_once.h"
#include "storage/offsets.h"

#include <ferry/json.h>

Test(exactly_once, transactional_id_as_connect_forms_it)
{
        ferry_strmap_t w;
        ferry_strmap_init(&w);
        ferry_strmap_set(&w, "group.id", "connect-cluster");
        char id[256];
        ferry_eos_transactional_id(&w, "orders-src", 3, id, sizeof(id));
        cr_assert_str_eq(id, "connect-cluster-orders-src-3");
        ferry_strmap_free(&w);
}

Test(exactly_once, levels_and_boundaries)
{
        ferry_strmap_t w, c;
        ferry_strmap_init(&w);
        ferry_strmap_init(&c);
        cr_assert_eq(ferry_eos_level(&w), FERRY_EOS_DISABLED);
        ferry_strmap_set(&w, "exactly.once.source.support", "Enabled");
        cr_assert_eq(ferry_eos_level(&w), FERRY_EOS_ENABLED);
        ferry_strmap_set(&w, "exactly.once.source.support", "preparing");
        cr_assert_eq(ferry_eos_level(&w), FERRY_EOS_PREPARING);
        cr_assert_eq(ferry_eos_boundary(&c), FERRY_BOUNDARY_POLL);
        ferry_strmap_set(&c, "transaction.boundary", "interval");
        cr_assert_eq(ferry_eos_boundary(&c), FERRY_BOUNDARY_INTERVAL);
        /* The interval defaults to the worker's offset.flush.interval.ms. */
        cr_assert_eq(ferry_eos_boundary_interval(&w, &c), 60000);
        ferry_strmap_set(&w, "offset.flush.interval.ms", "1500");
        cr_assert_eq(ferry_eos_boundary_interval(&w, &c), 1500);
        ferry_strmap_set(&c, "transaction.boundary.interval.ms", "250");
        cr_assert_eq(ferry_eos_boundary_interval(&w, &c), 250);
        ferry_strmap_set(&c, "transaction.boundary", "connector");
        cr_assert_eq(ferry_eos_boundary(&c), FERRY_BOUNDARY_CONNECTOR);
        ferry_strmap_free(&w);
        ferry_strmap_free(&c);
}

static ferry_support_t supported(const ferry_strmap_t *config)
{
        (void)config;
        return FERRY_SUPPORT_SUPPORTED;
}

static ferry_support_t unsupported(const ferry_strmap_t *config)
{
        (void)config;
        return FERRY_SUPPORT_UNSUPPORTED;
}

static const char *first_error(const ferry_cfg_errors_t *errs, const char *key)
{
        for (size_t i = 0; i < errs->n; i++)
                if (errs->e[i].key && !strcmp(errs->e[i].key, key))
                        return errs->e[i].message;
        return NULL;
}

Test(exactly_once, validation_messages)
{
        ferry_worker_t w;
        memset(&w, 0, sizeof(w));
        w.distributed = true;
        w.eos = FERRY_EOS_ENABLED;
        ferry_connector_plugin_t p = {
                .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SOURCE,
                                          .class_name = "test.Source"),
        };
        ferry_strmap_t c;
        ferry_strmap_init(&c);
        ferry_strmap_set(&c, "exactly.once.support", "required");
        ferry_strmap_set(&c, "transaction.boundary", "connector");
        ferry_cfg_errors_t errs;

        /* No callbacks: Connect's null answers. */
        ferry_cfg_errors_init(&errs);
        ferry_eos_validate(&w, &p, &c, &errs);
        cr_assert_not_null(first_error(&errs, "exactly.once.support"));
        cr_assert(!strncmp(first_error(&errs, "exactly.once.support"),
                           "The connector does not implement the API required for preflight validation of "
                           "exactly-once source support.",
                           100));
        cr_assert_str_eq(
                first_error(&errs, "transaction.boundary"),
                "The connector does not support connector-defined transaction boundaries with the given "
                "configuration. Please reconfigure it to use a different transaction boundary "
                "definition.");
        ferry_cfg_errors_free(&errs);

        p.exactly_once_support = unsupported;
        p.can_define_transaction_boundaries = supported;
        ferry_cfg_errors_init(&errs);
        ferry_eos_validate(&w, &p, &c, &errs);
        cr_assert_str_eq(
                first_error(&errs, "exactly.once.support"),
                "The connector does not support exactly-once semantics with the provided configuration.");
        cr_assert_null(first_error(&errs, "transaction.boundary"));
        ferry_cfg_errors_free(&errs);

        p.exactly_once_support = supported;
        w.eos = FERRY_EOS_PREPARING;
        ferry_cfg_errors_init(&errs);
        ferry_eos_validate(&w, &p, &c, &errs);
        cr_assert_str_eq(first_error(&errs, "exactly.once.support"),
                         "This worker does not have exactly-once source support enabled.");
        ferry_cfg_errors_free(&errs);

        /* Standalone mode: no preflight checks, as Connect. */
        w.distributed = false;
        p.exactly_once_support = NULL;
        ferry_cfg_errors_init(&errs);
        ferry_eos_validate(&w, &p, &c, &errs);
        cr_assert_eq(errs.n, 0);
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&c);
}

/* A plugin built before the callbacks existed (a smaller struct) is read as declaring nothing. */
Test(exactly_once, old_plugin_struct)
{
        ferry_worker_t w;
        memset(&w, 0, sizeof(w));
        w.distributed = true;
        w.eos = FERRY_EOS_ENABLED;
        ferry_connector_plugin_t p = {
                .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SOURCE,
                                          .class_name = "test.Old"),
                .exactly_once_support = supported,
                .can_define_transaction_boundaries = supported,
        };
        p.info.size = (uint32_t)offsetof(ferry_connector_plugin_t, exactly_once_support);
        ferry_strmap_t c;
        ferry_strmap_init(&c);
        ferry_strmap_set(&c, "exactly.once.support", "required");
        ferry_strmap_set(&c, "transaction.boundary", "connector");
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        ferry_eos_validate(&w, &p, &c, &errs);
        cr_assert_not_null(first_error(&errs, "exactly.once.support"));
        cr_assert_not_null(first_error(&errs, "transaction.boundary"));
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&c);
}

Test(exactly_once, offsets_record_as_connect_writes_it)
{
        char err[256];
        ferry_value_t *part = ferry_json_read("{\"filename\":\"/tmp/in.txt\"}", 26, err, sizeof(err));
        ferry_value_t *off = ferry_json_read("{\"position\":1234}", 17, err, sizeof(err));
        cr_assert_not_null(part);
        cr_assert_not_null(off);
        char *k, *v;
        size_t kl, vl;
        cr_assert_eq(ferry_offsets_encode("src", part, off, &k, &kl, &v, &vl), 0);
        cr_assert_str_eq(k, "[\"src\",{\"filename\":\"/tmp/in.txt\"}]");
        cr_assert_eq(kl, strlen(k));
        cr_assert_str_eq(v, "{\"position\":1234}");
        free(k);
        free(v);
        cr_assert_eq(ferry_offsets_encode("src", part, NULL, &k, &kl, &v, &vl), 0);
        cr_assert_null(v); /* a tombstone */
        free(k);
        ferry_value_free(part);
        ferry_value_free(off);
}
