// Command admin is the "admin" Lambda function: the staff API behind the
// key authorizer (the handler authenticates every request itself as well)
// and the staff console under /admin/, which signs people in with passkeys
// or OpenID Connect and authenticates each request by its session.
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
	a, err := app.FromEnv(context.Background(), app.WithConsole)
	if err != nil {
		slog.Error("admin: cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(lambdaadapter.New(a.Handler.Admin(), lambdaadapter.WithLogger(a.Log)).Handle)
}
