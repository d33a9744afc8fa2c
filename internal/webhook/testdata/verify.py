"""Verifies one webhook with the Standard Webhooks reference library (an
implementation independent of infocentre's). Reads {"secret", "headers",
"body"} as JSON on stdin; prints the verified payload and exits 0, or
prints the library's error and exits 1."""
import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

req = json.load(sys.stdin)
try:
    payload = Webhook(req["secret"]).verify(req["body"], req["headers"])
except WebhookVerificationError as e:
    print("verification failed:", e)
    sys.exit(1)
print(json.dumps(payload))
