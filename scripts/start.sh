#!/usr/bin/env bash
# `npm start`: build, migrate the local D1, serve on wrangler dev, create (once)
# a demo workspace, and print how to use it. Ctrl-C stops the server.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$repo_root"

bash scripts/bootstrap.sh
bash scripts/build.sh

port="${PORT:-8787}"
base="http://127.0.0.1:$port"
# LEADSBOT_DIR holds the local database and the demo workspace (a test
# starts a fresh one in its own directory).
dir="${LEADSBOT_DIR:-.leadsbot}"
state="$dir/state"
demo="$dir/demo.json"
mkdir -p "$dir"
demo_key() { node -p 'require(require("path").resolve(process.argv[1])).api_key' "$demo"; }
# The demo workspace's first owner: a person, who signs in by email.
owner_email="${DEMO_OWNER_EMAIL:-owner@example.com}"

echo "==> Applying D1 migrations to the local databases DB and DB_1 ($state)"
# Applied again if it fails: with several wrangler processes starting at once the local runtime
# now and then fails an internal assertion mid-apply, and a migration applies whole or not at all.
for database in DB DB_1; do
  for try in 1 2 3; do
    LEADSBOT_SKIP_BUILD=1 wrangler d1 migrations apply "$database" --local --persist-to "$state" >/dev/null && break
    [ "$try" = 3 ] && { echo "applying the migrations to $database failed" >&2; exit 1; }
  done
done

# wrangler dev delivers no email: every message the worker sends is kept as
# an .eml file in $mail by a local receiver (scripts/mail-sink.mjs; README,
# "Email"), on a port of its own choosing unless MAIL_SINK_PORT says one.
mail="$dir/mail"
sink_out="$dir/mail-sink.out"
node scripts/mail-sink.mjs --dir "$mail" --port "${MAIL_SINK_PORT:-0}" > "$sink_out" 2>&1 &
sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT INT TERM
mail_url=""
until [ -n "$mail_url" ]; do
  kill -0 "$sink" 2>/dev/null || { echo "the mail sink did not start:" >&2; cat "$sink_out" >&2; exit 1; }
  mail_url=$(grep -o 'http://[^ ]*' "$sink_out" || true)
  [ -n "$mail_url" ] || sleep 0.1
done

# A taken port makes wrangler dev wait forever without a word: say so first.
if ! node -e 'const s = require("net").createServer(); s.once("error", () => process.exit(1)); s.listen(+process.argv[1], "127.0.0.1", () => s.close())' "$port"; then
  echo "port $port is taken; start on another with PORT=<port> npm start" >&2
  exit 1
fi

echo "==> Starting wrangler dev on $base"
# Two attempts in flight, not Cloudflare's 16: here one thread runs requests,
# the queue consumer and local D1 alike (wrangler.toml says more).
LEADSBOT_SKIP_BUILD=1 wrangler dev --ip 127.0.0.1 --port "$port" --persist-to "$state" \
  --show-interactive-dev-session=false --test-scheduled \
  --var "DELIVERY_MAX_IN_FLIGHT:${DELIVERY_MAX_IN_FLIGHT:-2}" \
  --var "EMAIL_FROM:${EMAIL_FROM:-leads@leadsbot.localhost}" --var "PUBLIC_URL:$base" \
  --var "EMAIL_DEV_SINK:$mail_url" &
server=$!
trap 'kill $server $sink 2>/dev/null || true' EXIT INT TERM

healthy=""
for _ in $(seq 1 240); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && { healthy=1; break; }
  kill -0 "$server" 2>/dev/null || { echo "wrangler dev exited; see its output above" >&2; exit 1; }
  sleep 0.5
done
[ -n "$healthy" ] || { echo "wrangler dev did not serve $base/healthz within 2 minutes; see its output above" >&2; exit 1; }

# The demo workspace is created once through the admin API; its secrets are
# shown once, so they are kept (git-ignored) beside the local database.
if [ -f "$demo" ] && curl -fsS "$base/api/v1/workspace" -H "Authorization: Bearer $(demo_key)" >/dev/null 2>&1; then
  echo "==> Reusing the demo workspace in $demo"
else
  admin_token=$(grep '^ADMIN_TOKEN=' .dev.vars | cut -d= -f2-)
  curl -fsS -X POST "$base/api/admin/workspaces" \
    -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
    -d "{\"name\": \"Demo workspace\", \"allowed_origins\": [], \"owner_email\": \"$owner_email\"}" > "$demo"
  echo "==> Created the demo workspace ($demo), owned by $owner_email"
fi
# A demo workspace made before members existed gets its owner now (409: already one).
curl -sS -o /dev/null -X POST "$base/api/v1/members" -H "Authorization: Bearer $(demo_key)" \
  -H 'Content-Type: application/json' -d "{\"email\": \"$owner_email\", \"role\": \"owner\"}"

# The owner's one-time link, asked for by email as a person would (an
# invitation until they accept it; then a sign-in link, 15 minutes, once).
inbox_link=$(node scripts/member-link.mjs "$base" "$mail" "$owner_email")

node - "$demo" "$base" "$inbox_link" "$mail" "$owner_email" <<'NODE'
const [demoPath, base, inboxLink, mailDir, ownerEmail] = process.argv.slice(2);
const demo = require(require('path').resolve(demoPath));
const capture = `curl -s -X POST ${base}/api/inbound/${demo.id}/leads \\
  -H 'Authorization: Bearer ${demo.api_key}' -H 'Content-Type: application/json' \\
  -d '{"email": "ada@example.com", "name": "Ada Lovelace", "message": "Hello from curl"}'`;
const list = `curl -s ${base}/api/v1/leads -H 'Authorization: Bearer ${demo.api_key}'`;
console.log(`
LeadsBot is running.

  API base         ${base}
  Workspace id     ${demo.id}
                   (in database ${demo.database ?? 'DB'} of DB and DB_1; README, "Scale-out")
  Public token     ${demo.public_token}
  API key          ${demo.api_key}
  Inbox            ${inboxLink}
                   (the owner ${ownerEmail}'s one-time link to ${base}/app, from the mail folder;
                    sign in again at ${base}/app/sign-in with that address, or with the API key)
  Inbound secret   ${demo.inbound_signing_secret}
  Demo page        ${base}/demo/?token=${demo.public_token}
  OpenAPI          ${base}/api/v1/openapi.json
  Mail folder      ${require('path').resolve(mailDir)}
                   (every email sent, as an .eml file: wrangler dev delivers none)

Capture a lead:
${capture}

List leads:
${list}

The README's examples use these variables; in a shell:
export API=${base} KEY=${demo.api_key} ADMIN_KEY=${demo.api_key} WORKSPACE_ID=${demo.id} INBOUND_SECRET=${demo.inbound_signing_secret}

Press Ctrl-C to stop.
`);
NODE

wait "$server"
