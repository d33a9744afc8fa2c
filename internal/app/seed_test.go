package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/dynamostore"
	"infocentre/internal/dynamostore/dynamotest"
)

// Seeding a large site on moto_server.
//
// moto_server (5.x) runs a TransactWriteItems by deep-copying the whole
// table once per action before it applies any (its rollback copy), so a
// transaction costs time in proportion to its actions times the table's
// items. Measured in process (an 8-put transaction; items of 3 KB): 0.02 s
// on an empty table, 0.54 s at 1,000 items, 6.5 s at 5,000, 40 s at
// 20,000. An entry is some nine items, so storing 10,000 entries with
// CreateEntry, one transaction each, grows quadratically into days; more
// goroutines do not help (moto is one Python process under the GIL, its
// tables are not locked, and dynamotest serialises its requests), nor does
// a moto_server of the test's own (the cost is per table).
//
// batchedPuts is what makes it minutes: the seeding store (one writer, no
// one else writes the site meanwhile) runs its transactions through it, and
// a transaction made only of puts is applied as BatchWriteItem calls of the
// very same items, after its conditions were checked with a GetItem each.
// Nothing is written that the store did not ask for, and moto stays the
// stand-in: a transaction with any other action, or a condition of a form
// not known here, fails the write (and the test) instead of being guessed
// at. What moto's transaction would add beyond that — atomicity against
// concurrent writers — has no one to guard against while seeding.
type batchedPuts struct {
	next aws.HTTPClient
	// transactions and items count what went through as batches.
	transactions, items atomic.Int64
}

// option returns a client option that routes the client's
// TransactWriteItems through b.
func (b *batchedPuts) option() func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		b.next = o.HTTPClient
		o.HTTPClient = b
	}
}

const dynamoTarget = "DynamoDB_20120810."

type wireTransaction struct {
	TransactItems []map[string]*struct {
		TableName                 string
		Item                      map[string]json.RawMessage
		ConditionExpression       string
		ExpressionAttributeNames  map[string]string
		ExpressionAttributeValues map[string]json.RawMessage
	}
}

func (b *batchedPuts) Do(r *http.Request) (*http.Response, error) {
	if r.Header.Get("X-Amz-Target") != dynamoTarget+"TransactWriteItems" {
		return b.next.Do(r)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	var tx wireTransaction
	if err := json.Unmarshal(body, &tx); err != nil {
		return nil, fmt.Errorf("batchedPuts: %w", err)
	}
	puts := map[string][]any{}
	n := 0
	for i, action := range tx.TransactItems {
		put := action["Put"]
		if len(action) != 1 || put == nil {
			return nil, fmt.Errorf("batchedPuts: action %d of the transaction is not a put: %s", i, body)
		}
		if err := b.check(r, put.TableName, put.Item, put.ConditionExpression, put.ExpressionAttributeNames, put.ExpressionAttributeValues); err != nil {
			return nil, fmt.Errorf("batchedPuts: action %d: %w", i, err)
		}
		puts[put.TableName] = append(puts[put.TableName], map[string]any{"PutRequest": map[string]any{"Item": put.Item}})
		n++
	}
	for table, reqs := range puts {
		for len(reqs) > 0 {
			k := min(len(reqs), 25) // BatchWriteItem's limit
			var out struct{ UnprocessedItems map[string][]json.RawMessage }
			if err := b.call(r, "BatchWriteItem", map[string]any{"RequestItems": map[string]any{table: reqs[:k]}}, &out); err != nil {
				return nil, err
			}
			if len(out.UnprocessedItems) > 0 {
				return nil, fmt.Errorf("batchedPuts: BatchWriteItem left items unprocessed: %v", out.UnprocessedItems)
			}
			reqs = reqs[k:]
		}
	}
	b.transactions.Add(1)
	b.items.Add(int64(n))
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/x-amz-json-1.0"}, "X-Amzn-Requestid": {"batched-puts"}},
		Body:    io.NopCloser(strings.NewReader("{}")),
		Request: r}, nil
}

// check verifies a put's condition against the stored item, for the two
// forms the store's entry creation uses: attribute_not_exists(PK), and
// the search marker's #seq = :seq.
func (b *batchedPuts) check(r *http.Request, table string, it map[string]json.RawMessage, cond string, names map[string]string, values map[string]json.RawMessage) error {
	if cond == "" {
		return nil
	}
	var got struct{ Item map[string]json.RawMessage }
	key := map[string]json.RawMessage{"PK": it["PK"], "SK": it["SK"]}
	if err := b.call(r, "GetItem", map[string]any{"TableName": table, "Key": key, "ConsistentRead": true}, &got); err != nil {
		return err
	}
	switch {
	case cond == "attribute_not_exists(PK)":
		if got.Item != nil {
			return fmt.Errorf("condition %s fails on %s %s", cond, it["PK"], it["SK"])
		}
	case cond == "#seq = :seq" && names["#seq"] == "seq":
		if got.Item == nil || !bytes.Equal(compact(got.Item["seq"]), compact(values[":seq"])) {
			return fmt.Errorf("condition %s fails on %s %s: stored %s, expected %s", cond, it["PK"], it["SK"], got.Item["seq"], values[":seq"])
		}
	default:
		return fmt.Errorf("condition %q is not one batchedPuts checks", cond)
	}
	return nil
}

