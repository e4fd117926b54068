"""Schemathesis hooks for LeadsBot (loaded through schemathesis.toml)."""

import os
import uuid

import schemathesis

# The capture endpoint takes JSON sent as text/plain (so browsers post without
# a CORS preflight): its text/plain body is the JSON text of a LeadIn.
schemathesis.serializer.alias("text/plain", "application/json")

# The fuzzer reuses ids it saw in responses, its own API key's among them.
# Revoking that key would end the run in 401s, so it revokes any other key.
OWN_KEY_ID = os.environ.get("LEADSBOT_FUZZ_KEY_ID")


@schemathesis.hook("before_call")
def before_call(context, case, kwargs):
    keep_own_key(case)
    one_key_per_request(case)
    no_made_up_assignee(case)


def keep_own_key(case):
    if case.operation.method.upper() == "DELETE" and case.operation.path == "/api/v1/keys/{id}":
        if OWN_KEY_ID and (case.path_parameters or {}).get("id") == OWN_KEY_ID:
            case.path_parameters["id"] = "key_" + "0" * 26



# A lead's assignee must be a member of its workspace: a well-formed id of
# nobody is a 422 naming `assignee`, by contract. The fuzzer cannot know the
# workspace's member ids, so a generated one becomes null (unassign).
def no_made_up_assignee(case):
    if case.operation.method.upper() == "PATCH" and case.operation.path == "/api/v1/leads/{id}" and isinstance(case.body, dict):
        if isinstance(case.body.get("assignee"), str):
            case.body["assignee"] = None


# An idempotency key names one request: sent again with another body it is a
# 422 (`idempotency_key_reused`), by contract. The fuzzer draws keys from a
# small space and reuses them across different bodies, so each case's key
# (header or the widget's submission id) is made its own.
def one_key_per_request(case):
    if not case.operation.path.startswith("/api/inbound/"):
        return
    unique = uuid.uuid4().hex
    if case.headers and isinstance(case.headers.get("Idempotency-Key"), str):
        case.headers["Idempotency-Key"] = case.headers["Idempotency-Key"][:200] + "-" + unique
    if isinstance(case.body, dict):
        # A submission id may be any scalar (the widget sends text); it is the key either way.
        for field in ("_submission_id", "submission_id"):
            if case.body.get(field) is not None:
                case.body[field] = str(case.body[field])[:200] + "-" + unique
