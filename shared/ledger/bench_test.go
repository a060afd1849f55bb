package ledger_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
)

// benchHolds places holds from parallel goroutines on `accounts`
// advertisers and reports transfers/s and latency percentiles.
func benchHolds(b *testing.B, accounts int) {
	l, _ := newLedger(b)
	accts := make([]ledger.Account, accounts)
	for i := range accts {
		accts[i] = ledger.Advertiser(fmt.Sprintf("adv_b%d", i))
		deposit(b, l, fmt.Sprintf("dep_b%d", i), accts[i], 1<<40)
	}
	var seq atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(8) // 16 goroutines on 2 cores: the store is the bottleneck
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			n := seq.Add(1)
			op, err := l.PrepareHold(fmt.Sprintf("bid_%d", n), accts[int(n)%accounts], "USD", 100, t0)
			if err != nil {
				b.Error(err)
				return
			}
			t := time.Now()
			if err := l.Apply(context.Background(), op); err != nil && fault.KindOf(err) != fault.InsufficientFunds {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "transfers/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

func BenchmarkHold_OneHotAdvertiser(b *testing.B) { benchHolds(b, 1) }
func BenchmarkHold_Spread100(b *testing.B)        { benchHolds(b, 100) }

// The write capacity units a hold and a capture consume, and how many
// items each transaction touches (ReturnConsumedCapacity).
func BenchmarkCapacity_HoldAndCapture(b *testing.B) {
	l, db := newLedger(b)
	ctx := context.Background()
	adv, com := ledger.Advertiser("adv_wcu"), ledger.Community("com_wcu")
	deposit(b, l, "dep_wcu", adv, 1<<40)
	measure := func(op ledger.Op) (float64, int) {
		out, err := db.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: op.Items(), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		})
		if err != nil {
			b.Fatal(err)
		}
		var wcu float64
		for _, c := range out.ConsumedCapacity {
			if c.CapacityUnits != nil {
				wcu += *c.CapacityUnits
			}
		}
		return wcu, len(op.Parts)
	}
	var holdWCU, capWCU float64
	var holdItems, capItems int
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("bid_wcu_%d", i)
		hold, _ := l.PrepareHold(id, adv, "USD", 1000, t0)
		holdWCU, holdItems = measure(hold)
		capture, _ := l.PrepareCapture(ledger.Hold{ID: id, Account: adv, Currency: "USD", Amount: 1000},
			[]ledger.Credit{{Account: com, Amount: 850}, {Account: ledger.PlatformFees, Amount: 100}}, t0)
		capWCU, capItems = measure(capture)
	}
	b.ReportMetric(holdWCU, "WCU-hold")
	b.ReportMetric(float64(holdItems), "items-hold")
	b.ReportMetric(capWCU, "WCU-capture")
	b.ReportMetric(float64(capItems), "items-capture")
}
