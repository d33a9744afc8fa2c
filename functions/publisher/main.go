// Command publisher is the scheduled Lambda function that publishes the
// entries whose scheduled time has come (EventBridge, every minute) and
// then gives the sites without a front theirs (app.FrontKeeper: bounded
// in time per run, a complete pass at most once an hour per container).
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
		slog.Error("publisher: cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(lambdaadapter.Schedule("publish due entries", a.PublisherRun(), a.Log))
}
