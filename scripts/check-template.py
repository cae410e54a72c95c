#!/usr/bin/env python3
"""Least-privilege checks of template.yaml that cfn-lint and checkov do not make.

Run with the Python of the tools venv (it reads the template with cfn-lint's parser):
    ~/.cache/booxi-notify/venv/bin/python scripts/check-template.py
Exits 1 and names each broken rule. The rules (for the webhook's role, and the drain's
in queued mode):
- the function's DynamoDB actions are exactly the calls shared/src/adapters/aws/dynamo.rs makes;
- its Scheduler actions are exactly the calls of shared/src/adapters/aws/scheduler.rs, on the
  flows' schedule group only; iam:PassRole only of the Scheduler role, to Scheduler;
- the Scheduler role may invoke this function only (and send to the flows' DLQ), and
  only Scheduler, for this account, may assume it;
- sns:Publish is allowed for SMS only: a Deny on every topic ARN goes with it;
- SES sending is conditioned on ses:FromAddress (the configured sender);
- no Allow grants a whole service (`*` or `service:*`);
- the idempotency table, the generated secret and the recipient-hash key are retained on
  delete and replace;
- the drain cannot read the webhook secret: it is not told where it is (BOOXI_SECRET_ARN
  is the webhook's alone), runs with BOOXI_DRAIN_ONLY, and its only secret is the
  recipient-hash key, which both functions read;
- every SQS queue has a queue policy denying sending and receiving to any principal but
  the ones it names (the stack's roles, the account's administrators);
- ReservedConcurrency has a default above 0 (a bound on sends unless turned off);
- booking events out: EventBridge actions are exactly the calls of
  shared/src/adapters/aws/eventbridge.rs (events:PutEvents), granted to the webhook only,
  on the one bus (never `*`), with the `events:source` condition `booxi-notify`, and only
  when EventBus is set; BOOXI_EVENT_BUS is the webhook's alone (the drain makes no client);
- after the send: the functions' SNS actions are Publish and CheckIfPhoneNumberIsOptedOut
  only; SES sending names the configuration set by its ARN; the SES outcome rule takes
  `aws.ses` events of that configuration set only; the SMS delivery-status role may be
  assumed by SNS of this account only and writes to the two SMS log groups only; the
  subscription filters and their permissions hand those groups to the webhook only;
- WhatsApp: the functions' End User Messaging Social actions are exactly the calls of
  shared/src/adapters/aws/whatsapp.rs, on the configured phone number's ARN only, and
  only when a phone number id is given (HasWhatsApp); the status rule takes
  `aws.social-messaging` events of the door's detail-types, to the webhook only, and
  like its permission and the WhatsApp variables exists only with HasWhatsApp.
"""
import pathlib
import re
import sys

from cfnlint.decode import decode

ROOT = pathlib.Path(__file__).resolve().parent.parent


ROLES = ("WebhookRole", "DrainRole")


