package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestWrap_KeepsTheKindAndBuildsTheTrail(t *testing.T) {
	base := New(NotFound, "repo.get", "no such auction")
	err := Wrap("service.Close", fmt.Errorf("load: %w", base))
	if KindOf(err) != NotFound || !errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
		t.Fatalf("kind lost: %v", err)
	}
	fe, _ := As(err)
	if fe.Op != "service.Close: repo.get" || fe.Message != "no such auction" {
		t.Fatalf("trail = %q, message = %q", fe.Op, fe.Message)
	}
	plain := Wrap("service.Close", errors.New("connection reset"))
	if KindOf(plain) != Internal || errors.Unwrap(plain) == nil {
		t.Fatalf("unknown errors are internal and keep their cause: %v", plain)
	}
	if Wrap("x", nil) != nil {
		t.Fatal("Wrap(nil) must be nil")
	}
}
