// Command bounces is the Lambda function subscribed to the SNS topic of
// Amazon SES events (the alerts configuration set): permanent bounces and
// complaints put the address on the suppression list (alerts.HandleSNS).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"infocentre/internal/alerts"
	"infocentre/internal/app"
)

func main() {
	a, err := app.PublicFromEnv(context.Background()) // no staff side (built with publicfn)
	if err != nil {
		slog.Error("bounces: cannot start", "err", err)
		os.Exit(1)
	}
	h := &alerts.Alerts{Store: a.Store, Log: a.Log}
	h.Init()
	lambda.Start(h.HandleSNS)
}
