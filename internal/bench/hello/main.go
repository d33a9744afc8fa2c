// Command hello is the smallest Go Lambda function behind an HTTP API,
// built exactly like infocentre's functions: the baseline that
// .ci/bench-coldstart.sh compares their binary size and cold start with.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{
			StatusCode: 200,
			Headers:    map[string]string{"Content-Type": "text/plain; charset=utf-8"},
			Body:       "hello\n",
		}, nil
	})
}
