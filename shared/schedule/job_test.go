package schedule_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/souqhq/souq/shared/schedule"
)

type closeJob struct {
	Job       string `json:"job"`
	AuctionID string `json:"auctionId"`
}

func (j closeJob) Check() error {
	if j.Job != "close-auction" || j.AuctionID == "" {
		return errors.New("not a close with its auction")
	}
	return nil
}

type anyJob struct {
	Job string `json:"job"`
}

func TestDecode_ReadsAGoodPayload(t *testing.T) {
	j, err := schedule.Decode[closeJob](json.RawMessage(`{"job":"close-auction","auctionId":"auc_1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if j != (closeJob{Job: "close-auction", AuctionID: "auc_1"}) {
		t.Fatalf("decoded %+v", j)
	}
}

func TestDecode_RefusesWhatIsNotTheJob(t *testing.T) {
	for name, payload := range map[string]string{
		"unknown field":      `{"job":"close-auction","auctionId":"auc_1","extra":1}`,
		"wrong type":         `{"job":"close-auction","auctionId":7}`,
		"empty":              ``,
		"blank":              " \n",
		"null":               `null`,
		"not an object":      `[1]`,
		"two values":         `{"job":"close-auction","auctionId":"auc_1"}{}`,
		"another job":        `{"job":"sweep-closing"}`,
		"without its id":     `{"job":"close-auction"}`,
		"not JSON":           `close-auction`,
		"an object, cut off": `{"job":"close-auction",`,
	} {
		t.Run(name, func(t *testing.T) {
			j, err := schedule.Decode[closeJob](json.RawMessage(payload))
			if !errors.Is(err, schedule.ErrUnknownJob) {
				t.Fatalf("Decode(%q) = %+v, %v; want ErrUnknownJob", payload, j, err)
			}
			if j != (closeJob{}) {
				t.Fatalf("Decode(%q) gave a half-read job %+v", payload, j)
			}
		})
	}
}

func TestDecode_WithoutCheck_TakesAnyJobOfItsShape(t *testing.T) {
	if _, err := schedule.Decode[anyJob](json.RawMessage(`{"job":"meter"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := schedule.Decode[struct{}](json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := schedule.Decode[struct{}](json.RawMessage(`null`)); !errors.Is(err, schedule.ErrUnknownJob) {
		t.Fatalf("an empty job took null: %v", err)
	}
	if _, err := schedule.Decode[struct{}](json.RawMessage(`{"job":"meter"}`)); !errors.Is(err, schedule.ErrUnknownJob) {
		t.Fatalf("an empty job took a field: %v", err)
	}
}

func TestHandle_RunsTheJobOrNamesTheFunction(t *testing.T) {
	var ran []closeJob
	h := schedule.Handle("auctions", func(_ context.Context, j closeJob) error {
		ran = append(ran, j)
		return nil
	})
	if err := h(context.Background(), json.RawMessage(`{"job":"close-auction","auctionId":"auc_1"}`)); err != nil {
		t.Fatal(err)
	}
	err := h(context.Background(), json.RawMessage(`{"job":"close-auction","auctionId":"auc_1","x":true}`))
	if !errors.Is(err, schedule.ErrUnknownJob) || !strings.HasPrefix(err.Error(), "auctions: ") {
		t.Fatalf("err = %v", err)
	}
	if len(ran) != 1 || ran[0].AuctionID != "auc_1" {
		t.Fatalf("ran %+v", ran)
	}
	boom := errors.New("boom")
	h = schedule.Handle("auctions", func(context.Context, closeJob) error { return boom })
	if err := h(context.Background(), json.RawMessage(`{"job":"close-auction","auctionId":"auc_1"}`)); err != boom {
		t.Fatalf("the job's own error came back as %v", err)
	}
}