func compact(b []byte) []byte {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return b
	}
	return out.Bytes()
}

// call makes one DynamoDB request op through b.next to r's server (see
// callDynamo).
func (b *batchedPuts) call(r *http.Request, op string, in, out any) error {
	if err := callDynamo(r, b.next, r.URL.String(), op, in, out); err != nil {
		return fmt.Errorf("batchedPuts: %w", err)
	}
	return nil
}

// callDynamo makes one DynamoDB request op with body in through c to url,
// with r's headers (moto_server and dynalite read the account from them
// and check no signature) and context, and decodes its answer into out.
func callDynamo(r *http.Request, c aws.HTTPClient, url, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(r.Context(), "POST", url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header = r.Header.Clone()
	req.Header.Set("X-Amz-Target", dynamoTarget+op)
	req.Header.Del("Content-Length")
	req.Header.Del("Amz-Sdk-Invocation-Id")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s %s", op, resp.Status, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// TestBatchedPuts stores entries through batchedPuts and reads them back
// through a store of its own: the entries, their list items and search
// documents are there and the site's search sequence moved once per entry,
// as CreateEntry's transactions would have left them; an entry whose slug
// is taken fails on its condition and writes nothing.
func TestBatchedPuts(t *testing.T) {
	client := dynamotest.Client(t)
	table := dynamotest.NewTable(t, client)
	plain := dynamostore.New(client, table, dynamostore.WithTimeout(dynamotest.StoreTimeout))
	launchEnv(t, app.Config{Store: "dynamodb", Table: table, CursorSecret: "batched-puts-cursor-secret-0123456789", RenderCacheBytes: -1}, plain)
	ctx := context.Background()
	count := func() int {
		t.Helper()
		n := 0
		q := centre.EntryQuery{Site: demo.Slug, Limit: centre.MaxPageSize}
		for i := 0; i < 100; i++ {
			page, err := plain.ListEntries(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			n += len(page.Items)
			if q.After = page.Next; q.After == "" {
				return n
			}
		}
		t.Fatal("more than 100 pages of entries")
		return 0
	}
	docs, seq, err := plain.SearchDocs(ctx, demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	entries := count()

	batches := &batchedPuts{}
	seeder := dynamostore.New(dynamotest.Client(t, batches.option()), table, dynamostore.WithTimeout(dynamotest.StoreTimeout))
	slugs := generateEntries(t, seeder, 3)
	if got := batches.transactions.Load(); got != 3 {
		t.Fatalf("%d transactions went through as batches, want 3", got)
	}
	if got := count(); got != entries+3 {
		t.Errorf("%d entries listed, want %d", got, entries+3)
	}
	docs2, seq2, err := plain.SearchDocs(ctx, demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs2) != len(docs)+3 || seq2 != seq+3 {
		t.Errorf("search: %d documents at sequence %d, want %d at %d", len(docs2), seq2, len(docs)+3, seq+3)
	}
	for _, s := range slugs {
		list, err := plain.PublicEntriesBySlug(ctx, demo.Slug, strings.TrimPrefix(s, "en/"))
		if err != nil {
			t.Fatal(err)
		}
		if e := list[0]; e.Version != 1 || e.Status != centre.StatusPublished || e.BodyHTML == "" {
			t.Errorf("%s: version %d, status %s, body %d bytes", s, e.Version, e.Status, len(e.BodyHTML))
		}
	}

	items := batches.items.Load()
	at := time.Now()
	taken := &centre.Entry{ID: centre.NewID(at), Site: demo.Slug, Slug: strings.TrimPrefix(slugs[0], "en/"), Lang: "en",
		Status: centre.StatusPublished, PublishedAt: at, CreatedAt: at, UpdatedAt: at, CreatedBy: "seed", BodyHTML: "<p>x</p>",
		Content: centre.Content{Type: centre.TypeNews, Title: "Taken", Summary: "A taken slug", Body: "x"}}
	if err := seeder.CreateEntry(ctx, taken); err == nil || !strings.Contains(err.Error(), "condition attribute_not_exists(PK) fails") {
		t.Errorf("an entry with a taken slug: %v, want its failed condition", err)
	}
	if got := batches.items.Load(); got != items {
		t.Errorf("%d items written for the failed entry", got-items)
	}
	if got := count(); got != entries+3 {
		t.Errorf("%d entries listed after the failed one, want %d", got, entries+3)
	}
}
