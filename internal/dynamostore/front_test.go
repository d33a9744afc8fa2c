package dynamostore_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/storetest"
)

// TestFrontRebuild: a site whose marker carries no front (created before
// fronts were kept) gets the front its entries make
// (storetest.RunFrontRebuild).
func TestFrontRebuild(t *testing.T) {
	e := newEnv(t)
	storetest.RunFrontRebuild(t, e.store, func(t *testing.T, site string) {
		_, err := e.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(e.table),
			Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "X#" + site},
				"SK": &types.AttributeValueMemberS{Value: "#SEQ"}},
			UpdateExpression: aws.String("REMOVE front")})
		if err != nil {
			t.Fatal(err)
		}
	})
}
