#!/usr/bin/env python3
"""Writes events/*.json: one API Gateway HTTP API (v2) event per scenario, each wrapping
a Booxi webhook body in the canonical shape of docs/payload.md. The wrapper is the one
`sam local generate-event apigateway http-api-proxy` prints, so every file works with
`sam local invoke -e`, `cargo lambda invoke --data-file` and `booxi-notify plan`.

Also writes events/outcomes/*.json: what reaches the same function after the send, as
AWS delivers it — an EventBridge event of SES's per detail-type (its `detail` is SES's
event record as AWS's documentation shows it), and CloudWatch Logs subscription events
(`{"awslogs": {"data": base64 of gzip}}`) carrying SNS's SMS delivery-status records.

Run from the repository root: python3 scripts/make-events.py
The test suite (shared/tests/events.rs) says what each file must plan to.
"""
import base64
import copy
import gzip
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "events"

# Booxi's tracking page URL form (its custom tracking page article).
TRACKING = "https://book.booxi.com/tracking/8c1f2a9e4b7d4f0e"

STAFF = {
    "id": 2101,
    "firstName": "Marie",
    "lastName": "Tremblay",
    "communicationEmail": "marie.tremblay@example.com",
    "mobilePhone": "+15145550142",
    "language": "fre",
    "translations": [],
}
OTHER_STAFF_ID = 2107

MERCHANT = {
    "id": 501,
    "name": "Atelier Lumière",
    "storeNumber": "MTL-01",
    "groupId": 50,
    "timeZone": "America/Toronto",
    "defaultLanguage": "eng",
    "email": "bookings@atelier-lumiere.example.com",
    "phoneNumber": "+15145550100",
    "websiteUrl": "https://atelier-lumiere.example.com",
    "address": {
        "street": "1250 Rue Sainte-Catherine O",
        "city": "Montréal",
        "state": "QC",
        "postalCode": "H3G 1P1",
        "country": "CA",
    },
    "translations": [{"language": "fre", "name": "Atelier Lumière"}],
}

SERVICE = {
    "id": 3301,
    "name": "Colour consultation",
    "description": "A 45-minute consultation with a colour specialist.",
    "translations": [
        {"language": "fre", "name": "Consultation couleur"},
        {"language": "spa", "name": "Consulta de color"},
    ],
}

CLIENT = {
    "id": 90412,
    "firstName": "Jane",
    "lastName": "Doe",
    "email": "jane.doe@example.com",
    "mobilePhoneNumber": "(514) 555-0123",
    "homePhoneNumber": "514-555-0199",
    "language": "eng",
    "presence": "Expecting",
    "remindByEmail": True,
    "remindBySMS": True,
    "videoConferenceUrl": None,
    "address": {"city": "Montréal", "country": "CA"},
}

BOOKING = {
    "bookingId": 778812,
    "confirmationNumber": "A00006500",
    "merchantId": 501,
    "bookingMethod": "Appointment",
    "status": "Approved",
    "isCompleted": False,
    "startsOn": "2026-12-03T15:00:00Z",
    "totalClientTimespan": {
        "start": "2026-12-03T15:00:00Z",
        "end": "2026-12-03T15:45:00Z",
        "duration": 45,
    },
    "staffId": 2101,
    "staffFirstName": "Marie",
    "staffLastName": "Tremblay",
    "items": [
        {"serviceId": 3301, "serviceName": "Colour consultation", "price": "45.00", "duration": 45}
    ],
    "location": "Business",
    "locationText": None,
    "clientCommunication": "ClientOnly",
    "createdOn": "2026-11-20T14:02:11Z",
    "modifiedOn": "2026-11-20T14:02:11Z",
    "createdBy": "Client",
    "modifiedBy": "Client",
    "isScheduled": True,
    "clientAvailability": [],
    "client": CLIENT,
    "attendees": [],
    "trackingPage": {"viewURL": TRACKING, "canConfirm": False, "canModify": True, "canCancel": True},
}


