package httpapi

import (
	"bytes"
	"os"
	"testing"
)

// TestOpenAPIEmbedCurrent: the embedded, gzipped document is openapi.json
// as it stands (after editing openapi.json, run go generate
// ./internal/httpapi).
func TestOpenAPIEmbedCurrent(t *testing.T) {
	src, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(openapiDoc(), src) {
		t.Fatal("openapi.json.gz is not openapi.json: run `go generate ./internal/httpapi`")
	}
}
