// Command etcd is the upstream etcd server (same as go.etcd.io/etcd/server/v3's
// main package), built under the name "etcd" by hack/envtest.sh. The etcd
// version is whatever go.mod selects for go.etcd.io/etcd/server/v3.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
