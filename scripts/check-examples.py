#!/usr/bin/env python3
"""Runs the recipes of examples/ on real booking events, as EventBridge would.

Usage: check-examples.py EVENTS.json
    EVENTS.json: a JSON array of events as a rule's target receives them
    (`{"detail-type", "source", "time", "detail", …}`); shared/tests/events.rs writes one
    from every sample of events/ and runs this script with the tools venv's Python.

For each template of examples/ it reads every rule (an AWS::Events::Rule, or a SAM
function's EventBridgeRule event), resolves its pattern with the template's parameter
defaults (and a test value for each parameter without one), matches the events with
moto's own implementation of EventBridge patterns, and applies each target's input
transformer as EventBridge does (a placeholder outside quotes is the value as JSON,
inside quotes its text). It fails, naming the recipe, when a rule matches no event,
matches an event whose booking says clientCommunication DoNotSend (for the recipes that
write to the client), reads a path the event does not have, or produces a body that is
not JSON or not the API's documented shape.
"""
import json
import pathlib
import re
import sys

from cfnlint.decode import decode
from moto.events.models import EventPattern

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Parameters without a default, per recipe: test values.
TEST_PARAMETERS = {
    "EventBusName": "booxi-notify-events",
    "KlaviyoPrivateApiKey": "pk_test",
    "HubSpotAccessToken": "pat-test-0123456789",
    "LineChannelAccessToken": "line-test-token-0123456789",
    "LineModuleId": "line",
    "PlatformApplicationArn": "arn:aws:sns:us-east-1:123456789012:app/APNS/BooxiApp",
}
# Recipes that write to the client: they must leave out clientCommunication DoNotSend.
TO_THE_CLIENT = {"klaviyo-events.yaml", "line-push.yaml", "push-starting-soon.yaml"}


def resolve(value, params):
    """The value with Ref, Fn::Sub and Fn::Join worked out (other functions kept)."""
    if isinstance(value, list):
        return [resolve(v, params) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        name = value["Ref"]
        return params.get(name, value)
    if set(value) == {"Fn::Sub"}:
        arg = value["Fn::Sub"]
        text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], resolve(arg[1], params))
        names = {**params, **extra}
        return re.sub(r"\$\{([A-Za-z0-9_:.]+)\}", lambda m: str(names.get(m.group(1), m.group(0))), text)
    if set(value) == {"Fn::Join"}:
        sep, items = value["Fn::Join"]
        items = resolve(items, params)
        return sep.join(str(i) for i in items)
    return {k: resolve(v, params) for k, v in value.items()}


def path_value(event, path):
    """A JSON path of an input transformer (`$.detail.client.email`, `$.a[0].b`)."""
    node = event
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path.removeprefix("$.")):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(node, list) or index >= len(node):
                raise KeyError(path)
            node = node[index]
        else:
            if not isinstance(node, dict) or part not in node:
                raise KeyError(path)
            node = node[part]
    return node


def transform(event, transformer):
    values = {name: path_value(event, path) for name, path in transformer.get("InputPathsMap", {}).items()}
    template = transformer["InputTemplate"]
    out, quoted, i = [], False, 0
    while i < len(template):
        ch = template[i]
        if ch == '"' and (i == 0 or template[i - 1] != "\\"):
            quoted = not quoted
        m = re.match(r"<([A-Za-z0-9_.-]+)>", template[i:])
        if m and m.group(1) in values:
            value = values[m.group(1)]
            if quoted:
                text = value if isinstance(value, str) else json.dumps(value)
                out.append(json.dumps(text)[1:-1])
            else:
                out.append(json.dumps(value))
            i += len(m.group(0))
            continue
        out.append(ch)
        i += 1
    return json.loads("".join(out))


def rules(template, params):
    """(name, pattern, transformer or None) of every rule of the template."""
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Events::Rule":
            pattern = resolve(props["EventPattern"], params)
            pattern = json.loads(pattern) if isinstance(pattern, str) else pattern
            for target in props.get("Targets", []):
                transformer = target.get("InputTransformer")
                yield f"{name}/{target['Id']}", pattern, resolve(transformer, params) if transformer else None
        if resource["Type"] == "AWS::Serverless::Function":
            for event_name, event in props.get("Events", {}).items():
                if event.get("Type") == "EventBridgeRule":
                    yield f"{name}/{event_name}", resolve(event["Properties"]["Pattern"], params), None


def check_body(recipe, event, body):
    detail = event["detail"]
    if recipe == "klaviyo-events.yaml":
        attributes = body["data"]["attributes"]
        assert body["data"]["type"] == "event"
        assert attributes["metric"]["data"] == {"type": "metric", "attributes": {"name": event["detail-type"]}}
        assert attributes["profile"]["data"] == {"type": "profile", "attributes": {"email": detail["client"]["email"]}}
        assert attributes["properties"] == detail
        assert attributes["unique_id"] == detail["event_id"]
        assert attributes["time"] == event["time"]
    elif recipe == "hubspot-contacts.yaml":
        (contact,) = body["inputs"]
        client = detail["client"]
        assert contact == {"idProperty": "email", "id": client["email"], "properties": {
            "email": client["email"], "firstname": client["first_name"], "lastname": client["last_name"]}}
    elif recipe == "line-push.yaml":
        assert body["to"] == detail["client"]["external_ids"]["line"]
        (message,) = body["messages"]
        assert message["type"] == "text" and message["text"].endswith(" " + detail["links"]["view"])
    else:
        raise AssertionError(f"no body check for {recipe}")


def main():
    events = json.loads(pathlib.Path(sys.argv[1]).read_text())
    problems, checked = [], 0
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        template, matches = decode(str(path))
        if matches:
            problems.extend(f"{path.name}: {m}" for m in matches)
            continue
        params = {
            k: v["Default"].split(",") if v.get("Type") == "CommaDelimitedList" else v["Default"]
            for k, v in template.get("Parameters", {}).items()
            if "Default" in v
        }
        params.update({k: v for k, v in TEST_PARAMETERS.items() if k in template.get("Parameters", {})})
        params.update({"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"})
        for name, pattern, transformer in rules(template, params):
            matcher = EventPattern.load(json.dumps(pattern))
            matched = [e for e in events if matcher.matches_event(e)]
            if not matched:
                problems.append(f"{path.name}: {name} matches none of the {len(events)} events")
            for event in matched:
                where = f"{path.name}: {name} on {event['detail-type']} {event['detail']['event_id']}"
                if path.name in TO_THE_CLIENT and event["detail"]["client_communication"] == "do_not_send":
                    problems.append(f"{where}: writes to a client whose booking says DoNotSend")
                if transformer is None:
                    continue
                try:
                    check_body(path.name, event, transform(event, transformer))
                    checked += 1
                except KeyError as e:
                    problems.append(f"{where}: the event has no {e}")
                except (ValueError, AssertionError, TypeError) as e:
                    problems.append(f"{where}: the body is not what the API takes ({e!r})")
    for p in problems:
        print(p)
    if not problems:
        print(f"examples/: every rule matched, {checked} bodies as their APIs document them")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
