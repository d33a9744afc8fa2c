// Command notifier is the Lambda function that delivers the outbox: the
// table's stream hands it each new notification (filtered to INSERTs of
// outbox items), and a schedule (every minute) runs the retries, the
// channels' timed work and anything the stream path missed.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"infocentre/internal/alerts/sesmail"
	"infocentre/internal/app"
)

func main() {
	a, err := app.PublicFromEnv(context.Background(), app.WithMailer(sesmail.New))
	if err != nil {
		slog.Error("notifier: cannot start", "err", err)
		os.Exit(1)
	}
	lambda.Start(app.NotifierHandler(a.NewNotifier(os.Stdout)))
}
