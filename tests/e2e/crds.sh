#!/usr/bin/env bash
# The API server accepts the CRDs in crds/; valid KafkaConnect/KafkaConnector resources are stored
# with their defaults (also spec.clusterRef, spec.connectorNamespaces, template volumes and mounts,
# spec.tls and spec.authentication as Strimzi writes them);
# invalid ones (tasksMax 0, unknown state, reserved config keys, missing class, bad
# externalConfiguration volumes and env, clusterRef without a name, a bad connectorNamespaces entry,
# template volumes with no or two sources, a mount without mountPath, trustedCertificates without
# certificate or pattern, an unknown authentication type, scram without passwordSecret) are refused
# with a message naming the problem. Scale subresources and printer columns work.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"

install_crds
new_namespace

k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: my-connect}
spec:
  replicas: 2
  bootstrapServers: localhost:9092
---
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: my-source
  labels: {connect.ferry.dev/cluster: my-connect}
spec:
  class: FileStreamSource
  tasksMax: 1
  config: {file: /tmp/in.txt, topic: t, batch.size: 100, errors.log.enable: true}
YAML
field_is kafkaconnector my-source '{.spec.state}' running || fail "state default not applied"
field_is kafkaconnect my-connect '{.spec.restPort}' 8083 || fail "restPort default not applied"

# refused KIND-YAML PATTERN: applying the YAML must fail with stderr matching PATTERN.
refused() {
        local out rc=0
        out=$(k -n "$NS" apply -f - 2>&1 <<<"$1") || rc=$?
        [ "$rc" -ne 0 ] || fail "accepted: $1"
        grep -qE "$2" <<<"$out" || fail "refused without the expected message ($2): $out"
        info "refused as expected: $(grep -oE "$2" <<<"$out" | head -1)"
}

connector() { # name spec-lines
        printf 'apiVersion: connect.ferry.dev/v1alpha1\nkind: KafkaConnector\nmetadata:\n  name: %s\n  labels: {connect.ferry.dev/cluster: my-connect}\nspec:\n%s\n' "$1" "$2"
}

refused "$(connector bad1 '  class: X
  tasksMax: 0')" 'spec.tasksMax: Invalid value: 0: spec.tasksMax in body should be greater than or equal to 1'
refused "$(connector bad2 '  class: X
  state: sleeping')" 'spec.state: Unsupported value: "sleeping": supported values: "running", "paused", "stopped"'
refused "$(connector bad3 '  tasksMax: 1')" 'spec.class: Required value'
refused "$(connector bad4 '  class: X
  config: {tasks.max: 3}')" 'spec.config must not contain name, connector.class or tasks.max'
refused "$(connector bad5 '  class: X
  autoRestart: {maxRestarts: -1}')" 'spec.autoRestart.maxRestarts: Invalid value'
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad6}
spec: {replicas: 1, bootstrapServers: x:9092, config: {group.id: g}}' 'spec.config must not set keys the operator owns'
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad7}
spec: {replicas: 1}' 'spec.bootstrapServers: Required value'
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad8}
spec: {bootstrapServers: x:9092, autoscaling: {minReplicas: 3, maxReplicas: 2}}' 'minReplicas must not exceed'
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad9}
spec: {bootstrapServers: x:9092, externalConfiguration: {volumes: [{name: v, secret: {secretName: s}, configMap: {name: c}}]}}' \
        'a volume needs exactly one of secret, configMap'
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad10}
spec: {bootstrapServers: x:9092, externalConfiguration: {env: [{name: POD_IP, valueFrom: {secretKeyRef: {name: s, key: k}}}]}}' \
        'POD_IP and POD_NAME are set by the operator'
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad11}
spec: {bootstrapServers: x:9092, externalConfiguration: {volumes: [{name: Bad_Name, secret: {secretName: s}}]}}' \
        'spec.externalConfiguration.volumes\[0\].name: Invalid value'
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad12}
spec: {bootstrapServers: x:9092, externalConfiguration: {volumes: [{name: a, secret: {secretName: s}}, {name: a, configMap: {name: c}}]}}' \
        'volume names must be unique'

# Cross-namespace references and template volumes are stored as given.
k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: shared}
spec:
  bootstrapServers: localhost:9092
  connectorNamespaces: [team-a, "*"]
  template:
    pod:
      volumes:
        - {name: certs, secret: {secretName: tls}}
        - {name: scratch, emptyDir: {}}
        - {name: store, persistentVolumeClaim: {claimName: pvc}}
    connectContainer:
      volumeMounts:
        - {name: certs, mountPath: /mnt/certs, readOnly: true}
        - {name: store, mountPath: /data, subPath: in}