def statements(template, name):
    role = template["Resources"][name]["Properties"]
    for policy in role["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            # `!If [cond, statement, !Ref AWS::NoValue]`: check the statement branch.
            if isinstance(statement, dict) and "Fn::If" in statement:
                statement = statement["Fn::If"][1]
            if isinstance(statement, dict) and "Effect" in statement:
                yield statement


def as_list(value):
    return value if isinstance(value, list) else [value]


def sdk_calls():
    """DynamoDB operations the code calls: `.put_item()` -> `dynamodb:PutItem`."""
    calls = set()
    for path in (ROOT / "shared/src/adapters/aws").glob("*.rs"):
        text = path.read_text()
        if "aws_sdk_dynamodb" not in text:
            continue
        for name in re.findall(r"\.(\w+_item|query|scan|transact_\w+)\(\)", text):
            calls.add("dynamodb:" + "".join(part.title() for part in name.split("_")))
    return calls


def scheduler_calls():
    """Scheduler operations the code calls: `.create_schedule()` -> `scheduler:CreateSchedule`."""
    text = (ROOT / "shared/src/adapters/aws/scheduler.rs").read_text()
    return {
        "scheduler:" + "".join(part.title() for part in name.split("_"))
        for name in re.findall(r"\.((?:create|update|delete|get|list)_schedules?(?:_group)?)\(\)", text)
    }


def check_scheduler(template, found, problems):
    granted = [s for s in found if s["Effect"] == "Allow"
               and any(a.startswith("scheduler:") for a in as_list(s["Action"]))]
    actions = {a for s in granted for a in as_list(s["Action"])}
    used = scheduler_calls()
    if actions != used:
        problems.append(f"Scheduler actions granted {sorted(actions)} but the code calls {sorted(used)}")
    for s in granted:
        for resource in as_list(s["Resource"]):
            if "schedule/${FlowScheduleGroup}/" not in str(resource):
                problems.append(f"statement {s.get('Sid')}: Scheduler actions beyond the flows' group ({resource})")
    passes = [s for s in found if s["Effect"] == "Allow" and "iam:PassRole" in as_list(s["Action"])]
    for s in passes:
        if as_list(s["Resource"]) != [{"Fn::GetAtt": ["SchedulerRole", "Arn"]}]:
            problems.append(f"statement {s.get('Sid')}: iam:PassRole of another role than SchedulerRole")
        passed_to = s.get("Condition", {}).get("StringEquals", {}).get("iam:PassedToService")
        if passed_to != "scheduler.amazonaws.com":
            problems.append(f"statement {s.get('Sid')}: iam:PassRole without iam:PassedToService scheduler.amazonaws.com")
    role = template["Resources"]["SchedulerRole"]["Properties"]
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    for t in trust:
        if t.get("Principal") != {"Service": "scheduler.amazonaws.com"}:
            problems.append("SchedulerRole: assumable by another principal than scheduler.amazonaws.com")
        if "aws:SourceAccount" not in t.get("Condition", {}).get("StringEquals", {}):
            problems.append("SchedulerRole: trust without an aws:SourceAccount condition")
    for policy in role["Policies"]:
        for st in policy["PolicyDocument"]["Statement"]:
            acts = as_list(st["Action"])
            if acts == ["lambda:InvokeFunction"]:
                if "function:${AWS::StackName}-webhook" not in str(st["Resource"]):
                    problems.append("SchedulerRole: invokes another function than the webhook")
            elif acts == ["sqs:SendMessage"]:
                if st["Resource"] != {"Fn::GetAtt": ["FlowDeadLetterQueue", "Arn"]}:
                    problems.append("SchedulerRole: sends to another queue than the flows' DLQ")
            else:
                problems.append(f"SchedulerRole: unexpected actions {acts}")


def main():
    template, matches = decode(str(ROOT / "template.yaml"))
    if matches:
        print("\n".join(str(m) for m in matches))
        return 1
    problems = []
    checked = 0
    for name in ROLES:
        if name in template["Resources"]:
            found = list(statements(template, name))
            checked += len(found)
            problems.extend(f"{name}: {p}" for p in role_problems(found))
    # Only the webhook manages the flows' schedules; the drain (queued mode) makes none.
    scheduler_problems = []
    check_scheduler(template, list(statements(template, "WebhookRole")), scheduler_problems)
    problems.extend(f"WebhookRole: {p}" for p in scheduler_problems)
    if "DrainRole" in template["Resources"]:
        for s in statements(template, "DrainRole"):
            actions = as_list(s["Action"])
            if any(a.startswith("scheduler:") or a == "iam:PassRole" for a in actions):
                problems.append(f"DrainRole: statement {s.get('Sid')} grants {actions}: the drain makes no schedule")
    problems.extend(stack_problems(template))
    problems.extend(secret_problems(template))
    problems.extend(queue_problems(template))
    problems.extend(outcome_problems(template))
    problems.extend(whatsapp_problems(template))
    problems.extend(events_out_problems(template))
    for p in problems:
        print(f"template.yaml: {p}")
    if not problems:
        print(f"template.yaml: least-privilege checks passed ({checked} statements)")
    return 1 if problems else 0


def role_problems(found):
    problems = []
    dynamo = {a for s in found if s["Effect"] == "Allow" for a in as_list(s["Action"]) if a.startswith("dynamodb:")}
    used = sdk_calls()
    if dynamo != used:
        problems.append(
            f"DynamoDB actions granted {sorted(dynamo)} but the code calls {sorted(used)}"
        )

    publish_allowed = any(
        s["Effect"] == "Allow" and "sns:Publish" in as_list(s["Action"]) for s in found
    )
    topic_denied = any(
        s["Effect"] == "Deny"
        and "sns:Publish" in as_list(s["Action"])
        and any(":sns:*:*:*" in str(r) for r in as_list(s["Resource"]))
        for s in found
    )
    if publish_allowed and not topic_denied:
        problems.append("sns:Publish is allowed without a Deny on topic ARNs (SMS only)")

    for s in found:
        actions = as_list(s["Action"])
        if s["Effect"] == "Allow" and any(a.startswith("ses:Send") for a in actions):
            conditions = s.get("Condition", {})
            keys = {k for operator in conditions.values() for k in operator}
            if "ses:FromAddress" not in keys:
                problems.append(f"statement {s.get('Sid')}: SES sending without a ses:FromAddress condition")
        if s["Effect"] == "Allow" and any(a == "*" or a.endswith(":*") for a in actions):
            problems.append(f"statement {s.get('Sid')}: grants a whole service ({actions})")
    return problems


def eventbridge_calls():
    """EventBridge operations the code calls: `.put_events()` -> `events:PutEvents`."""
    text = (ROOT / "shared/src/adapters/aws/eventbridge.rs").read_text()
    return {
        "events:" + "".join(part.title() for part in name.split("_"))
        for name in re.findall(r"\.((?:put|list|describe)_\w+)\(\)", text)
    }


def conditional_statements(template, name):
    """The role's statements as (condition or None, statement)."""
    role = template["Resources"][name]["Properties"]
    for policy in role["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            if isinstance(statement, dict) and "Fn::If" in statement:
                yield statement["Fn::If"][0], statement["Fn::If"][1]
            elif isinstance(statement, dict):
                yield None, statement


def events_out_problems(template):
    problems = []
    resources = template["Resources"]
    used = eventbridge_calls()
    for name in ROLES:
        if name not in resources:
            continue
        granted = [(cond, s) for cond, s in conditional_statements(template, name)
                   if isinstance(s, dict) and s.get("Effect") == "Allow"
                   and any(str(a).startswith("events:") for a in as_list(s["Action"]))]
        if name != "WebhookRole":
            for _, s in granted:
                problems.append(f"{name}: statement {s.get('Sid')} grants EventBridge actions: only the webhook publishes")
            continue
        actions = {a for _, s in granted for a in as_list(s["Action"])}
        if actions != used:
            problems.append(f"WebhookRole: EventBridge actions granted {sorted(actions)} but the code calls {sorted(used)}")
        for cond, s in granted:
            if cond != "EventsOut":
                problems.append(f"WebhookRole: statement {s.get('Sid')} grants EventBridge actions without EventBus set")
            for resource in as_list(s["Resource"]):
                text = str(resource)
                if "*" in text.replace("${AWS::", "") or ("event-bus/" not in text and "EventsBus" not in text):
                    problems.append(f"WebhookRole: statement {s.get('Sid')} publishes beyond the one bus ({resource})")
            source = s.get("Condition", {}).get("StringEquals", {}).get("events:source")
            if source != "booxi-notify":
                problems.append(f"WebhookRole: statement {s.get('Sid')} publishes without the events:source condition booxi-notify")
    globals_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    if "BOOXI_EVENT_BUS" in globals_env:
        problems.append("Globals: BOOXI_EVENT_BUS is given to every function, the drain included")
    webhook_env = resources["WebhookFunction"]["Properties"]["Environment"]["Variables"]
    if "BOOXI_EVENT_BUS" not in webhook_env:
        problems.append("WebhookFunction: BOOXI_EVENT_BUS is not set")
    if "DrainFunction" in resources:
        drain_env = resources["DrainFunction"]["Properties"]["Environment"]["Variables"]
        if "BOOXI_EVENT_BUS" in drain_env:
            problems.append("DrainFunction: told the bus (it publishes nothing)")
    return problems


SMS_GROUPS = (
    "log-group:sns/${AWS::Region}/${AWS::AccountId}/DirectPublishToPhoneNumber:*",
    "log-group:sns/${AWS::Region}/${AWS::AccountId}/DirectPublishToPhoneNumber/Failure:*",
)


def outcome_problems(template):
    problems = []
    resources = template["Resources"]
    for name in ROLES:
        if name not in resources:
            continue
        for s in statements(template, name):
            actions = as_list(s["Action"])
            sns = [a for a in actions if a.startswith("sns:")]
            if s["Effect"] == "Allow" and any(a not in ("sns:Publish", "sns:CheckIfPhoneNumberIsOptedOut") for a in sns):
                problems.append(f"{name}: statement {s.get('Sid')} grants SNS actions beyond Publish and CheckIfPhoneNumberIsOptedOut: {sns}")
            if s["Effect"] == "Allow" and any(a.startswith("ses:Send") for a in actions):
                named = [r for r in as_list(s["Resource"]) if "configuration-set/" in str(r)]
                if not named or any("*" in str(r).split("configuration-set/")[1][:3] for r in named):
                    problems.append(f"{name}: SES sending without the configuration set's ARN")

    # The SES outcome rule: SES's events of our configuration set only.
    events = resources["WebhookFunction"]["Properties"].get("Events", {})
    rule = events.get("SesOutcomes", {})
    pattern = rule.get("Properties", {}).get("Pattern", {})
    if rule.get("Type") != "EventBridgeRule" or pattern.get("source") != ["aws.ses"]:
        problems.append("WebhookFunction: SesOutcomes is not an EventBridge rule on source aws.ses only")
    door = (ROOT / "shared/src/doors/outcomes.rs").read_text()
    listed = re.search(r"SES_DETAIL_TYPES: \[&str; \d+\] = \[(.*?)\];", door, re.S)
    types = re.findall(r'"([^"]+)"', listed.group(1)) if listed else []
    if pattern.get("detail-type") != types:
        problems.append(
            f"WebhookFunction: SesOutcomes detail-types {pattern.get('detail-type')} are not the door's {types}"
        )
    tags = pattern.get("detail", {}).get("mail", {}).get("tags", {})
    if "ses:configuration-set" not in tags:
        problems.append("WebhookFunction: SesOutcomes takes SES events of any configuration set")

    # The role SNS logs SMS delivery status with.
    role = resources.get("SmsDeliveryStatusRole", {}).get("Properties")
    if role is None:
        problems.append("SmsDeliveryStatusRole: missing")
    else:
        for t in role["AssumeRolePolicyDocument"]["Statement"]:
            if t.get("Principal") != {"Service": "sns.amazonaws.com"}:
                problems.append("SmsDeliveryStatusRole: assumable by another principal than sns.amazonaws.com")
            if "aws:SourceAccount" not in t.get("Condition", {}).get("StringEquals", {}):
                problems.append("SmsDeliveryStatusRole: trust without an aws:SourceAccount condition")
        for policy in role["Policies"]:
            for st in policy["PolicyDocument"]["Statement"]:
                if any(not a.startswith("logs:") for a in as_list(st["Action"])):
                    problems.append(f"SmsDeliveryStatusRole: actions beyond CloudWatch Logs {st['Action']}")
                for r in as_list(st["Resource"]):
                    text = r.get("Fn::Sub", "") if isinstance(r, dict) else str(r)
                    if not text.endswith(SMS_GROUPS):
                        problems.append(f"SmsDeliveryStatusRole: writes beyond the SMS log groups ({r})")

    # Subscription filters and the permissions behind them: the SMS groups, to the webhook.
    for name in ("SmsDeliveredSubscription", "SmsFailedSubscription"):
        props = resources.get(name, {}).get("Properties", {})
        if props.get("DestinationArn") != {"Fn::GetAtt": ["WebhookFunction", "Arn"]}:
            problems.append(f"{name}: hands the records to another destination than the webhook")
    for name in ("SmsDeliveredPermission", "SmsFailedPermission"):
        props = resources.get(name, {}).get("Properties", {})
        source = props.get("SourceArn", {})
        source = source.get("Fn::Sub", "") if isinstance(source, dict) else str(source)
        if props.get("Principal") != "logs.amazonaws.com" or not source.endswith(SMS_GROUPS) \
                or "SourceAccount" not in props:
            problems.append(f"{name}: lets another source than the SMS log groups invoke the webhook")
    return problems


def whatsapp_calls():
    """End User Messaging Social operations the code calls: `.send_whats_app_message()` ->
    `social-messaging:SendWhatsAppMessage`."""
    text = (ROOT / "shared/src/adapters/aws/whatsapp.rs").read_text()
    names = {"whats": "WhatsApp", "app": ""}
    return {
        "social-messaging:" + "".join(names.get(part, part.title()) for part in name.split("_"))
        for name in re.findall(r"\.(\w+_whats_app_\w+)\(\)", text)
    }


def whatsapp_problems(template):
    problems = []
    resources = template["Resources"]
    expected_arn = ("arn:${AWS::Partition}:social-messaging:${AWS::Region}:${AWS::AccountId}"
                    ":phone-number-id/${Id}")
    for name in ROLES:
        if name not in resources:
            continue
        granted = set()
        for policy in resources[name]["Properties"]["Policies"]:
            for raw in policy["PolicyDocument"]["Statement"]:
                condition, statement = None, raw
                if isinstance(raw, dict) and "Fn::If" in raw:
                    condition, statement = raw["Fn::If"][0], raw["Fn::If"][1]
                if not isinstance(statement, dict):
                    continue
                actions = [a for a in as_list(statement.get("Action", [])) if a.startswith("social-messaging:")]
                if not actions:
                    continue
                granted.update(actions)
                sid = statement.get("Sid")
                if condition != "HasWhatsApp":
                    problems.append(f"{name}: statement {sid} grants {actions} without WhatsApp configured (HasWhatsApp)")
                resource = as_list(statement.get("Resource"))
                sub = resource[0].get("Fn::Sub") if len(resource) == 1 and isinstance(resource[0], dict) else None
                if not (isinstance(sub, list) and sub[0] == expected_arn
                        and sub[1].get("Id") == {"Fn::Select": [1, {"Fn::Split": ["phone-number-id-", {"Ref": "WhatsAppPhoneNumberId"}]}]}):
                    problems.append(f"{name}: statement {sid} grants {actions} beyond the configured phone number's ARN ({resource})")
        used = whatsapp_calls()
        if granted and granted != used:
            problems.append(f"{name}: End User Messaging Social actions granted {sorted(granted)} but the code calls {sorted(used)}")
        if not granted:
            problems.append(f"{name}: cannot send WhatsApp (social-messaging:SendWhatsAppMessage)")

    rule = resources.get("WhatsAppStatusRule", {})
    props = rule.get("Properties", {})
    pattern = props.get("EventPattern", {})
    if rule.get("Condition") != "HasWhatsApp":
        problems.append("WhatsAppStatusRule: exists without WhatsApp configured")
    if pattern.get("source") != ["aws.social-messaging"] or set(pattern) != {"source", "detail-type"}:
        problems.append("WhatsAppStatusRule: not a rule on source aws.social-messaging's statuses only")
    feedback = (ROOT / "shared/src/domain/feedback.rs").read_text()
    listed = re.search(r"WHATSAPP_DETAIL_TYPES: \[&str; \d+\] = \[(.*?)\];", feedback, re.S)
    types = re.findall(r'"([^"]+)"', listed.group(1)) if listed else []
    if pattern.get("detail-type") != types:
        problems.append(f"WhatsAppStatusRule: detail-types {pattern.get('detail-type')} are not the door's {types}")
    targets = props.get("Targets", [])
    if [t.get("Arn") for t in targets] != [{"Fn::GetAtt": ["WebhookFunction", "Arn"]}]:
        problems.append("WhatsAppStatusRule: targets another resource than the webhook")
    permission = resources.get("WhatsAppStatusPermission", {})
    perm = permission.get("Properties", {})
    if permission.get("Condition") != "HasWhatsApp" or perm.get("Principal") != "events.amazonaws.com" \
            or perm.get("SourceArn") != {"Fn::GetAtt": ["WhatsAppStatusRule", "Arn"]} \
            or perm.get("FunctionName") != {"Ref": "WebhookFunction"}:
        problems.append("WhatsAppStatusPermission: lets another source than the WhatsApp status rule invoke the webhook, or exists without WhatsApp")
    env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    for key in ("BOOXI_WHATSAPP_PHONE_NUMBER_ID", "BOOXI_WHATSAPP_KINDS"):
        value = env.get(key)
        if not (isinstance(value, dict) and value.get("Fn::If", [None])[0] == "HasWhatsApp"):
            problems.append(f"Globals: {key} is set without WhatsApp configured (HasWhatsApp)")
    return problems


def stack_problems(template):
    problems = []
    for name in ("IdempotencyTable", "WebhookSecret", "RecipientKeySecret"):
        resource = template["Resources"].get(name)
        if resource is None:
            problems.append(f"{name}: missing")
            continue
        for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
            if resource.get(policy) != "Retain":
                problems.append(f"{name}: {policy} is not Retain")

    if int(template["Parameters"]["ReservedConcurrency"]["Default"]) <= 0:
        problems.append("ReservedConcurrency: the default reserves nothing")
    return problems


def secret_problems(template):
    problems = []
    resources = template["Resources"]
    globals_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    if "BOOXI_SECRET_ARN" in globals_env:
        problems.append("Globals: BOOXI_SECRET_ARN is given to every function, the drain included")
    if "BOOXI_RECIPIENT_KEY_SECRET_ARN" not in globals_env:
        problems.append("Globals: BOOXI_RECIPIENT_KEY_SECRET_ARN is not given to every function")
    webhook_env = resources["WebhookFunction"]["Properties"]["Environment"]["Variables"]
    if "BOOXI_SECRET_ARN" not in webhook_env:
        problems.append("WebhookFunction: BOOXI_SECRET_ARN is not set")
    if "DrainFunction" in resources:
        drain_env = resources["DrainFunction"]["Properties"]["Environment"]["Variables"]
        if "BOOXI_SECRET_ARN" in drain_env:
            problems.append("DrainFunction: told where the webhook secret is")
        if str(drain_env.get("BOOXI_DRAIN_ONLY")).lower() != "true":
            problems.append("DrainFunction: BOOXI_DRAIN_ONLY is not true")
    for name in ROLES:
        if name not in resources:
            continue
        for s in statements(template, name):
            actions = as_list(s["Action"])
            if s["Effect"] != "Allow":
                continue
            if "secretsmanager:GetSecretValue" in actions:
                readable = as_list(s["Resource"])
                if name == "DrainRole" and readable != [{"Ref": "RecipientKeySecret"}]:
                    problems.append(f"DrainRole: statement {s.get('Sid')} reads {readable}: the drain reads the recipient key only")
            if name == "DrainRole" and "kms:Decrypt" in actions:
                problems.append(f"DrainRole: statement {s.get('Sid')} decrypts secrets")
        reads_key = any(
            s["Effect"] == "Allow"
            and "secretsmanager:GetSecretValue" in as_list(s["Action"])
            and {"Ref": "RecipientKeySecret"} in as_list(s["Resource"])
            for s in statements(template, name)
        )
        if not reads_key:
            problems.append(f"{name}: cannot read the recipient-hash key (RecipientKeySecret)")
    return problems


def queue_problems(template):
    """Each queue is covered by a queue policy whose Deny statements take sending and
    receiving from every principal not named (ArnNotLike on aws:PrincipalArn)."""
    problems = []
    resources = template["Resources"]
    guarded = {}
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::SQS::QueuePolicy":
            continue
        props = resource["Properties"]
        for statement in props["PolicyDocument"]["Statement"]:
            named = statement.get("Condition", {}).get("ArnNotLike", {}).get("aws:PrincipalArn")
            if statement.get("Effect") != "Deny" or statement.get("Principal") != "*" or not named:
                problems.append(f"{name}: statement {statement.get('Sid')} is not a Deny to every principal but those named")
                continue
            for queue in props["Queues"]:
                guarded.setdefault(queue.get("Ref"), set()).update(as_list(statement["Action"]))
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::SQS::Queue":
            continue
        actions = guarded.get(name, set())
        for needed in ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"):
            if needed not in actions:
                problems.append(f"{name}: no queue policy keeps {needed} to the stack's principals")
    return problems


if __name__ == "__main__":
    sys.exit(main())
