package lambdaadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func loadScheduleEvent(t *testing.T) events.EventBridgeEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "eventbridge-scheduled.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestScheduleRunsOnce(t *testing.T) {
	ev := loadScheduleEvent(t)
	if ev.DetailType != "Scheduled Event" || !ev.Time.Equal(time.Date(2026, 11, 26, 18, 6, 0, 0, time.UTC)) {
		t.Fatalf("fixture not parsed: %+v", ev)
	}
	calls := 0
	var logs bytes.Buffer
	h := Schedule("publish", func(context.Context) (int, error) { calls++; return 3, nil }, slog.New(slog.NewJSONHandler(&logs, nil)))
	res, err := h(context.Background(), ev)
	if err != nil || res.Done != 3 || calls != 1 {
		t.Fatalf("res %+v err %v calls %d", res, err, calls)
	}
	b, _ := json.Marshal(res)
	if string(b) != `{"done":3}` {
		t.Errorf("result JSON %s", b)
	}
	if !strings.Contains(logs.String(), `"event_id":"5b0d2a0e-3c9f-4f8e-8d1c-2a7e6b4c9f10"`) {
		t.Errorf("log lacks the event id: %s", logs.String())
	}
}

func TestScheduleFailureHidesDetail(t *testing.T) {
	var logs bytes.Buffer
	h := Schedule("publish", func(context.Context) (int, error) {
		return 1, errors.New("dynamodb: throttled at item SITE#x")
	}, slog.New(slog.NewJSONHandler(&logs, nil)))
	res, err := h(context.Background(), loadScheduleEvent(t))
	if err == nil || res.Done != 1 {
		t.Fatalf("res %+v err %v", res, err)
	}
	if strings.Contains(err.Error(), "SITE#") {
		t.Errorf("error %q leaks detail", err)
	}
	if !strings.Contains(logs.String(), "SITE#x") {
		t.Errorf("log lacks the detail: %s", logs.String())
	}
}