---
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnector
metadata: {name: remote}
spec:
  class: FileStreamSource
  clusterRef: {name: shared, namespace: other-ns}
YAML
field_is kafkaconnector remote '{.spec.clusterRef.namespace}' other-ns || fail "clusterRef not stored"
field_is kafkaconnect shared '{.spec.connectorNamespaces[1]}' '*' || fail "connectorNamespaces not stored"
field_is kafkaconnect shared '{.spec.template.pod.volumes[2].persistentVolumeClaim.claimName}' pvc ||
        fail "template.pod.volumes not stored"
field_is kafkaconnect shared '{.spec.template.connectContainer.volumeMounts[1].subPath}' in ||
        fail "template.connectContainer.volumeMounts not stored"
wide=$(k -n "$NS" get kctr remote -o wide)
grep -q 'CLUSTER NAMESPACE' <<<"$wide" || fail "no Cluster Namespace column (-o wide): $wide"
refused "$(printf 'apiVersion: connect.ferry.dev/v1alpha1\nkind: KafkaConnector\nmetadata: {name: bad13}\nspec:\n  class: X\n  clusterRef: {namespace: a}\n')" \
        'spec.clusterRef.name: Required value'
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad14}
spec: {bootstrapServers: x:9092, connectorNamespaces: [Not_A_Namespace]}' \
        'spec.connectorNamespaces\[0\]: Invalid value'
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad15}
spec: {bootstrapServers: x:9092, template: {pod: {volumes: [{name: v}]}}}' \
        'a volume needs exactly one of secret, configMap, emptyDir, persistentVolumeClaim, csi'
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad16}
spec: {bootstrapServers: x:9092, template: {pod: {volumes: [{name: v, emptyDir: {}, secret: {secretName: s}}]}}}' \
        'a volume needs exactly one of'
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad17}
spec: {bootstrapServers: x:9092, template: {connectContainer: {volumeMounts: [{name: v}]}}}' \
        'spec.template.connectContainer.volumeMounts\[0\].mountPath: Required value'

# spec.tls and spec.authentication in Strimzi's shape are stored as given; bad ones are refused.
k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: secured}
spec:
  bootstrapServers: my-cluster-kafka-bootstrap:9093
  tls:
    trustedCertificates:
      - {secretName: my-cluster-cluster-ca-cert, certificate: ca.crt}
      - {secretName: more-cas, pattern: "*.crt"}
  authentication:
    type: scram-sha-512
    username: my-connect
    passwordSecret: {secretName: my-connect, password: password}
YAML
field_is kafkaconnect secured '{.spec.authentication.passwordSecret.password}' password ||
        fail "spec.authentication not stored"
field_is kafkaconnect secured '{.spec.tls.trustedCertificates[1].pattern}' '*.crt' ||
        fail "spec.tls.trustedCertificates not stored"
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad18}
spec: {bootstrapServers: x:9092, tls: {trustedCertificates: [{secretName: ca}]}}' \
        'trustedCertificates needs exactly one of certificate, pattern'
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad19}
spec: {bootstrapServers: x:9092, authentication: {type: gssapi}}' \
        'spec.authentication.type: Unsupported value: "gssapi"'
refused 'apiVersion: connect.ferry.dev/v1alpha1
kind: KafkaConnect
metadata: {name: bad20}
spec: {bootstrapServers: x:9092, authentication: {type: scram-sha-512, username: u}}' \
        'scram-sha-256, scram-sha-512 and plain need username and passwordSecret'

# Scale subresources.
k -n "$NS" scale kafkaconnector my-source --replicas=3 >/dev/null
field_is kafkaconnector my-source '{.spec.tasksMax}' 3 || fail "scale did not set spec.tasksMax"
k -n "$NS" scale kafkaconnect my-connect --replicas=4 >/dev/null
field_is kafkaconnect my-connect '{.spec.replicas}' 4 || fail "scale did not set spec.replicas"
scale=$(k -n "$NS" get --raw "/apis/connect.ferry.dev/v1alpha1/namespaces/$NS/kafkaconnects/my-connect/scale")
grep -q '"replicas":4' <<<"$scale" || fail "scale subresource GET: $scale"

# Printer columns and short names.
# (no pipes into early-exiting readers: with pipefail a SIGPIPE'd kubectl fails the script)
table=$(k -n "$NS" get kctr)
header=$(head -1 <<<"$table")
for col in NAME CLUSTER 'CONNECTOR CLASS' 'MAX TASKS' READY; do
        grep -q "$col" <<<"$header" || fail "column $col missing: $header"
done
grep -q 'my-connect *FileStreamSource *3' <<<"$table" || fail "printer columns: $table"
k -n "$NS" get kc my-connect >/dev/null || fail "short name kc"
info "ok"
