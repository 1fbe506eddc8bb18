// yaml2json reads a YAML stream (several documents separated by ---) on standard input and writes
// one JSON array with a value per non-empty document on standard output. The packaging tests use it
// to inspect `helm template` output and manifests with Python's json module, with no YAML library
// needed on the machine.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

func main() {
	dec := utilyaml.NewYAMLOrJSONDecoder(os.Stdin, 4096)
	docs := []interface{}{}
	for {
		var v interface{}
		if err := dec.Decode(&v); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			fmt.Fprintf(os.Stderr, "yaml2json: document %d: %v\n", len(docs)+1, err)
			os.Exit(1)
		}
		if v != nil {
			docs = append(docs, v)
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(docs); err != nil {
		fmt.Fprintf(os.Stderr, "yaml2json: %v\n", err)
		os.Exit(1)
	}
}
