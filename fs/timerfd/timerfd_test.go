package timerfd

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/runos-project/runos/kernel/kerr"
)

// TestCount drives a timer with a clock the test moves by hand, so the
// expiration count is exact.
func TestCount(t *testing.T) {
	cases := []struct {
		name      string
		set       Setting
		absolute  bool
		advance   time.Duration
		wantTicks uint64 // 0: EAGAIN
		wantLeft  time.Duration
	}{
		{"not yet", Setting{Value: time.Hour}, false, 30 * time.Minute, 0, 30 * time.Minute},
		{"one-shot", Setting{Value: time.Hour}, false, 2 * time.Hour, 1, 0},
		{"periodic", Setting{Value: time.Hour, Interval: time.Hour}, false, 3*time.Hour + time.Minute, 3, 59 * time.Minute},
		{"absolute past", Setting{Value: time.Second}, true, 0, 1, 0},
		{"disarmed", Setting{}, false, 5 * time.Hour, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := 100 * time.Hour
			f := New(func() time.Duration { return now })
			defer f.Close()
			f.Set(c.set, c.absolute)
			now += c.advance
			var b [8]byte
			n, err := f.Read(b[:])
			switch {
			case c.wantTicks == 0 && err != kerr.EAGAIN:
				t.Errorf("read: %d, %v; want EAGAIN", n, err)
			case c.wantTicks != 0 && (err != nil || binary.LittleEndian.Uint64(b[:]) != c.wantTicks):
				t.Errorf("read: %d, %v, count %d; want %d", n, err, binary.LittleEndian.Uint64(b[:]), c.wantTicks)
			}
			if got := f.Get().Value; got != c.wantLeft {
				t.Errorf("time left %v, want %v", got, c.wantLeft)
			}
		})
	}
}
