module infocentre

go 1.26.0

require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/awslabs/aws-lambda-go-api-proxy v0.16.2
	github.com/oklog/ulid/v2 v2.1.2
	golang.org/x/text v0.44.0
)
