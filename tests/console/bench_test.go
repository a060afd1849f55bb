package console

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// The console's figures (docs/performance.md): for each main page, the
// server time at 10 people using it at once (p50/p99, over loopback HTTP
// through the local gateway), the API calls it made (X-Souq-Api-Calls) and
// its bytes (HTML, with the CSS and JS it loads; those are cached after
// the first page).
func BenchmarkConsole_Pages(b *testing.B) {
	t := b
	m := newMarket(t)
	adv := m.advertiser.get("/console/offerings/" + m.offeringID)
	adv.press("Book", map[string]string{"desiredDate": platformDate(12), "content.title": "Bench", "content.body": "Body", "content.link": "https://acme.example"})
	spn := adv.url[strings.LastIndex(adv.url, "/")+1:]
	const people = 10
	owners := make([]*person, people)
	for i := range owners {
		owners[i] = signIn(t, m.owner.id, "/console/")
	}
	pages := []struct{ name, path string }{
		{"home", "/console/"},
		{"community", "/console/communities/" + m.communityID},
		{"sponsorship", "/console/sponsorships/" + spn},
		{"reviews", "/console/communities/" + m.communityID + "/reviews"},
		{"payouts", "/console/payouts"},
	}
	assets := assetBytes(b, owners[0])
	for _, pg := range pages {
		b.Run(pg.name, func(b *testing.B) {
			var mu sync.Mutex
			var lat []time.Duration
			var calls, size int
			b.ResetTimer()
			var wg sync.WaitGroup
			per := b.N/people + 1
			for _, o := range owners {
				wg.Add(1)
				go func(o *person) {
					defer wg.Done()
					for i := 0; i < per; i++ {
						start := time.Now()
						resp, err := o.c.Get(base + pg.path)
						if err != nil {
							b.Error(err)
							return
						}
						body, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						d := time.Since(start)
						if resp.StatusCode != http.StatusOK {
							b.Errorf("%s: %d", pg.path, resp.StatusCode)
							return
						}
						n, _ := strconv.Atoi(resp.Header.Get("X-Souq-Api-Calls"))
						mu.Lock()
						lat = append(lat, d)
						calls, size = n, len(body)
						mu.Unlock()
					}
				}(o)
			}
			wg.Wait()
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			if len(lat) == 0 {
				return
			}
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(calls), "api-calls/page")
			b.ReportMetric(float64(size), "html-bytes")
			b.ReportMetric(float64(size+assets.css+assets.js), "page+assets-bytes")
			b.ReportMetric(float64(assets.js), "js-bytes")
		})
	}
}

type assetSizes struct{ css, js int }

func assetBytes(b *testing.B, p *person) assetSizes {
	p.get("/console/")
	var out assetSizes
	p.page.Find(`link[rel="stylesheet"], script[src]`).Each(func(_ int, s *goquery.Selection) {
		href, ok := s.Attr("href")
		if !ok {
			href, _ = s.Attr("src")
		}
		resp, err := p.c.Get(base + href)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.HasSuffix(strings.Split(href, "?")[0], ".js") {
			out.js += len(body)
		} else {
			out.css += len(body)
		}
	})
	fmt.Printf("console assets: %d bytes of CSS, %d bytes of JS\n", out.css, out.js)
	return out
}
