// Command authorizer is the Lambda REQUEST authorizer (payload 2.0, simple
// responses) of the staff routes: it admits requests that carry a valid
// staff key as "Authorization: Bearer <key>".
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"infocentre/internal/app"
	"infocentre/internal/lambdaadapter"
)

func main() {
	a, err := app.AuthorizerFromEnv(context.Background()) // no site, no staff side (built with publicfn)
	if err != nil {
		slog.Error("authorizer: cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(lambdaadapter.Authorizer(a.Service.Authenticate, a.Log))
}
