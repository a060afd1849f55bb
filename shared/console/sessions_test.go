package console

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

type fakeNow struct{ t time.Time }

func (f *fakeNow) now() time.Time          { return f.t }
func (f *fakeNow) advance(d time.Duration) { f.t = f.t.Add(d) }

func newSessions(t *testing.T) (*Sessions, *fakeNow, *dynamodb.Client, string) {
	t.Helper()
	db := storetest.New(t)
	clk := &fakeNow{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	s := NewSessions(db, topology.TableSessions, time.Hour, 8*time.Hour, clk.now)
	return s, clk, db.Client, db.Table(topology.TableSessions)
}

// A session lives while used, ends an idle hour after its last use and
// eight hours after it began however busy, and at sign-out.
func TestSessions_IdleAbsoluteAndEnd(t *testing.T) {
	ctx := context.Background()
	s, clk, _, _ := newSessions(t)
	sess, err := s.Create(ctx, "usr_a", Tokens{Access: "at", Refresh: "rt"})
	if err != nil {
		t.Fatal(err)
	}
	cookie := sess.secret.cookie()
	for i := 0; i < 15; i++ { // 7.5 hours of use, every 30 minutes
		clk.advance(30 * time.Minute)
		got, err := s.Get(ctx, cookie)
		if err != nil {
			t.Fatalf("after %v of use: %v", time.Duration(i+1)*30*time.Minute, err)
		}
		if got.UserID != "usr_a" || got.Tokens.Access != "at" || got.CSRF() != sess.CSRF() {
			t.Fatalf("session %+v", got)
		}
	}
	clk.advance(31 * time.Minute) // past 8 hours, though used 31 minutes ago
	if _, err := s.Get(ctx, cookie); !errors.Is(err, ErrNoSession) {
		t.Fatalf("past the absolute expiry: %v", err)
	}

	idle, _ := s.Create(ctx, "usr_b", Tokens{Access: "x"})
	clk.advance(61 * time.Minute)
	if _, err := s.Get(ctx, idle.secret.cookie()); !errors.Is(err, ErrNoSession) {
		t.Fatalf("past the idle expiry: %v", err)
	}

	ended, _ := s.Create(ctx, "usr_c", Tokens{Access: "y"})
	if err := s.End(ctx, ended.secret.cookie()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, ended.secret.cookie()); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after sign-out: %v", err)
	}
	if err := s.SaveTokens(ctx, ended, Tokens{Access: "z"}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("renewing an ended session's tokens: %v", err)
	}
	for _, forged := range []string{"", "x", strings.Repeat("A", 43), newSecret().cookie()} {
		if _, err := s.Get(ctx, forged); !errors.Is(err, ErrNoSession) {
			t.Errorf("cookie %q: %v", forged, err)
		}
	}
}

// The table holds neither the cookie's secret nor the person's tokens in
// the clear: a copy of it signs no one in.
func TestSessions_TableHoldsHashesAndSealedTokens(t *testing.T) {
	ctx := context.Background()
	s, _, client, table := newSessions(t)
	sess, err := s.Create(ctx, "usr_a", Tokens{Access: "access-token-value", Refresh: "refresh-token-value"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	dump := ""
	for _, it := range out.Items {
		for k := range it {
			dump += k + "=" + store.StringAttr(it, k) + fmt.Sprint(store.NumberAttr(it, k)) + " "
		}
	}
	if !strings.Contains(dump, "userId=usr_a") {
		t.Fatalf("the dump reads no values: %s", dump)
	}
	for _, secret := range []string{sess.secret.cookie(), "access-token-value", "refresh-token-value", sess.CSRF()} {
		if strings.Contains(dump, secret) {
			t.Errorf("the table holds %q in the clear: %s", secret, dump)
		}
	}
	if _, err := newSecret().open(fmtSealed(t, client, table)); err == nil {
		t.Error("another secret opened the sealed tokens")
	}
}

// A sign-in is finished once, by its own browser, before it expires.
func TestSessions_SignInOnceAndInTime(t *testing.T) {
	ctx := context.Background()
	s, clk, _, _ := newSessions(t)
	g, err := s.BeginSignIn(ctx, "/console/payouts")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.FinishSignIn(ctx, g.secret.cookie())
	if err != nil || got.Next != "/console/payouts" || got.State() != g.State() || got.Verifier() != g.Verifier() {
		t.Fatalf("finish: %+v %v", got, err)
	}
	if _, err := s.FinishSignIn(ctx, g.secret.cookie()); !errors.Is(err, ErrNoSession) {
		t.Fatalf("a second finish: %v", err)
	}
	late, _ := s.BeginSignIn(ctx, "/console/")
	clk.advance(signInTTL + time.Second)
	if _, err := s.FinishSignIn(ctx, late.secret.cookie()); !errors.Is(err, ErrNoSession) {
		t.Fatalf("a late finish: %v", err)
	}
	if len(g.Verifier()) < 43 || g.State() == g.Nonce() || g.State() == g.Verifier() {
		t.Fatal("state, nonce and verifier must be distinct and the verifier at least 43 characters (RFC 7636)")
	}
}

func fmtSealed(t *testing.T, c *dynamodb.Client, table string) string {
	t.Helper()
	out, err := c.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil || len(out.Items) == 0 {
		t.Fatal("no session item", err)
	}
	return store.StringAttr(out.Items[0], "sealed")
}
