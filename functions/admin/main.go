// Command admin is the "admin" Lambda function: the staff API behind the
// key authorizer. The handler authenticates every request itself as well.
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
	a, err := app.FromEnv(context.Background())
	if err != nil {
		slog.Error("admin: cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(lambdaadapter.New(a.Handler.Admin(), lambdaadapter.WithLogger(a.Log)).Handle)
}
