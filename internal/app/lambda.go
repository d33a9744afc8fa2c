//go:build lambda

package app

import (
	"errors"

	"infocentre/internal/centre"
)

// Built with the tag lambda (functions/Makefile), a binary carries neither
// the embedded store nor the files directory: a function runs on DynamoDB
// and S3 only.

var errLocalOnly = errors.New("the embedded store is not built into Lambda functions: set DYNAMODB_TABLE")

func openBolt(Config) (centre.Store, error) { return nil, errLocalOnly }

func openFilesDir(Config) (centre.FileStore, error) { return nil, errLocalOnly }
