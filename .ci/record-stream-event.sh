#!/usr/bin/env bash
# Records testdata/stream/dynamodb-stream.json: the DynamoDB Stream records
# (NEW_AND_OLD_IMAGES) of the table while the infocentre CLI creates the
# site "edge" and publishes testdata/stream/boil-water.md, as moto_server's
# DynamoDB Streams gives them, in the Lambda event's form. The edge tests
# decode it (internal/edge TestRecordedStreamEvent) and the sam local e2e
# invokes the edge function with it. Run again after a change of the
# table's item format; it starts and stops its own moto_server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup-moto.sh
out=testdata/stream/dynamodb-stream.json
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null && break; sleep 0.5; done
export AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1 AWS_ACCESS_KEY_ID=record AWS_SECRET_ACCESS_KEY=record
export DYNAMODB_TABLE=infocentre-record DYNAMODB_ENDPOINT="http://127.0.0.1:$port" CURSOR_SECRET=recording-cursor-secret-0123456789
go build -o "$work/infocentre" ./cmd/infocentre
"$work/infocentre" table create >/dev/null
python3 - "http://127.0.0.1:$port" <<'PY'
import sys, boto3
boto3.client("dynamodb", endpoint_url=sys.argv[1]).update_table(TableName="infocentre-record",
    StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
PY
"$work/infocentre" site create --store dynamodb --slug edge --title "Edge test centre" \
  --publisher "Valley Water Board" --email press@example.org >/dev/null
cp testdata/stream/boil-water.md "$work/entry.md"
"$work/infocentre" entry push --store dynamodb --site edge "$work/entry.md" >/dev/null
"$work/infocentre" entry publish --store dynamodb --site edge boil-water-notice >/dev/null
python3 - "http://127.0.0.1:$port" "$out" <<'PY'
import json, sys, boto3
ep, out = sys.argv[1], sys.argv[2]
ddb = boto3.client("dynamodb", endpoint_url=ep)
arn = ddb.describe_table(TableName="infocentre-record")["Table"]["LatestStreamArn"]
st = boto3.client("dynamodbstreams", endpoint_url=ep)
records = []
for shard in st.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
    it = st.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    for _ in range(100):
        page = st.get_records(ShardIterator=it, Limit=1000)
        records += page["Records"]
        it = page.get("NextShardIterator")
        if not it or not page["Records"]:
            break
def conv(r):
    d = dict(r["dynamodb"])
    if "ApproximateCreationDateTime" in d:
        d["ApproximateCreationDateTime"] = int(d["ApproximateCreationDateTime"].timestamp())
    return {"eventID": r["eventID"], "eventName": r["eventName"], "eventVersion": r.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb", "awsRegion": "eu-west-1", "dynamodb": d,
            "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/infocentre-record/stream/2026-11-30T00:00:00.000"}
# Only what the edge function's filter lets through (template.yaml):
# entry and site items.
keep = [conv(r) for r in records if r["dynamodb"]["Keys"]["PK"]["S"].startswith(("S#", "SITE#"))]
with open(out, "w") as f:
    json.dump({"Records": keep}, f, indent=1, sort_keys=True)
    f.write("\n")
print(f"record-stream-event: {len(records)} records, {len(keep)} kept in {out}", file=sys.stderr)
PY
