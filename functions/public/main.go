// Command public is the "public" Lambda function: the HTML site, the read
// API and the feeds, served from the one handler behind API Gateway.
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
	a, err := app.PublicFromEnv(context.Background(), app.WithOriginCheck)
	if err != nil {
		slog.Error("public: cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(lambdaadapter.New(a.Handler.Public(), lambdaadapter.WithLogger(a.Log)).Handle)
}
