#!/usr/bin/env python3
"""Translates SAM templates with SAM's own translator (samtranslator, from the
SAM CLI virtualenv) and checks what only a real deployment would otherwise
find out:

  - every OpenAPI `servers` entry of an HTTP API has a `url`: API Gateway
    warns about one without, and FailOnWarnings turns the warning into a
    failed create (aws/serverless-application-model#2424);
  - the publisher has no Lambda retry and an on-failure destination, and a
    timeout shorter than its schedule.

Usage: check-sam-translate.py TEMPLATE [--expect-fail]
Each template is translated with the default parameters and with a custom
domain, a KMS key and console single sign-on set. --expect-fail inverts the exit status (for the fixture that
proves the check can fail). Exit 0 when the checks pass.
"""
import copy
import os
import json
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class OfflineManagedPolicies:
    """The managed policy loader samtranslator asks for ARNs of AWS managed
    policies; the translator ships their ARNs itself, so nothing is needed
    from IAM."""

    def load(self):
        return {}


PARAMETER_SETS = [
    {},
    {
        "HostName": "info.example.org",
        "CertificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-0000-1111-2222-333344445555",
        "AlarmTopicArn": "arn:aws:sns:eu-west-1:123456789012:infocentre-alarms",
        "KmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-1111-2222-333344445555",
        # Console single sign-on on (its secret policy is conditional).
        "PublicOrigin": "https://info.example.org",
        "OidcIssuer": "https://login.example.org",
        "OidcClientId": "infocentre",
        "OidcClientSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:infocentre-oidc-AbCdEf",
        "OidcName": "Example ID",
    },
]

PSEUDO = {"AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
          "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "infocentre-check"}


def walk(node, path=()):
    """Yields (path, value) for every node."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (str(i),))


def check(translated):
    problems = []
    apis = 0
    for name, res in translated.get("Resources", {}).items():
        if res.get("Type") != "AWS::ApiGatewayV2::Api":
            continue
        apis += 1
        body = res.get("Properties", {}).get("Body", {})
        for path, value in walk(body):
            if path and path[-1] == "servers":
                entries = value if isinstance(value, list) else [value]
                for i, entry in enumerate(entries):
                    if not isinstance(entry, dict) or "url" not in entry:
                        problems.append(f"{name}: OpenAPI servers entry {i} at {'/'.join(path)} has no url: {json.dumps(entry)}"
                                        " (API Gateway warns, and FailOnWarnings fails the create)")
    if apis == 0:
        problems.append("no AWS::ApiGatewayV2::Api in the translated template")

    resources = translated.get("Resources", {})
    fn = resources.get("PublisherFunction")
    if fn is not None:
        timeout = fn.get("Properties", {}).get("Timeout", 3)
        if not isinstance(timeout, int) or timeout >= 60:
            problems.append(f"PublisherFunction: timeout {timeout}s is not shorter than its one-minute schedule")
        cfgs = [r for r in resources.values() if r.get("Type") == "AWS::Lambda::EventInvokeConfig"
                and r.get("Properties", {}).get("FunctionName") == {"Ref": "PublisherFunction"}]
        if len(cfgs) != 1:
            problems.append(f"PublisherFunction: {len(cfgs)} EventInvokeConfig resources, want 1")
        else:
            p = cfgs[0]["Properties"]
            if p.get("MaximumRetryAttempts") != 0:
                problems.append(f"PublisherFunction: MaximumRetryAttempts {p.get('MaximumRetryAttempts')}, want 0")
            if not p.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"):
                problems.append("PublisherFunction: no on-failure destination")
    return problems


def main(argv):
    # The translator reads the region from the environment (boto3 session).
    os.environ.setdefault("AWS_DEFAULT_REGION", PSEUDO["AWS::Region"])
    os.environ.setdefault("AWS_REGION", PSEUDO["AWS::Region"])
    args = [a for a in argv[1:] if not a.startswith("--")]
    expect_fail = "--expect-fail" in argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with open(args[0]) as f:
        template = yaml_parse(f.read())
    # What `sam package` does before CloudFormation sees the template: local
    # code is uploaded and CodeUri becomes an S3 location.
    for res in template.get("Resources", {}).values():
        props = res.get("Properties") or {}
        if res.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str) \
                and not props["CodeUri"].startswith("s3://"):
            props["CodeUri"] = "s3://infocentre-check/" + props["CodeUri"].replace("/", "-") + ".zip"
    problems = []
    for params in PARAMETER_SETS:
        values = dict(PSEUDO)
        values.update(params)
        try:
            out = transform(copy.deepcopy(template), values, OfflineManagedPolicies())
        except Exception as e:  # the translator's own validation errors
            problems.append(f"translation with {params or 'defaults'} failed: {e}")
            continue
        problems += [f"[{'defaults' if not params else 'custom domain'}] {p}" for p in check(out)]
    for p in problems:
        print(f"check-sam-translate: {args[0]}: {p}", file=sys.stderr)
    if expect_fail:
        if not problems:
            print(f"check-sam-translate: {args[0]}: expected a failure, found none", file=sys.stderr)
            return 1
        print(f"check-sam-translate: {args[0]}: fails as expected")
        return 0
    if problems:
        return 1
    print(f"check-sam-translate: {args[0]}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
