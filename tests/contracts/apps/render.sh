#!/bin/sh
# An app that is not Python: submit a video job with curl, poll it until it ends (sleeping for
# real), download the video. BASE_URL and API_KEY come from the environment (the modelgates_server
# fixture's); POLL_EVERY is the real seconds between polls (default 1). Prints the final status.
# Usage: BASE_URL=... API_KEY=... [POLL_EVERY=1] sh render.sh OUT.mp4
set -eu
auth="Authorization: Bearer $API_KEY"
job=$(curl -sSf "$BASE_URL/videos" -H "$auth" -H 'Content-Type: application/json' \
  -d '{"model": "google/veo-3.1-lite", "prompt": "a greenhouse at dawn", "duration": 4}')
url=$(printf '%s' "$job" | sed -n 's/.*"polling_url":"\([^"]*\)".*/\1/p')
polls=0
while :; do
  sleep "${POLL_EVERY:-1}"
  answer=$(curl -sSf "$url" -H "$auth")
  status=$(printf '%s' "$answer" | sed -n 's/.*"status":"\([a-z_]*\)".*/\1/p')
  case $status in completed | failed | cancelled | expired) break ;; esac
  polls=$((polls + 1))
  if [ "$polls" -ge 60 ]; then echo "gave up after $polls polls" >&2; exit 1; fi
done
echo "$status"
[ "$status" = completed ] || exit 1
video=$(printf '%s' "$answer" | sed -n 's/.*"unsigned_urls":\["\([^"]*\)".*/\1/p')
curl -sSf "$video" -H "$auth" -o "$1"
