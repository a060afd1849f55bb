package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Tx is one TransactWriteItems whose parts have names. A use case adds
// its parts by name ("deal", "program", "budget"), a ledger operation adds
// its own (named by its transfer), and after a cancellation the caller asks
// which named part failed: reordering two Adds never changes the error a
// client gets.
type Tx struct {
	parts []Part
	names map[string]bool
	// Token, when set, is the ClientRequestToken that makes a retried
	// call within ten minutes a no-op.
	Token string
}

// Part is one named item of a transaction.
type Part struct {
	Name string
	Item types.TransactWriteItem
}

// NewTx starts an empty transaction.
func NewTx() *Tx { return &Tx{names: map[string]bool{}} }

// Add appends a named part. A name used twice is a programming error: the
// caller could no longer tell the two apart, so it panics.
func (t *Tx) Add(name string, item types.TransactWriteItem) *Tx {
	if t.names == nil {
		t.names = map[string]bool{}
	}
	if name == "" || t.names[name] {
		panic(fmt.Sprintf("store.Tx: part name %q is empty or used twice", name))
	}
	t.names[name] = true
	t.parts = append(t.parts, Part{Name: name, Item: item})
	return t
}

// AddParts appends parts that came named (a ledger operation's).
func (t *Tx) AddParts(ps ...Part) *Tx {
	for _, p := range ps {
		t.Add(p.Name, p.Item)
	}
	return t
}

// Len is the number of parts so far.
func (t *Tx) Len() int { return len(t.parts) }

// Write runs the transaction (see TransactWrite for the faults). A
// cancellation by failed conditions comes back as *TxCanceled, which
// answers by part name.
func (t *Tx) Write(ctx context.Context, c *dynamodb.Client) error {
	items := make([]types.TransactWriteItem, len(t.parts))
	names := make([]string, len(t.parts))
	for i, p := range t.parts {
		items[i], names[i] = p.Item, p.Name
	}
	err := transactWrite(ctx, c, items, t.Token)
	if tc, ok := err.(*TxCanceled); ok {
		tc.names = names
	}
	return err
}
