// Package storetest gives integration tests a real DynamoDB: one DynamoDB
// Local per `go test` run (the one at $SOUQ_DYNAMODB_ENDPOINT, which
// `make test` starts once, or else one this package starts for the test
// binary) and a fresh set of the topology's tables per test, under a
// unique prefix. It never mocks the AWS SDK.
package storetest

import (
	"context"
	"fmt"
	lambdaevents "github.com/aws/aws-lambda-go/events"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/dynamolocal"
	"github.com/souqhq/souq/shared/topology"
)

var (
	once     sync.Once
	endpoint string
	startErr error
	server   *dynamolocal.Server
	seq      atomic.Int64
)

// Endpoint returns the DynamoDB Local endpoint for this test binary.
func Endpoint(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if e := os.Getenv("SOUQ_DYNAMODB_ENDPOINT"); e != "" {
			endpoint = e
			return
		}
		server, startErr = dynamolocal.Start(context.Background(), os.Stderr)
		if startErr == nil {
			endpoint = server.Endpoint
		}
	})
	if startErr != nil {
		t.Fatalf("DynamoDB Local: %v", startErr)
	}
	return endpoint
}

// Stop ends the DynamoDB Local this package started, if any. Call it from
// TestMain after m.Run.
func Stop() {
	if server != nil {
		server.Stop()
	}
}

// Main is a TestMain body: it runs the tests and stops DynamoDB Local.
func Main(m interface{ Run() int }) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// New creates the topology's tables under a fresh prefix and returns a DB
// that names all of them.
func New(t testing.TB) *store.DB {
	t.Helper()
	client := Client(t)
	prefix := Prefix()
	top := topology.Souq()
	names := store.PrefixedNames(prefix, top.TableNames())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Integration tests drive a fake clock, often days from the real one,
	// while DynamoDB Local's TTL sweeper deletes on the real clock: with
	// TTL on, an outbox item stamped a week before today vanishes mid-test.
	// No code relies on TTL for correctness (expiry is always checked
	// against expiresAt), so these tables have none.
	tables := make([]topology.Table, len(top.Tables))
	for i, t := range top.Tables {
		t.TTLAttribute = ""
		tables[i] = t
	}
	if err := store.CreateTables(ctx, client, tables, names); err != nil {
		t.Fatalf("create tables: %v", err)
	}
	return store.NewDB(client, names)
}

// Prefix returns a table prefix unique to this process and call.
func Prefix() string {
	return fmt.Sprintf("t%d_%d_%d_", os.Getpid(), time.Now().UnixNano()%1e9, seq.Add(1))
}

// Client returns a client for the test DynamoDB Local.
func Client(t testing.TB) *dynamodb.Client {
	t.Helper()
	c, err := store.NewClient(context.Background(), store.ClientConfig{Endpoint: Endpoint(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// OutboxCount counts the events of a detail-type in db's outbox table
// (events.AttrDetailType, "detailType", names it on each item). A Scan is
// fine here: a test reading its own private table, never a request path.
func OutboxCount(t testing.TB, db *store.DB, detailType string) int {
	t.Helper()
	in := &dynamodb.ScanInput{TableName: aws.String(db.Table(topology.TableOutbox)), ConsistentRead: aws.Bool(true)}
	n := 0
	for {
		out, err := db.Client.Scan(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			if store.StringAttr(it, "detailType") == detailType {
				n++
			}
		}
		if out.LastEvaluatedKey == nil {
			return n
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// Outbox is every event in db's outbox table, as the bus would deliver
// them (for tests that wire contexts together by their events).
func Outbox(t testing.TB, db *store.DB) []lambdaevents.EventBridgeEvent {
	t.Helper()
	in := &dynamodb.ScanInput{TableName: aws.String(db.Table(topology.TableOutbox)), ConsistentRead: aws.Bool(true)}
	var out []lambdaevents.EventBridgeEvent
	for {
		page, err := db.Client.Scan(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			out = append(out, lambdaevents.EventBridgeEvent{ID: store.StringAttr(it, "pk"), Source: store.StringAttr(it, "source"),
				DetailType: store.StringAttr(it, "detailType"), Detail: []byte(store.StringAttr(it, "detail"))})
		}
		if page.LastEvaluatedKey == nil {
			return out
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}
