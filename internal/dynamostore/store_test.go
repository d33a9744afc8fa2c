package dynamostore_test

import (
	"testing"

	"infocentre/internal/dynamostore/dynamotest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }
