package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// stackOutputs returns the outputs of the CloudFormation stack name (the
// stack `sam deploy` made), read with the usual AWS configuration
// (AWS_REGION, AWS_PROFILE, …; AWS_ENDPOINT_URL for a local stand-in). A
// stack that is not in a usable state is refused with its status.
func stackOutputs(ctx context.Context, name string) (map[string]string, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("stack %s: load AWS config: %w", name, err)
	}
	out, err := cloudformation.NewFromConfig(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("stack %s (region %q): %w", name, cfg.Region, err)
	}
	if len(out.Stacks) != 1 {
		return nil, fmt.Errorf("stack %s: %d stacks found", name, len(out.Stacks))
	}
	st := out.Stacks[0]
	switch st.StackStatus {
	case types.StackStatusCreateComplete, types.StackStatusUpdateComplete, types.StackStatusUpdateRollbackComplete,
		types.StackStatusUpdateInProgress, types.StackStatusUpdateCompleteCleanupInProgress,
		types.StackStatusUpdateRollbackCompleteCleanupInProgress, types.StackStatusImportComplete:
	default:
		return nil, fmt.Errorf("stack %s is %s: no usable deployment (see the README, \"Recovering from a failed first deploy\")", name, st.StackStatus)
	}
	m := map[string]string{}
	for _, o := range st.Outputs {
		m[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return m, nil
}

// stackTable returns the table of stack name (its TableName output).
func stackTable(ctx context.Context, name string) (string, error) {
	outs, err := stackOutputs(ctx, name)
	if err != nil {
		return "", err
	}
	t := outs["TableName"]
	if t == "" {
		return "", errors.New("stack " + name + " has no TableName output: is it an infocentre stack?")
	}
	return t, nil
}
