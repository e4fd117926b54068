"""Schemathesis hooks for LeadsBot (loaded through schemathesis.toml)."""

import os

import schemathesis

# The capture endpoint takes JSON sent as text/plain (so browsers post without
# a CORS preflight): its text/plain body is the JSON text of a LeadIn.
schemathesis.serializer.alias("text/plain", "application/json")

# The fuzzer reuses ids it saw in responses, its own API key's among them.
# Revoking that key would end the run in 401s, so it revokes any other key.
OWN_KEY_ID = os.environ.get("LEADSBOT_FUZZ_KEY_ID")


@schemathesis.hook("before_call")
def keep_own_key(context, case, kwargs):
    if case.operation.method.upper() == "DELETE" and case.operation.path == "/api/v1/keys/{id}":
        if OWN_KEY_ID and (case.path_parameters or {}).get("id") == OWN_KEY_ID:
            case.path_parameters["id"] = "key_" + "0" * 26


# Whether a time zone exists is the runtime's IANA database's call, not a
# pattern's: where data is meant to be valid, the time zone is a real one.
TIME_ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo"]


@schemathesis.hook("before_call")
def real_time_zones(context, case, kwargs):
    if case.operation.method.upper() != "PATCH" or case.operation.path != "/api/v1/workspace":
        return
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and isinstance(case.body, dict) and "timezone" in case.body:
        case.body["timezone"] = TIME_ZONES[len(str(case.body["timezone"])) % len(TIME_ZONES)]
