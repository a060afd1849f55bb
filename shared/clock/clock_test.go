package clock

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A held clock stands still (requests served "at once" read one instant),
// an advance still moves it, and released it runs on from where it stood:
// never back, and skipping none of the time it was held.
func TestOffset_HoldStandsStillAndReleaseRunsOn(t *testing.T) {
	start := time.Date(2039, 1, 31, 9, 0, 0, 0, time.UTC)
	c := StartingAt(start)
	held := c.Hold()
	time.Sleep(20 * time.Millisecond) // wall time passes; the held clock does not
	if got := c.Now(); !got.Equal(held) {
		t.Fatalf("held at %s, reads %s", held, got)
	}
	if again := c.Hold(); !again.Equal(held) {
		t.Fatalf("holding again moved it to %s", again)
	}
	if got := c.Advance(time.Hour); !got.Equal(held.Add(time.Hour)) {
		t.Fatalf("an advance of a held clock reads %s, want %s", got, held.Add(time.Hour))
	}
	released := c.Release()
	if released.Before(held.Add(time.Hour)) || released.Sub(held.Add(time.Hour)) > time.Second {
		t.Fatalf("released at %s, want from %s on", released, held.Add(time.Hour))
	}
	if later := c.Now(); later.Before(released) {
		t.Fatalf("the clock went back: %s after %s", later, released)
	}
}

// Another process keeps an Offset clock's time through the file it
// publishes: held, moved, released, and after the file is gone.
func TestFollow_KeepsThePublishedClock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clock")
	o := StartingAt(time.Date(2040, 3, 2, 4, 0, 0, 0, time.UTC))
	if err := o.Publish(path); err != nil {
		t.Fatal(err)
	}
	f := Follow(path)
	if d := f.Now().Sub(o.Now()); d < -time.Second || d > time.Second {
		t.Fatalf("followed %v, published %v", f.Now(), o.Now())
	}
	held := o.Hold()
	if got := f.Now(); !got.Equal(held) {
		t.Fatalf("held at %v, followed %v", held, got)
	}
	o.Advance(36 * time.Hour)
	if got, want := f.Now(), held.Add(36*time.Hour); !got.Equal(want) {
		t.Fatalf("advanced: followed %v, want %v", got, want)
	}
	o.Release()
	if d := f.Now().Sub(o.Now()); d < -time.Second || d > time.Second {
		t.Fatalf("released: followed %v, published %v", f.Now(), o.Now())
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if d := f.Now().Sub(o.Now()); d < -time.Second || d > time.Second {
		t.Fatalf("the file gone: followed %v, the last published %v", f.Now(), o.Now())
	}
}