def body(event_id, event_type, booking, previous=None, **content_extra):
    content = {"booking": booking}
    if previous is not None:
        content["previousBooking"] = previous
    content.update(
        {
            "staff": STAFF if booking.get("staffId") else None,
            "service": SERVICE,
            "resources": [],
            "merchant": MERCHANT,
            "trackingQRCodeUrl": "https://booking.booxi.com/qr/8c1f2a9e.png",
            "staffVideoConferenceUrl": None,
            "additionalRequest": booking.get("additionalRequest"),
        }
    )
    content.update(content_extra)
    return {"eventId": event_id, "eventType": event_type, "createdOn": "2026-11-20T14:02:12Z", "content": content}


def booking(**changes):
    b = copy.deepcopy(BOOKING)
    client_changes = changes.pop("client", {})
    b.update(changes)
    b["client"].update(client_changes)
    return b


def api_gateway_v2(booxi_body, base64_body=False):
    text = json.dumps(booxi_body, ensure_ascii=False, indent=2)
    return {
        "version": "2.0",
        "routeKey": "POST /booxi",
        "rawPath": "/booxi",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/json",
            "host": "abc123.execute-api.us-east-1.amazonaws.com",
            "user-agent": "Booxi-Webhook/1.0",
            "x-booxi-secret": "local-dev-secret",
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": "POST",
                "path": "/booxi",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "Booxi-Webhook/1.0",
            },
            "requestId": "req-" + str(booxi_body.get("eventId") or booxi_body.get("id") or "no-event-id"),
            "routeKey": "POST /booxi",
            "stage": "$default",
            "time": "20/Nov/2026:14:02:12 +0000",
            "timeEpoch": 1795183332000,
        },
        "body": base64.b64encode(text.encode()).decode() if base64_body else text,
        "isBase64Encoded": base64_body,
    }


PENDING = dict(status="PendingStaffApproval")
SCENARIOS = {}

# ---- client kinds, one row of the rules table each
SCENARIOS["confirmation-created"] = body("evt-0001", "appointment.created", booking())
SCENARIOS["confirmation-status-updated"] = body(
    "evt-0002", "appointment.status_updated",
    booking(modifiedBy="Staff", modifiedByStaffId=2101),
    booking(**PENDING),
)
SCENARIOS["confirmation-updated-approved-and-moved"] = body(
    "evt-0003", "appointment.updated",
    booking(modifiedBy="Staff", modifiedByStaffId=OTHER_STAFF_ID, startsOn="2026-12-04T15:00:00Z"),
    booking(status="PendingClientApproval"),
)
SCENARIOS["request-received"] = body("evt-0004", "appointment.created", booking(**PENDING))
SCENARIOS["awaiting-client-confirmation-created"] = body(
    "evt-0005", "appointment.created",
    booking(status="PendingClientApproval", createdBy="Staff", createdByStaffId=2101,
            trackingPage={"viewURL": TRACKING, "canConfirm": True, "canModify": True, "canCancel": True}),
)
SCENARIOS["awaiting-client-confirmation-updated"] = body(
    "evt-0006", "appointment.updated",
    booking(status="PendingClientApproval", modifiedBy="Staff", modifiedByStaffId=2101,
            startsOn="2026-12-05T18:30:00Z",
            trackingPage={"viewURL": TRACKING, "canConfirm": True, "canModify": False, "canCancel": True}),
    booking(),
)
SCENARIOS["changed-date"] = body(
    "evt-0007", "appointment.updated",
    booking(startsOn="2026-12-10T19:00:00Z", modifiedBy="Client"),
    booking(),
)
SCENARIOS["canceled-by-store"] = body(
    "evt-0008", "appointment.status_updated",
    booking(status="Cancelled", modifiedBy="Staff", modifiedByStaffId=2101,
            trackingPage={"viewURL": TRACKING, "canConfirm": False, "canModify": False, "canCancel": False}),
    booking(),
)
SCENARIOS["canceled-by-client"] = body(
    "evt-0009", "appointment.status_updated",
    booking(status="Cancelled", modifiedBy="Client"),
    booking(),
)
SCENARIOS["no-show"] = body(
    "evt-0010", "appointment.status_updated",
    booking(modifiedBy="Staff", modifiedByStaffId=2101, client={"presence": "NoShow"}),
    booking(),
)
SCENARIOS["completed"] = body(
    "evt-0011", "appointment.status_updated",
    booking(isCompleted=True, modifiedBy="Staff", modifiedByStaffId=2101, client={"presence": "Arrived"}),
    booking(),
)
SCENARIOS["reminder"] = body("evt-0012", "appointment.remind", booking())
SCENARIOS["recall"] = body("evt-0013", "appointment.recall", booking(isCompleted=True, client={"presence": "Arrived"}))
SCENARIOS["reservation-completed"] = body(
    "evt-0014", "reservation.status_updated",
    booking(bookingMethod="GroupReservation", groupEventId=880, isCompleted=True, staffId=None,
            client={"presence": "Arrived"}),
    booking(bookingMethod="GroupReservation", groupEventId=880, staffId=None),
)

