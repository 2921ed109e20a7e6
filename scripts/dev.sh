#!/usr/bin/env bash
# The dev command: set everything up, run the app locally with `wrangler
# dev`, add the demo events through it (when there are none yet), and print
# links that open the page logged in. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
# The page's modules as one file (static/app.js); after editing static/js/,
# run `npm run bundle` again (wrangler dev serves the new file at once).
node scripts/bundle.mjs

port="${PORT:-8787}"
origin="http://127.0.0.1:$port"
token=$(sed -n 's/^BOT_TOKEN *= *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' .dev.vars | head -n1)
if [ -z "$token" ]; then
  echo "dev: .dev.vars has no BOT_TOKEN; add one or delete the file to get a new one" >&2
  exit 1
fi

export WRANGLER_SEND_METRICS=false
npx wrangler dev --ip 127.0.0.1 --port "$port" --show-interactive-dev-session=false &
wrangler_pid=$!
trap 'kill "$wrangler_pid" 2>/dev/null || true; wait "$wrangler_pid" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

# The first start builds the Worker, which takes a minute or two.
node --input-type=module -e '
  const url = process.argv[1];
  for (const until = Date.now() + 600_000; Date.now() < until; await new Promise((r) => setTimeout(r, 500))) {
    try { if ((await fetch(url)).status === 426) process.exit(0); } catch {}
  }
  console.error(`dev: the Worker did not answer at ${url}`);
  process.exit(1);
' "$origin/ws"

node scripts/admin.mjs --url "$origin" demo

admin_url=$(node scripts/sign-init-data.mjs --token "$token" --origin "$origin" \
  --id 10001 --first-name Dev --last-name Admin --username dev_admin)
guest_url=$(node scripts/sign-init-data.mjs --token "$token" --origin "$origin" \
  --id 10002 --first-name Guest --last-name User --username guest)
group_url=$(node scripts/sign-init-data.mjs --token "$token" --origin "$origin" \
  --id 10002 --first-name Guest --last-name User --username guest --start-param cDemoHikers01)
russian_url=$(node scripts/sign-init-data.mjs --token "$token" --origin "$origin" \
  --id 10003 --first-name Ольга --last-name Петрова --username olga --language ru)
persian_url=$(node scripts/sign-init-data.mjs --token "$token" --origin "$origin" \
  --id 10004 --first-name Dara --last-name Karimi --username dara --language fa)

cat <<MSG

  Mini Events is running on $origin (Ctrl-C stops it)

  Open the app as the dev admin (user 10001, valid for a day):
    $admin_url

  And as a second, ordinary user (10002), to watch changes arrive live:
    $guest_url

  And that user in a group's own community (the demo "Hiking club"),
  as a t.me/<bot>/<app>?startapp=c<slug> link opens it:
    $group_url

  In other languages (Telegram says the user's app is in Russian, and in
  Persian, right to left); each can pick another in the page's settings:
    $russian_url
    $persian_url

MSG

wait "$wrangler_pid"
