package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"infocentre/internal/centre"
)

// Sign returns the webhook-signature header of a message (Standard
// Webhooks): "v1," and the base64 HMAC-SHA256 of "id.timestamp.body",
// keyed with the bytes of the secret (the base64 after "whsec_").
// Returns an error if the secret is malformed.
func Sign(secret, msgID string, timestamp int64, body []byte) (string, error) {
	raw, ok := strings.CutPrefix(secret, centre.WebhookSecretPrefix)
	if !ok {
		return "", fmt.Errorf("webhook: the secret does not start with %q", centre.WebhookSecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return "", fmt.Errorf("webhook: the secret is not base64: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}
