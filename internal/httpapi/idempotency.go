package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// IdempotencyHeader names the header that makes a staff POST safe to retry.
const IdempotencyHeader = "Idempotency-Key"

// replayedHeaders are the response headers a replay repeats.
var replayedHeaders = []string{"Content-Type", "Location", "ETag"}

// captureWriter records a response while passing it through.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}

// idempotent makes a POST honour Idempotency-Key: the first request with a
// key runs and its response is kept; a retry with the same key and body
// gets that response again without a second write; the same key with a
// different request gets 422. Records are scoped to the caller's key id and
// expire after Config.IdempotencyTTL.
func (h *Handler) idempotent(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(IdempotencyHeader)
		if key == "" {
			next(w, r)
			return
		}
		if len(key) > 255 || !visibleASCII(key) {
			writeProblem(w, r, http.StatusBadRequest, centre.EINVALID,
				"Idempotency-Key must be 1-255 visible ASCII characters", nil)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
		if err != nil {
			writeProblem(w, r, http.StatusRequestEntityTooLarge, "too_large", "the request body is too large", nil)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.New()
		sum.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
		sum.Write(body)
		now := time.Now().UTC()
		rec := &centre.IdempotencyRecord{
			Scope: principal(r.Context()).KeyID, Key: key, RequestHash: hex.EncodeToString(sum.Sum(nil)),
			CreatedAt: now, ExpiresAt: now.Add(h.cfg.IdempotencyTTL),
		}
		withhold := &withheldBody{}
		r = r.WithContext(context.WithValue(r.Context(), keyWithheld, withhold))
		ctx := r.Context()
		existing, err := h.cfg.Service.Store.ClaimIdempotency(ctx, rec)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if existing != nil {
			h.replay(w, r, rec, existing)
			return
		}
		cw := &captureWriter{ResponseWriter: w}
		next(cw, r)
		// Keep the outcome even if the client went away meanwhile.
		saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if cw.status >= 500 || cw.status == 0 {
			if err := h.cfg.Service.Store.ReleaseIdempotency(saveCtx, rec.Scope, rec.Key); err != nil {
				logger(ctx).ErrorContext(ctx, "release idempotency record", slog.String("error", err.Error()))
			}
			return
		}
		rec.Done, rec.Status, rec.Body = true, cw.status, cw.body.Bytes()
		if withhold.secret {
			// The response carries a secret: keep only its digest, so that
			// no store, backup or reader of the table ever holds it.
			digest := sha256.Sum256(rec.Body)
			rec.Body, rec.BodyDigest = nil, hex.EncodeToString(digest[:])
		}
		for _, name := range replayedHeaders {
			if v := cw.Header().Get(name); v != "" {
				rec.Header = append(rec.Header, name, v)
			}
		}
		if err := h.cfg.Service.Store.CompleteIdempotency(saveCtx, rec); err != nil {
			logger(ctx).ErrorContext(ctx, "complete idempotency record", slog.String("error", err.Error()))
		}
	}
}

// replay answers a repeated Idempotency-Key: 422 for a different request,
// the stored response once the first request has finished (waiting for it
// a little), or 409 if it is still running.
func (h *Handler) replay(w http.ResponseWriter, r *http.Request, rec, existing *centre.IdempotencyRecord) {
	deadline := time.Now().Add(idempotencyWait)
	for {
		if existing.RequestHash != rec.RequestHash {
			writeProblem(w, r, http.StatusUnprocessableEntity, "idempotency_mismatch",
				"this Idempotency-Key was already used for a different request; use a new key", nil)
			return
		}
		if existing.Done && existing.BodyDigest != "" {
			writeProblem(w, r, http.StatusConflict, "idempotency_secret_withheld", withheldDetail(r, existing), nil)
			return
		}
		if existing.Done {
			for i := 0; i+1 < len(existing.Header); i += 2 {
				w.Header().Set(existing.Header[i], existing.Header[i+1])
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(existing.Status)
			_, _ = w.Write(existing.Body)
			return
		}
		if time.Now().After(deadline) {
			writeProblem(w, r, http.StatusConflict, "idempotency_in_progress",
				"a request with this Idempotency-Key is still being processed; retry shortly", nil)
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(25 * time.Millisecond):
		}
		again, err := h.cfg.Service.Store.ClaimIdempotency(r.Context(), rec)
		switch {
		case err != nil:
			writeError(w, r, err)
			return
		case again == nil:
			// The first request failed and released its claim: the key is
			// ours now, but this request must run from the start.
			if err := h.cfg.Service.Store.ReleaseIdempotency(r.Context(), rec.Scope, rec.Key); err != nil && !errors.Is(err, context.Canceled) {
				logger(r.Context()).ErrorContext(r.Context(), "release idempotency record", slog.String("error", err.Error()))
			}
			writeProblem(w, r, http.StatusConflict, "idempotency_retry",
				"the first request with this Idempotency-Key failed; retry it", nil)
			return
		}
		existing = again
	}
}

const idempotencyWait = 5 * time.Second

// withheldBody is set by a handler whose response carries a secret that
// is shown once (see withholdBody).
type withheldBody struct{ secret bool }

// withholdBody marks the response to r as carrying a secret that must not
// be kept: under Idempotency-Key only its digest is stored, and a replay
// is refused with 409 instead of showing the secret a second time.
func withholdBody(r *http.Request) {
	if wb, ok := r.Context().Value(keyWithheld).(*withheldBody); ok {
		wb.secret = true
	}
}

// withheldDetail explains why a replay of a secret-bearing response is
// refused, and what to do instead.
func withheldDetail(r *http.Request, rec *centre.IdempotencyRecord) string {
	d := "this request was already carried out (status " + strconv.Itoa(rec.Status) +
		"); its response held a secret, which is shown only once and is not kept"
	for i := 0; i+1 < len(rec.Header); i += 2 {
		if rec.Header[i] == "Location" {
			d += "; what it created is at " + rec.Header[i+1]
		}
	}
	if strings.HasSuffix(r.URL.Path, "/previews") {
		return d + ". Create a new preview link (without this Idempotency-Key)"
	}
	return d + ". List the keys to find the key it made; if its secret is lost, revoke that key and create a new one with a new Idempotency-Key"
}

func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}
