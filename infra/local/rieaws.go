package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/creatives"
	"github.com/souqhq/souq/shared/id"
)

// awsStandIn is the loopback endpoint of the AWS APIs the functions' real
// binaries call that the platform has no server of its own for: Secrets
// Manager's GetSecretValue, EventBridge's PutEvents, Scheduler's
// CreateSchedule and DeleteSchedule, and S3's PutObject. The binaries reach
// it through AWS_ENDPOINT_URL_<SERVICE>, as the SDK reads it; each call is
// routed by the service its SigV4 signature names, and lands on the same
// bus, scheduler and creatives store the in-process functions use. It
// answers only what those calls need, in the APIs' own wire formats
// (awsJson1_1 and restJson1, and S3's REST), so that the SDK decodes its
// answers and errors as AWS's.
type awsStandIn struct {
	secrets   map[string]string // by id: ARN or name
	bus       *Bus
	sched     *Scheduler
	creatives creatives.Store
	log       *slog.Logger

	server   *http.Server
	listener net.Listener
	URL      string
}

// maxStandInBody bounds a request: PutEvents takes 256 KB, a creative a
// few MB.
const maxStandInBody = 16 << 20

func (a *awsStandIn) start() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	a.listener, a.URL = l, "http://"+l.Addr().String()
	a.server = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.server.Serve(l) }()
	return nil
}

func (a *awsStandIn) close() {
	if a.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = a.server.Shutdown(ctx)
		cancel()
	}
}

// signedService is the service a SigV4 Authorization header's credential
// scope names (Credential=KEY/date/region/service/aws4_request).
func signedService(r *http.Request) string {
	_, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}

func (a *awsStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxStandInBody))
	if err != nil {
		awsJSONError(w, http.StatusBadRequest, "SerializationException", "the body could not be read")
		return
	}
	switch svc, target := signedService(r), r.Header.Get("X-Amz-Target"); {
	case svc == "secretsmanager" && target == "secretsmanager.GetSecretValue":
		a.getSecretValue(w, body)
	case svc == "events" && target == "AWSEvents.PutEvents":
		a.putEvents(r.Context(), w, body)
	case svc == "scheduler" && strings.HasPrefix(r.URL.Path, "/schedules/"):
		a.schedule(r.Context(), w, r, body)
	case svc == "s3" && r.Method == http.MethodPut:
		a.putObject(r.Context(), w, r, body)
	default:
		a.log.Warn("a call the local AWS stand-in does not serve", "service", svc, "target", target, "method", r.Method, "path", r.URL.Path)
		awsJSONError(w, http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("the local platform does not serve %s %s (%s)", svc, target, r.URL.Path))
	}
}

func awsJSONError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

func awsJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(v)
}

// getSecretValue answers a secret's current value. No secret here was
// ever rotated, so AWSPREVIOUS is absent, as in AWS.
func (a *awsStandIn) getSecretValue(w http.ResponseWriter, body []byte) {
	var in struct {
		SecretID     string `json:"SecretId"`
		VersionStage string `json:"VersionStage"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		awsJSONError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	value, ok := a.secrets[in.SecretID]
	if !ok || (in.VersionStage != "" && in.VersionStage != "AWSCURRENT") {
		awsJSONError(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	awsJSON(w, map[string]any{"ARN": in.SecretID, "Name": in.SecretID, "SecretString": value,
		"VersionId": "00000000-0000-0000-0000-000000000001", "VersionStages": []string{"AWSCURRENT"}})
}

// putEvents publishes the entries on the local bus.
func (a *awsStandIn) putEvents(ctx context.Context, w http.ResponseWriter, body []byte) {
	var in struct {
		Entries []struct {
			Source, DetailType, Detail, EventBusName string
			Time                                     *float64
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		awsJSONError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	batch := make([]events.Envelope, len(in.Entries))
	for i, e := range in.Entries {
		at := time.Now().UTC()
		if e.Time != nil {
			sec, frac := math.Modf(*e.Time)
			at = time.Unix(int64(sec), int64(math.Round(frac*1e3))*int64(time.Millisecond)).UTC()
		}
		batch[i] = events.Envelope{ID: id.New("ebe", at), Source: e.Source, DetailType: e.DetailType, Time: at, Detail: json.RawMessage(e.Detail)}
	}
	errs, err := a.bus.Publish(ctx, batch)
	if err != nil {
		awsJSONError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	type entry struct {
		EventID      string `json:"EventId,omitempty"`
		ErrorCode    string `json:"ErrorCode,omitempty"`
		ErrorMessage string `json:"ErrorMessage,omitempty"`
	}
	out := struct {
		Entries          []entry
		FailedEntryCount int
	}{Entries: make([]entry, len(batch))}
	for i := range batch {
		if errs[i] != nil {
			out.Entries[i] = entry{ErrorCode: "MalformedDetail", ErrorMessage: errs[i].Error()}
			out.FailedEntryCount++
			continue
		}
		out.Entries[i] = entry{EventID: batch[i].ID}
	}
	awsJSON(w, out)
}

// schedule is CreateSchedule (POST /schedules/{Name}) and DeleteSchedule
// (DELETE /schedules/{Name}): one-time at() schedules whose target is the
// function that made them, named by its ARN.
func (a *awsStandIn) schedule(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) {
	name, err := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/schedules/"))
	if err != nil || name == "" {
		restJSONError(w, http.StatusBadRequest, "ValidationException", "a schedule needs a name")
		return
	}
	switch r.Method {
	case http.MethodDelete:
		_ = a.sched.Cancel(ctx, name)
		restJSON(w, map[string]any{})
	case http.MethodPost:
		var in struct {
			ScheduleExpression string
			Target             struct{ Arn, Input string }
		}
		if err := json.Unmarshal(body, &in); err != nil {
			restJSONError(w, http.StatusBadRequest, "ValidationException", err.Error())
			return
		}
		when, ok := strings.CutPrefix(in.ScheduleExpression, "at(")
		at, err := time.Parse("2006-01-02T15:04:05", strings.TrimSuffix(when, ")"))
		if !ok || err != nil {
			restJSONError(w, http.StatusBadRequest, "ValidationException", "only at() expressions are served locally, not "+in.ScheduleExpression)
			return
		}
		// arn:aws:lambda:<region>:<account>:function:<name>
		target := in.Target.Arn[strings.LastIndex(in.Target.Arn, ":")+1:]
		if err := a.sched.Once(ctx, name, at.UTC(), target, json.RawMessage(in.Target.Input)); err != nil {
			restJSONError(w, http.StatusInternalServerError, "InternalServerException", err.Error())
			return
		}
		restJSON(w, map[string]string{"ScheduleArn": "arn:aws:scheduler:us-east-1:000000000000:schedule/souq/" + name})
	default:
		restJSONError(w, http.StatusBadRequest, "ValidationException", r.Method+" is not served locally")
	}
}

func restJSONError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Message": msg})
}

func restJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// putObject keeps a creative's bytes (PUT /<bucket>/<key>, path-style as
// the SDK addresses an IP endpoint) where the gateway serves them.
func (a *awsStandIn) putObject(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) {
	_, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || key == "" || a.creatives == nil {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if err := a.creatives.Put(ctx, key, r.Header.Get("Content-Type"), body); err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("ETag", `"`+id.New("etag", time.Now())+`"`)
	w.WriteHeader(http.StatusOK)
}
