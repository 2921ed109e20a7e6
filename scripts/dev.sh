#!/usr/bin/env bash
# The dev command: set everything up, then run the app locally with
# `wrangler dev` and print links that open the page logged in.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev

port="${PORT:-8787}"
origin="http://127.0.0.1:$port"
token=$(sed -n 's/^BOT_TOKEN *= *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' .dev.vars | head -n1)
if [ -z "$token" ]; then
  echo "dev: .dev.vars has no BOT_TOKEN; add one or delete the file to get a new one" >&2
  exit 1
fi

admin_url=$(node scripts/sign-init-data.mjs --token "$token" --origin "$origin" \
  --id 10001 --first-name Dev --last-name Admin --username dev_admin)
guest_url=$(node scripts/sign-init-data.mjs --token "$token" --origin "$origin" \
  --id 10002 --first-name Guest --last-name User --username guest)

cat <<MSG

  Mini Events is starting on $origin

  Open the app as the dev admin (user 10001, valid for a day):
    $admin_url

  And as a second, ordinary user (10002), to watch changes arrive live:
    $guest_url

MSG

export WRANGLER_SEND_METRICS=false
exec npx wrangler dev --ip 127.0.0.1 --port "$port"
