// Command edge is the Lambda function fed by the table's DynamoDB Stream
// that keeps the edge current (internal/edge): it re-renders the changed
// pages into the static mirror bucket and purges them from CloudFront.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"infocentre/internal/app"
)

func main() {
	ctx := context.Background()
	a, err := app.FromEnv(ctx)
	if err != nil {
		slog.Error("edge: cannot start", "err", err)
		os.Exit(1)
	}
	h, err := a.Edge(ctx)
	if err != nil {
		slog.Error("edge: cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
