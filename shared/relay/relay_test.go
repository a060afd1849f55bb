package relay

import (
	"context"
	"errors"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
)

type recordingBus struct {
	published []string
	failAt    string // event id whose publication fails
}

func (b *recordingBus) Publish(_ context.Context, batch []events.Envelope) ([]error, error) {
	errs := make([]error, len(batch))
	for i, e := range batch {
		if e.ID == b.failAt {
			errs[i] = errors.New("throttled")
			continue
		}
		b.published = append(b.published, e.ID)
	}
	return errs, nil
}

func insert(seq, id string) lambdaevents.DynamoDBEventRecord {
	return lambdaevents.DynamoDBEventRecord{EventName: "INSERT", Change: lambdaevents.DynamoDBStreamRecord{
		SequenceNumber: seq,
		NewImage: map[string]lambdaevents.DynamoDBAttributeValue{
			"pk":         lambdaevents.NewStringAttribute(id),
			"source":     lambdaevents.NewStringAttribute("souq.accounts"),
			"detailType": lambdaevents.NewStringAttribute("CommunityCreated"),
			"detail":     lambdaevents.NewStringAttribute(`{"eventId":"` + id + `"}`),
			"occurredAt": lambdaevents.NewStringAttribute("2026-11-23T10:00:00.000Z"),
		},
	}}
}

func TestHandle_PublishesInsertsInOrderAndIgnoresRemovals(t *testing.T) {
	bus := &recordingBus{}
	h := &Handler{Bus: bus}
	ev := lambdaevents.DynamoDBEvent{}
	for i := 0; i < 23; i++ {
		ev.Records = append(ev.Records, insert(string(rune('a'+i)), "evt_"+string(rune('a'+i))))
	}
	ev.Records = append(ev.Records, lambdaevents.DynamoDBEventRecord{EventName: "REMOVE"})
	resp, err := h.Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatal(err, resp)
	}
	if len(bus.published) != 23 || bus.published[0] != "evt_a" || bus.published[22] != "evt_w" {
		t.Fatalf("published %v", bus.published)
	}
}

// A failed entry stops the batch there: it is reported so the stream
// retries from it, and nothing after it is published out of order.
func TestHandle_StopsAtTheFirstFailure(t *testing.T) {
	bus := &recordingBus{failAt: "evt_c"}
	h := &Handler{Bus: bus}
	ev := lambdaevents.DynamoDBEvent{Records: []lambdaevents.DynamoDBEventRecord{
		insert("1", "evt_a"), insert("2", "evt_b"), insert("3", "evt_c"), insert("4", "evt_d"),
	}}
	resp, _ := h.Handle(context.Background(), ev)
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "3" {
		t.Fatalf("failures = %+v, want sequence 3", resp.BatchItemFailures)
	}
	// evt_d was in the same PutEvents batch and may have been accepted; the
	// retry from 3 republishes it (at least once), but evt_c is never skipped.
	if bus.published[0] != "evt_a" || bus.published[1] != "evt_b" {
		t.Fatalf("published %v", bus.published)
	}
}

func TestHandle_MalformedItemIsReportedNotSkipped(t *testing.T) {
	bus := &recordingBus{}
	h := &Handler{Bus: bus}
	broken := insert("2", "evt_b")
	broken.Change.NewImage["detail"] = lambdaevents.NewStringAttribute("{not json")
	resp, _ := h.Handle(context.Background(), lambdaevents.DynamoDBEvent{Records: []lambdaevents.DynamoDBEventRecord{insert("1", "evt_a"), broken, insert("3", "evt_c")}})
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "2" || len(bus.published) != 1 {
		t.Fatalf("failures %+v, published %v", resp.BatchItemFailures, bus.published)
	}
}
