package httpapi

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"sync"
)

// The OpenAPI document is edited (and linted: make openapi-lint) as
// openapi.json; the binary embeds it gzipped, 18 KB instead of 190 KB of
// every function. TestOpenAPIEmbedCurrent fails when the two differ.
//
//go:generate sh -c "gzip -9nc openapi.json > openapi.json.gz"
//go:embed openapi.json.gz
var openapiGzip []byte

// openapiDoc returns the OpenAPI document, unpacked on first use.
var openapiDoc = sync.OnceValue(func() []byte {
	r, err := gzip.NewReader(bytes.NewReader(openapiGzip))
	if err != nil {
		panic("httpapi: embedded openapi.json.gz: " + err.Error())
	}
	b, err := io.ReadAll(r)
	if err != nil {
		panic("httpapi: embedded openapi.json.gz: " + err.Error())
	}
	return b
})

// OpenAPIDocument returns the OpenAPI 3.1 document of every API route.
func OpenAPIDocument() []byte { return append([]byte(nil), openapiDoc()...) }