# ---- staff kinds
SCENARIOS["staff-new-booking-by-other-staff"] = body(
    "evt-0101", "appointment.created",
    booking(createdBy="Staff", createdByStaffId=OTHER_STAFF_ID, client={"remindBySMS": False}),
)
SCENARIOS["staff-needs-dispatch"] = body(
    "evt-0102", "appointment.created",
    booking(staffId=None, staffFirstName=None, staffLastName=None, **PENDING),
)
SCENARIOS["staff-flexible-dates"] = body(
    "evt-0103", "appointment.created",
    booking(isScheduled=False, startsOn=None, totalClientTimespan=None,
            clientAvailability=[{"from": "2026-12-07T14:00:00Z", "to": "2026-12-07T20:00:00Z"},
                                {"from": "2026-12-09T14:00:00Z", "to": "2026-12-09T17:00:00Z"}],
            additionalRequest="Mornings are best; I will bring fabric samples.",
            **PENDING),
)
SCENARIOS["staff-approved"] = body(
    "evt-0104", "appointment.status_updated",
    booking(modifiedBy="Staff", modifiedByStaffId=OTHER_STAFF_ID),
    booking(**PENDING),
)
SCENARIOS["staff-changed-location-by-self"] = body(
    "evt-0105", "appointment.updated",
    booking(location="VideoConference", modifiedBy="Staff", modifiedByStaffId=2101,
            client={"videoConferenceUrl": "https://meet.example.com/j/778812?role=client"}),
    booking(),
    staffVideoConferenceUrl="https://meet.example.com/j/778812?role=host",
)
SCENARIOS["staff-canceled-by-other-staff"] = body(
    "evt-0106", "appointment.status_updated",
    booking(status="Cancelled", modifiedBy="Staff", modifiedByStaffId=OTHER_STAFF_ID),
    booking(),
)

# ---- edge cases
group_client = {"remindBySMS": False}
attendees = [
    {"id": 90412, "firstName": "Jane", "lastName": "Doe", "email": "jane.doe@example.com",
     "isRequester": True, "language": "eng"},
    {"id": 90413, "firstName": "Luc", "lastName": "Gagnon", "email": "luc.gagnon@example.com",
     "mobilePhoneNumber": "514 555 0134", "remindBySMS": True, "language": "fr-CA",
     "videoConferenceUrl": "https://meet.example.com/j/880?a=90413"},
    {"id": 90414, "firstName": "Ana", "lastName": "Souza", "email": "ana.souza@example.com",
     "language": "pt-BR", "videoConferenceUrl": "https://meet.example.com/j/880?a=90414"},
]
SCENARIOS["group-reservation-attendees"] = body(
    "evt-0201", "reservation.status_updated",
    booking(bookingMethod="GroupReservation", groupEventId=880, isCompleted=True, staffId=None,
            clientCommunication="ClientAndAttendees", attendees=attendees, client=group_client),
    booking(bookingMethod="GroupReservation", groupEventId=880, staffId=None,
            clientCommunication="ClientAndAttendees", attendees=attendees),
)
SCENARIOS["do-not-send"] = body(
    "evt-0202", "appointment.created",
    booking(clientCommunication="DoNotSend", createdBy="Staff", createdByStaffId=2101),
)
no_email = booking(client={"email": None, "remindBySMS": True})
del no_email["trackingPage"]
SCENARIOS["client-without-email"] = body("evt-0203", "appointment.created", no_email)
SCENARIOS["french-client"] = body(
    "evt-0204", "appointment.created",
    booking(client={"firstName": "Élodie", "lastName": "Bélanger", "email": "elodie.belanger@example.com",
                    "language": "fr-CA", "remindBySMS": False}),
)
SCENARIOS["alias-appointment-canceled"] = body(
    "evt-0205", "appointment.canceled",
    booking(status="Canceled", modifiedBy="client"),
    booking(),
)
SCENARIOS["alias-appointment-completed"] = body(
    "evt-0206", "appointment.completed",
    booking(isCompleted=True, client={"presence": "arrived"}),
    booking(),
)
envelope = body("evt-0207", "appointment.created", booking())
SCENARIOS["event-content-envelope"] = {
    "id": envelope["eventId"],
    "type": envelope["eventType"],
    "createdOn": envelope["createdOn"],
    "eventContent": envelope["content"],
}
SCENARIOS["unknown-type"] = {
    "eventId": "evt-0208",
    "eventType": "client.consent_updated",
    "createdOn": "2026-11-20T14:02:12Z",
    "content": {"client": CLIENT, "merchant": MERCHANT},
}


