package storetest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/souqhq/souq/shared/store"
)

// Meter sums the capacity every DynamoDB call of a client consumes, per
// operation. Reads are what DynamoDB reports (ReturnConsumedCapacity).
// Writes are DynamoDB's pricing rule, because DynamoDB Local under-reports
// transactions: one WCU per item written (two inside a transaction), per
// started KiB — Souq's items are all under 1 KiB.
type Meter struct {
	mu    sync.Mutex
	calls map[string]*Usage
}

// Usage is one operation's total.
type Usage struct {
	Calls int
	RCU   float64
	WCU   float64
	Items int // items written
}

// Metered returns a copy of db whose client reports to a new meter.
func Metered(db *store.DB) (*store.DB, *Meter) {
	m := &Meter{calls: map[string]*Usage{}}
	opts := db.Client.Options()
	opts.APIOptions = append(opts.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("souqMeter", m.handle), middleware.After)
	})
	return db.WithClient(dynamodb.New(opts)), m
}

func (m *Meter) handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	total := types.ReturnConsumedCapacityTotal
	op, wcu, items := "", 0.0, 0
	switch p := in.Parameters.(type) {
	case *dynamodb.GetItemInput:
		op, p.ReturnConsumedCapacity = "GetItem", total
	case *dynamodb.QueryInput:
		op, p.ReturnConsumedCapacity = "Query", total
	case *dynamodb.PutItemInput:
		op, wcu, items = "PutItem", 1, 1
	case *dynamodb.UpdateItemInput:
		op, wcu, items = "UpdateItem", 1, 1
	case *dynamodb.DeleteItemInput:
		op, wcu, items = "DeleteItem", 1, 1
	case *dynamodb.TransactWriteItemsInput:
		op, items = "TransactWriteItems", len(p.TransactItems)
		for _, it := range p.TransactItems {
			if it.ConditionCheck != nil {
				items-- // a condition check reads; it writes nothing
			}
		}
		wcu = 2 * float64(len(p.TransactItems))
	default:
		op = fmt.Sprintf("%T", in.Parameters)
	}
	out, md, err := next.HandleInitialize(ctx, in)
	rcu := 0.0
	switch r := out.Result.(type) {
	case *dynamodb.GetItemOutput:
		rcu = capacity(r.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		rcu = capacity(r.ConsumedCapacity)
	}
	m.mu.Lock()
	u := m.calls[op]
	if u == nil {
		u = &Usage{}
		m.calls[op] = u
	}
	u.Calls++
	u.RCU += rcu
	if err == nil {
		u.WCU += wcu
		u.Items += items
	}
	m.mu.Unlock()
	return out, md, err
}

func capacity(c *types.ConsumedCapacity) float64 {
	if c == nil || c.CapacityUnits == nil {
		return 0
	}
	return *c.CapacityUnits
}

// Reset forgets what was counted.
func (m *Meter) Reset() {
	m.mu.Lock()
	m.calls = map[string]*Usage{}
	m.mu.Unlock()
}

// Total sums every operation.
func (m *Meter) Total() Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	var t Usage
	for _, u := range m.calls {
		t.Calls += u.Calls
		t.RCU += u.RCU
		t.WCU += u.WCU
		t.Items += u.Items
	}
	return t
}

// String lists the operations: "GetItem×2 1.0 RCU; TransactWriteItems×1 16 WCU".
func (m *Meter) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	ops := make([]string, 0, len(m.calls))
	for op := range m.calls {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	var parts []string
	for _, op := range ops {
		u := m.calls[op]
		parts = append(parts, fmt.Sprintf("%s×%d %.1f RCU %.0f WCU", op, u.Calls, u.RCU, u.WCU))
	}
	return strings.Join(parts, "; ")
}
