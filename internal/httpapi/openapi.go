package httpapi

import _ "embed"

//go:embed openapi.json
var openapiDoc []byte

// OpenAPIDocument returns the OpenAPI 3.1 document of every API route.
func OpenAPIDocument() []byte { return append([]byte(nil), openapiDoc...) }