# ---- real Booxi bodies: the root envelope, the REST model, custom type names
def at_root(wrapped):
    """The same body with the payload objects at the root (no `content` wrapper)."""
    root = {k: v for k, v in wrapped.items() if k != "content"}
    root.update(wrapped["content"])
    return root


SCENARIOS["root-envelope"] = at_root(body("evt-0301", "appointment.created", booking()))
no_id = at_root(body(None, "appointment.status_updated",
                     booking(modifiedBy="Staff", modifiedByStaffId=2101), booking(**PENDING)))
del no_id["eventId"]
del no_id["eventType"]
SCENARIOS["root-envelope-without-id"] = {"event": "appointment.status_updated", **no_id}

rest_booking = booking(
    bookingId="778812",
    confirmationNumber="A00006500",
    acquisitionChannel="Web",
    clientCount=1,
    quickNote="Allergic to latex gloves",
    payment={"total": "45.00", "paid": "20.00", "onlinePaymentId": "pi_3Qx",
             "onlinePaymentAmount": "20.00", "onlinePaymentStatus": "Paid"},
    items=[{
        "serviceId": 3301,
        "serviceName": "Colour consultation",
        "price": {"visibility": "Visible", "amount": "45.00", "amountPerPerson": None,
                  "amountPerHour": None, "currency": "CAD", "isStartingAt": False, "tax": None},
        "duration": 45,
        "resourceId": 12,
        "resourceName": "Studio B",
        "reservedClientTimespan": {"start": "2026-12-03T15:00:00Z", "end": "2026-12-03T15:45:00Z",
                                   "duration": 45},
        "shoppingCartProductId": None,
        "surveyAnswers": [{"question": "Skin tone", "answer": "Warm"},
                          {"question": "Previous colour treatment?", "answer": "No"}],
    }],
)
# The booking client carries no language in the REST model; its tracking page sits on it.
rest_booking["client"].pop("language")
rest_booking["client"]["trackingPage"] = rest_booking.pop("trackingPage")
rest = body("evt-0302", "appointment.created", rest_booking)
rest["content"]["clientLinks"] = [{
    "moduleId": 7, "clientId": 90412, "externalId": "crm-000123",
    "metadata": {"loyaltyTier": "gold"},
    "createdOn": "2026-01-05T10:00:00Z", "modifiedOn": "2026-11-20T14:02:11Z",
}]
SCENARIOS["rest-model-fields"] = {"id": rest["eventId"], "type": rest["eventType"],
                                  "createdOn": rest["createdOn"], "eventContent": rest["content"]}

# Booxi's one published sample: `event` at the root, no id, a type name the guide does
# not list. Plans once `[event_aliases]` maps booking.confirmed to appointment.created.
custom = at_root(body(None, "booking.confirmed", booking()))
del custom["eventId"]
del custom["eventType"]
SCENARIOS["custom-type-booking-confirmed"] = {"event": "booking.confirmed", **custom}

BASE64 = {"reminder", "root-envelope-without-id"}  # as SAM's own generated events: body base64-encoded


# ---- After the send: SES's events on EventBridge, SNS's SMS records in CloudWatch Logs ----

