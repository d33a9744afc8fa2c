package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// report logs what a tick or a stream batch did and, with Config.Metrics,
// writes it as one CloudWatch embedded-metric-format line.
func (n *Notifier) report(ctx context.Context, what string, st Stats, took time.Duration) {
	attrs := []any{"run", what, "delivered", st.Delivered, "skipped", st.Skipped, "retried", st.Retried,
		"dead", st.Dead, "failures", st.Failures, "lost", st.Lost, "ms", took.Milliseconds()}
	if st == (Stats{}) {
		n.cfg.Log.DebugContext(ctx, "notify: run", attrs...)
	} else {
		n.cfg.Log.InfoContext(ctx, "notify: run", attrs...)
	}
	if n.cfg.Metrics == nil {
		return
	}
	names := []string{"NotificationsDelivered", "NotificationsSkipped", "NotificationsRetried", "NotificationsDead", "NotificationFailures"}
	defs := make([]map[string]string, 0, len(names)+1)
	for _, m := range names {
		defs = append(defs, map[string]string{"Name": m, "Unit": "Count"})
	}
	defs = append(defs, map[string]string{"Name": "NotifierMilliseconds", "Unit": "Milliseconds"})
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": n.cfg.Now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  n.cfg.Namespace,
				"Dimensions": [][]string{{"Stage"}},
				"Metrics":    defs,
			}},
		},
		"Stage":                  n.cfg.Stage,
		"NotificationsDelivered": st.Delivered,
		"NotificationsSkipped":   st.Skipped,
		"NotificationsRetried":   st.Retried,
		"NotificationsDead":      st.Dead,
		"NotificationFailures":   st.Failures,
		"NotifierMilliseconds":   took.Milliseconds(),
	}
	b, err := json.Marshal(line)
	if err != nil {
		return
	}
	n.metrics.Lock()
	defer n.metrics.Unlock()
	fmt.Fprintln(n.cfg.Metrics, string(b))
}
