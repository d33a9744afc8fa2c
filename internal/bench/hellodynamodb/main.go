// Command hellodynamodb is hello (internal/bench/hello) with a DynamoDB
// client made at start, as infocentre's functions make theirs: the
// configuration the Lambda runtime gives (awsconfig.FromRuntime) and the
// SDK's client (github.com/aws/aws-sdk-go-v2/service/dynamodb, a fixed
// choice of this project). It answers without calling DynamoDB, as the
// public function answers its health probe. .ci/bench-coldstart.sh reports
// its cold start next to hello's: the least a function that reads
// DynamoDB through the SDK starts in.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"infocentre/internal/awsconfig"
)

func main() {
	cfg, err := awsconfig.FromRuntime(os.Getenv, awsconfig.Options{})
	if err != nil {
		log.Fatal(err)
	}
	client := dynamodb.NewFromConfig(cfg)
	lambda.Start(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{
			StatusCode: 200,
			Headers:    map[string]string{"Content-Type": "text/plain; charset=utf-8"},
			Body:       "hello from " + client.Options().Region + "\n",
		}, nil
	})
}