SES_MESSAGE_ID = "010001900example-5f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8-000000"
SES_TAGS = {
    "ses:configuration-set": ["booxi-notify"],
    "ses:source-ip": ["192.0.2.0"],
    "ses:from-domain": ["atelier-lumiere.example.com"],
    "ses:caller-identity": ["booxi-notify-webhook"],
    # Ours (SendEmail's EmailTags): what the message is, no personal data.
    "booxi-event": ["evt-0001"],
    "booxi-kind": ["confirmation"],
    "booxi-audience": ["client"],
    "booxi-channel": ["email"],
    "booxi-index": ["1"],
}


def ses_mail(timestamp):
    """SES's `mail` object (as in AWS's documented event records)."""
    return {
        "timestamp": timestamp,
        "source": "Atelier Lumière <bookings@atelier-lumiere.example.com>",
        "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/atelier-lumiere.example.com",
        "sendingAccountId": "123456789012",
        "messageId": SES_MESSAGE_ID,
        "destination": ["recipient@example.com"],
        "headersTruncated": False,
        "tags": SES_TAGS,
    }


def eventbridge(detail_type, detail, time, event_id):
    """An EventBridge event as a rule's target receives it."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": "aws.ses",
        "account": "123456789012",
        "time": time,
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


SES_EVENTS = {
    "ses-email-sent": ("Email Sent", {
        "eventType": "Send", "mail": ses_mail("2026-12-01T15:00:00.120Z"), "send": {}}),
    "ses-email-delivered": ("Email Delivered", {
        "eventType": "Delivery", "mail": ses_mail("2026-12-01T15:00:00.120Z"),
        "delivery": {"timestamp": "2026-12-01T15:00:02.431Z", "processingTimeMillis": 2311,
                     "recipients": ["recipient@example.com"],
                     "smtpResponse": "250 2.6.0 Message received",
                     "reportingMTA": "a8-70.smtp-out.amazonses.com"}}),
    "ses-email-bounced-permanent": ("Email Bounced", {
        "eventType": "Bounce", "mail": ses_mail("2026-12-01T15:00:00.120Z"),
        "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                   "bouncedRecipients": [{"emailAddress": "recipient@example.com",
                                          "action": "failed", "status": "5.1.1",
                                          "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],
                   "timestamp": "2026-12-01T15:00:03.669Z",
                   "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
                   "reportingMTA": "dsn; mta.example.com"}}),
    "ses-email-bounced-transient": ("Email Bounced", {
        "eventType": "Bounce", "mail": ses_mail("2026-12-01T15:00:00.120Z"),
        "bounce": {"bounceType": "Transient", "bounceSubType": "MailboxFull",
                   "bouncedRecipients": [{"emailAddress": "recipient@example.com",
                                          "action": "failed", "status": "4.2.2",
                                          "diagnosticCode": "smtp; 452 4.2.2 mailbox full"}],
                   "timestamp": "2026-12-01T15:10:03.669Z",
                   "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000001"}}),
    "ses-email-complaint": ("Email Complaint Received", {
        "eventType": "Complaint", "mail": ses_mail("2026-12-01T15:00:00.120Z"),
        "complaint": {"complainedRecipients": [{"emailAddress": "recipient@example.com"}],
                      "timestamp": "2026-12-01T16:41:02.669Z",
                      "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000002",
                      "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
                      "complaintFeedbackType": "abuse",
                      "arrivalDate": "2026-12-01T16:41:02.669Z"}}),
    "ses-email-rejected": ("Email Rejected", {
        "eventType": "Reject", "mail": ses_mail("2026-12-01T15:00:00.120Z"),
        "reject": {"reason": "Bad content"}}),
    "ses-email-delivery-delayed": ("Email Delivery Delayed", {
        "eventType": "DeliveryDelay", "mail": ses_mail("2026-12-01T15:00:00.120Z"),
        "deliveryDelay": {"timestamp": "2026-12-01T15:10:40.095Z",
                          "delayType": "TransientCommunicationFailure",
                          "expirationTime": "2026-12-01T21:00:00.000Z",
                          "delayedRecipients": [{"emailAddress": "recipient@example.com",
                                                 "status": "4.4.1",
                                                 "diagnosticCode": "smtp; 421 4.4.1 Unable to connect to remote host"}]}}),
    "ses-email-rendering-failed": ("Email Rendering Failed", {
        "eventType": "Rendering Failure", "mail": ses_mail("2026-12-01T15:00:00.120Z"),
        "failure": {"errorMessage": "Attribute 'attributeName' is not present in the rendering data.",
                    "templateName": "MyTemplate"}}),
}

SNS_MESSAGE_ID = "34d9b400-c6dd-5444-820d-fbeb0f1f54cf"


def sms_record(status, response, timestamp):
    """One SMS delivery-status record, as SNS logs it (AWS's documented shape)."""
    delivery = {"mnc": 270, "numberOfMessageParts": 1, "destination": "+15145550123",
                "priceInUSD": 0.00645, "smsType": "Transactional", "mcc": 310,
                "providerResponse": response, "dwellTimeMs": 599,
                "dwellTimeMsUntilDeviceAck": 1344}
    if status == "SUCCESS":
        delivery["phoneCarrier"] = "My Phone Carrier"
    return {"notification": {"messageId": SNS_MESSAGE_ID, "timestamp": timestamp},
            "delivery": delivery, "status": status}


def cloudwatch_logs(group, records, first_ms):
    """A CloudWatch Logs subscription event, as Lambda receives it."""
    data = {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": group,
        "logStream": "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901",
        "subscriptionFilters": ["booxi-notify-sms-status"],
        "logEvents": [{"id": str(36000000000000000000000000000000000000000000000000000000 + i),
                       "timestamp": first_ms + i,
                       "message": json.dumps(record, separators=(",", ":"))}
                      for i, record in enumerate(records)],
    }
    packed = gzip.compress(json.dumps(data, separators=(",", ":")).encode(), mtime=0)
    return {"awslogs": {"data": base64.b64encode(packed).decode()}}


SMS_SUCCESS_GROUP = "sns/us-east-1/123456789012/DirectPublishToPhoneNumber"
SMS_FAILURE_GROUP = SMS_SUCCESS_GROUP + "/Failure"
SMS_EVENTS = {
    "sms-delivered": cloudwatch_logs(SMS_SUCCESS_GROUP, [sms_record(
        "SUCCESS", "Message has been accepted by phone carrier", "2026-12-01 15:00:00.558")],
        1796137201558),
    "sms-failed": cloudwatch_logs(SMS_FAILURE_GROUP, [sms_record(
        "FAILURE", "Unknown error attempting to reach phone", "2026-12-01 15:00:00.559")],
        1796137202559),
    "sms-opted-out": cloudwatch_logs(SMS_FAILURE_GROUP, [sms_record(
        "FAILURE", "Phone number is opted out", "2026-12-01 15:00:00.559")],
        1796137202559),
    # CloudWatch Logs checking that the destination answers: to be ignored.
    "sms-control-message": {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps({
        "messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "",
        "logStream": "", "subscriptionFilters": [],
        "logEvents": [{"id": "", "timestamp": 1796137200000,
                       "message": "CWL CONTROL MESSAGE: Checking health of destination Lambda."}]},
        separators=(",", ":")).encode(), mtime=0)).decode()}},
}


def main():
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.json"):
        # SAM's --env-vars file for local mode is written by hand, not here.
        if old.name != "local-env.json":
            old.unlink()
    for name, booxi in SCENARIOS.items():
        event = api_gateway_v2(booxi, base64_body=name in BASE64)
        (OUT / f"{name}.json").write_text(json.dumps(event, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {len(SCENARIOS)} events to {OUT}")
    outcomes = OUT / "outcomes"
    outcomes.mkdir(exist_ok=True)
    for old in outcomes.glob("*.json"):
        old.unlink()
    for i, (name, (detail_type, detail)) in enumerate(SES_EVENTS.items()):
        event = eventbridge(detail_type, detail, "2026-12-01T15:00:04Z",
                            f"5a6b7c8d-0000-4000-8000-{i:012d}")
        (outcomes / f"{name}.json").write_text(json.dumps(event, ensure_ascii=False, indent=2) + "\n")
    for name, event in SMS_EVENTS.items():
        (outcomes / f"{name}.json").write_text(json.dumps(event, indent=2) + "\n")
    print(f"wrote {len(SES_EVENTS) + len(SMS_EVENTS)} outcome events to {outcomes}")


if __name__ == "__main__":
    main()
