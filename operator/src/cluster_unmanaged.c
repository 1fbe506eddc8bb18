/* Connectors without a KafkaConnector, for the KafkaConnect reconciler (cluster.h): with the
 * annotation connect.ferry.dev/use-connector-resources "true" or spec.deleteUnmanagedConnectors,
 * connectors that run in the cluster but that no KafkaConnector names are deleted, as Strimzi does.
 * A KafkaConnector counts when it names this cluster (label or spec.clusterRef) from a namespace
 * the cluster allows (its own or spec.connectorNamespaces). */
#include "cluster.h"

#include <ferry/log.h>

#include <stdio.h>
#include <string.h>

void cl_delete_unmanaged(op_ctx_t *ctx, const op_connect_spec_t *s, const char *base, json_object *names)
{
        if (!kube_informer_synced(ctx->connectors))
                return;
        json_object *all = kube_informer_list(ctx->connectors);
        for (size_t i = 0; i < json_object_array_length(names); i++) {
                const char *cn = json_object_get_string(json_object_array_get_idx(names, i));
                bool managed = false;
                for (size_t j = 0; j < json_object_array_length(all) && !managed; j++) {
                        json_object *o = json_object_array_get_idx(all, j);
                        char cns[256], cname[256];
                        const char *ons = kube_str(o, "metadata.namespace"),
                                   *on = kube_str(o, "metadata.name");
                        managed = ons && on && !strcmp(on, cn) &&
                                  !op_connector_cluster(o, cns, sizeof(cns), cname, sizeof(cname)) &&
                                  !strcmp(cname, s->name) && !strcmp(cns, s->ns) &&
                                  op_connect_allows_namespace(s, ons);
                }
                if (managed)
                        continue;
                char seg[768], p[1024];
                op_url_segment(seg, sizeof(seg), cn);
                snprintf(p, sizeof(p), "/connectors/%s", seg);
                op_rest_t r;
                op_connect_call(ctx, base, "DELETE", p, NULL, &r);
                if (r.status >= 200 && r.status < 300) {
                        FERRY_INFO("%s/%s: deleted connector %s (no KafkaConnector)", s->ns, s->name, cn);
                        atomic_fetch_add(&ctx->m.unmanaged_deleted, 1);
                } else if (r.status != 404) {
                        FERRY_WARN("%s/%s: deleting unmanaged connector %s: %s", s->ns, s->name, cn, r.err);
                }
                op_rest_clear(&r);
        }
        json_object_put(all);
}
