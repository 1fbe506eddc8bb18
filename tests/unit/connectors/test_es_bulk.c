/* Unit tests for the `_bulk` answer reader (worker/connectors/shared/elasticsearch/
 * bulk_response.c): an answer flagged "errors":false acknowledges every action without reading
 * the items; otherwise each item is classified (ok, conflict, malformed, retry, failed) with its
 * error type and reason; answers that are not JSON or hold another number of items are refused. */
#include "../../../worker/connectors/shared/elasticsearch/bulk_response.h"

#include <criterion/criterion.h>

#include <string.h>

static int parse(const char *body, es_item_t *items, size_t n, char *err, size_t err_size)
{
        return es_bulk_parse(body, strlen(body), items, n, err, err_size);
}

Test(es_bulk, no_errors_flag)
{
        es_item_t items[3];
        char err[200] = "";
        /* As the servers write it: every item acknowledged. */
        const char *ok =
                "{\"took\":7,\"errors\":false,\"items\":[{\"index\":{\"_id\":\"a\",\"status\":201}},"
                "{\"index\":{\"_id\":\"b\",\"status\":200}},{\"delete\":{\"_id\":\"c\",\"status\":404,"
                "\"result\":\"not_found\"}}]}";
        cr_assert_eq(parse(ok, items, 3, err, sizeof(err)), 0, "%s", err);
        for (size_t i = 0; i < 3; i++)
                cr_assert_eq(items[i].cls, ES_ITEM_OK);
        es_items_free(items, 3);
        /* Written otherwise (spaces): read item by item, with the same result. */
        const char *spaced = "{ \"took\": 7, \"errors\": false, \"items\": [{\"index\":{\"status\":201}},"
                             "{\"index\":{\"status\":200}},{\"index\":{\"status\":201}}]}";
        cr_assert_eq(parse(spaced, items, 3, err, sizeof(err)), 0, "%s", err);
        for (size_t i = 0; i < 3; i++)
                cr_assert_eq(items[i].cls, ES_ITEM_OK);
        cr_assert_eq(items[0].status, 201);
        es_items_free(items, 3);
        /* The flag but a cut body: not taken on trust. */
        const char *cut = "{\"took\":7,\"errors\":false,\"items\":[{\"index\":{\"status\":201}}";
        cr_assert_eq(parse(cut, items, 1, err, sizeof(err)), -1);
        cr_assert(strstr(err, "not JSON"), "%s", err);
}

Test(es_bulk, items_classified)
{
        es_item_t items[5];
        char err[200] = "";
        const char *body =
                "{\"took\":3,\"errors\":true,\"items\":["
                "{\"index\":{\"status\":201}},"
                "{\"index\":{\"status\":409,\"error\":{\"type\":\"version_conflict_engine_exception\","
                "\"reason\":\"[k]: version conflict\"}}},"
                "{\"index\":{\"status\":400,\"error\":{\"type\":\"mapper_parsing_exception\",\"reason\":"
                "\"failed "
                "to parse field [n]\",\"caused_by\":{\"type\":\"number_format_exception\",\"reason\":\"For "
                "input "
                "string\"}}}},"
                "{\"create\":{\"status\":429,\"error\":{\"type\":\"es_rejected_execution_exception\","
                "\"reason\":"
                "\"busy\"}}},"
                "{\"update\":{\"status\":403,\"error\":{\"type\":\"cluster_block_exception_x\",\"reason\":"
                "\"no\"}}}"
                "]}";
        cr_assert_eq(parse(body, items, 5, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(items[0].cls, ES_ITEM_OK);
        cr_assert_eq(items[1].cls, ES_ITEM_CONFLICT);
        cr_assert_eq(items[2].cls, ES_ITEM_MALFORMED);
        cr_assert_str_eq(items[2].error_type, "mapper_parsing_exception");
        cr_assert_str_eq(items[2].error_reason,
                         "failed to parse field [n] (caused by number_format_exception: For input string)");
        cr_assert_eq(items[3].cls, ES_ITEM_RETRY);
        cr_assert_eq(items[4].cls, ES_ITEM_FAILED);
        cr_assert_eq(items[4].status, 403);
        es_items_free(items, 5);
        /* Another number of items than actions sent. */
        cr_assert_eq(parse(body, items, 4, err, sizeof(err)), -1);
        cr_assert(strstr(err, "5 items for 4 actions"), "%s", err);
        cr_assert_eq(parse("<html>", items, 1, err, sizeof(err)), -1);
}
