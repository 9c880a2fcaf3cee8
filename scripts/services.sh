#!/usr/bin/env bash
# Makes sure the services the tests need are running, starting what is missing.
# Source it, then call `ensure_postgres`; it exports SIGNATE_TEST_PG_URL.
# A PostgreSQL already answering on 127.0.0.1:5432 as `postgres` (trust auth) is used as is;
# otherwise a throwaway cluster is created under $SIGNATE_SVC_DIR on port 55432 (installed
# from Debian's packages first when missing; needs root for that).

SIGNATE_SVC_DIR="${SIGNATE_SVC_DIR:-/tmp/signate-services}"

_pg_ok() { psql "$1" -tAc 'select 1' >/dev/null 2>&1; }

_apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "services: need root to install $*; install them and rerun" >&2
    return 1
  fi
  if [ -z "${_SIGNATE_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    _SIGNATE_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_postgres() {
  if [ -n "${SIGNATE_TEST_PG_URL:-}" ] && _pg_ok "$SIGNATE_TEST_PG_URL"; then
    echo "services: PostgreSQL at $SIGNATE_TEST_PG_URL"
    return 0
  fi
  if ! command -v psql >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "services: installing PostgreSQL"
    _apt_install postgresql postgresql-client
  fi
  local url="postgres://postgres@127.0.0.1:5432/postgres"
  if _pg_ok "$url"; then
    export SIGNATE_TEST_PG_URL="$url"
    echo "services: PostgreSQL already running at $url"
    return 0
  fi
  local bin port=55432 dir="$SIGNATE_SVC_DIR/pg"
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  url="postgres://postgres@127.0.0.1:$port/postgres"
  if ! _pg_ok "$url"; then
    echo "services: starting a throwaway PostgreSQL cluster in $dir on port $port"
    mkdir -p "$dir"
    local as=()
    if [ "$(id -u)" = 0 ]; then
      chown -R postgres:postgres "$dir"
      as=(runuser -u postgres --)
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >/dev/null
    fi
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 -o \
      "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null
  fi
  _pg_ok "$url" || { echo "services: PostgreSQL did not come up (see $dir/pg.log)" >&2; return 1; }
  export SIGNATE_TEST_PG_URL="$url"
  echo "services: PostgreSQL at $url"
}

# An S3-compatible server for the storage tests: s3s-fs (checks SigV4 signatures), built with
# cargo the first time (a few minutes), listening on 127.0.0.1:59000 with bucket signate-test.
ensure_s3() {
  local port="${SIGNATE_TEST_S3_PORT:-59000}"
  export SIGNATE_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
  export SIGNATE_TEST_S3_BUCKET=signate-test SIGNATE_TEST_S3_KEY=testkey SIGNATE_TEST_S3_SECRET=testsecret
  if curl -s -o /dev/null "$SIGNATE_TEST_S3_ENDPOINT/" 2>/dev/null; then
    echo "services: S3 already answering at $SIGNATE_TEST_S3_ENDPOINT"
    return 0
  fi
  if ! command -v s3s-fs >/dev/null 2>&1; then
    echo "services: building s3s-fs (once per machine)"
    # 0.14.1 is the newest that builds with rustc 1.95.
    cargo install --locked s3s-fs@0.14.1 --features binary --quiet
  fi
  local dir="$SIGNATE_SVC_DIR/s3"
  mkdir -p "$dir/data/$SIGNATE_TEST_S3_BUCKET"
  # Started from its own folder: it outlives this shell, and a checkout that is removed later
  # (CI clones) must not pull its working directory away from under it.
  pushd "$dir" >/dev/null
  nohup s3s-fs --host 127.0.0.1 --port "$port" --access-key testkey --secret-key testsecret \
    "$dir/data" >"$dir/s3.log" 2>&1 &
  echo $! >"$dir/s3.pid"
  popd >/dev/null
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$SIGNATE_TEST_S3_ENDPOINT/" 2>/dev/null && { echo "services: S3 at $SIGNATE_TEST_S3_ENDPOINT"; return 0; }
    sleep 0.1
  done
  echo "services: s3s-fs did not come up (see $dir/s3.log)" >&2
  return 1
}

# Node.js for the front-end build and tests, and Debian's Chromium for the browser tests
# (never a browser downloaded by a test tool).
ensure_browser_tools() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "services: installing Node.js"
    _apt_install nodejs npm
  fi
  if [ -z "${CHROMIUM:-}" ]; then
    if ! command -v chromium >/dev/null 2>&1; then
      echo "services: installing Chromium"
      _apt_install chromium fonts-dejavu-core
    fi
    export CHROMIUM="$(command -v chromium)"
  fi
  echo "services: node $(node --version), $("$CHROMIUM" --version 2>/dev/null | head -n1)"
}

# What earlier test runs left in the long-running services: MailDev's inbox (every wait reads
# all of it) and the S3 test bucket's per-test folders (s3s-fs walks the whole bucket for every
# listing). Both only grow, and slow each later run down; folders touched in the last two hours
# are kept, so a run going on beside this one loses nothing.
tidy_test_services() {
  if [ -n "${SIGNATE_TEST_MAILDEV_URL:-}" ]; then
    curl -s -m 10 -o /dev/null -X DELETE "$SIGNATE_TEST_MAILDEV_URL/api/email/all" || true
  fi
  local bucket="$SIGNATE_SVC_DIR/s3/data/${SIGNATE_TEST_S3_BUCKET:-signate-test}"
  if [ -d "$bucket" ]; then
    find "$bucket" -mindepth 1 -maxdepth 1 -mmin +120 -exec rm -rf {} + 2>/dev/null || true
  fi
}

# A fake SMTP server for the e-mail tests: MailDev (from npm, pinned), SMTP on 127.0.0.1:51025,
# its web UI and API (GET /api/email, DELETE /api/email/all) on 127.0.0.1:51080.
_maildev_ok() { [ "$(curl -s -m 2 "$1/api/healthz" 2>/dev/null)" = true ]; }

ensure_maildev() {
  local version=3.0.0 smtp_port=51025 web_port=51080 dir="$SIGNATE_SVC_DIR/maildev"
  export SIGNATE_TEST_SMTP_HOST=127.0.0.1 SIGNATE_TEST_SMTP_PORT="$smtp_port"
  export SIGNATE_TEST_MAILDEV_URL="http://127.0.0.1:$web_port"
  if _maildev_ok "$SIGNATE_TEST_MAILDEV_URL"; then
    echo "services: MailDev already answering at $SIGNATE_TEST_MAILDEV_URL (SMTP 127.0.0.1:$smtp_port)"
    return 0
  fi
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "services: installing Node.js"
    _apt_install nodejs npm || return 1
  fi
  local bin="$dir/node_modules/.bin/maildev"
  if [ ! -e "$bin" ] || [ "$(node -p "require('$dir/node_modules/maildev/package.json').version" 2>/dev/null)" != "$version" ]; then
    echo "services: installing MailDev $version (once per machine)"
    mkdir -p "$dir"
    # It asks for node >= 22 (npm warns EBADENGINE) but runs on 20.
    npm install -s --prefix "$dir" --no-audit --no-fund "maildev@$version" ||
      { echo "services: npm install maildev@$version failed" >&2; return 1; }
  fi
  local log="$SIGNATE_SVC_DIR/maildev.log" pidfile="$SIGNATE_SVC_DIR/maildev.pid"
  mkdir -p "$SIGNATE_SVC_DIR/maildev-mail"
  rm -f "$pidfile"
  # setsid + nohup: it outlives the shell that started it; the sh writes its own pid, then
  # execs node, so the pid file names the node process.
  local detach=()
  command -v setsid >/dev/null 2>&1 && detach=(setsid)
  "${detach[@]}" nohup sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$pidfile" \
    node "$bin" --ip 127.0.0.1 -s "$smtp_port" --web-ip 127.0.0.1 -w "$web_port" \
    --mail-directory "$SIGNATE_SVC_DIR/maildev-mail" >"$log" 2>&1 </dev/null &
  # Node can take a while to start on a loaded machine.
  local deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    _maildev_ok "$SIGNATE_TEST_MAILDEV_URL" && {
      echo "services: MailDev at $SIGNATE_TEST_MAILDEV_URL (SMTP 127.0.0.1:$smtp_port)"
      return 0
    }
    if [ -s "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "services: MailDev exited; end of $log:" >&2
      tail -n 20 "$log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "services: MailDev did not come up within 60 s; end of $log:" >&2
  tail -n 20 "$log" >&2
  return 1
}

# Redis: the event bus between instances (the two-instance screens test). A running server on
# 127.0.0.1:6379 is used as it is; otherwise Debian's redis-server is installed and started on
# its own port, with no persistence.
ensure_redis() {
  local port=51379
  if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
    export SIGNATE_TEST_REDIS_URL="redis://127.0.0.1:6379/0"
    echo "services: Redis already answering at $SIGNATE_TEST_REDIS_URL"
    return 0
  fi
  export SIGNATE_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
  if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
    echo "services: Redis already answering at $SIGNATE_TEST_REDIS_URL"
    return 0
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "services: installing redis-server"
    _apt_install redis-server redis-tools || return 1
  fi
  local log="$SIGNATE_SVC_DIR/redis.log"
  mkdir -p "$SIGNATE_SVC_DIR"
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
    --logfile "$log" --dir "$SIGNATE_SVC_DIR" >/dev/null || {
    echo "services: redis-server did not start; end of $log:" >&2
    tail -n 20 "$log" >&2
    return 1
  }
  local deadline=$((SECONDS + 20))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
      echo "services: Redis at $SIGNATE_TEST_REDIS_URL"
      return 0
    fi
    sleep 0.2
  done
  echo "services: Redis did not answer within 20 s; end of $log:" >&2
  tail -n 20 "$log" >&2
  return 1
}

# ffmpeg/ffprobe: video durations and preview frames (the server works without them; the tests
# check what they add).
ensure_ffmpeg() {
  command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 && return 0
  echo "services: installing ffmpeg"
  _apt_install ffmpeg
}

# heif-convert turns HEIC photos (phones) into JPEG for the screen; heif-enc makes test files.
ensure_heif() {
  command -v heif-convert >/dev/null 2>&1 && command -v heif-enc >/dev/null 2>&1 && return 0
  echo "services: installing libheif-examples (heif-convert, heif-enc)"
  _apt_install libheif-examples
}

# schemathesis (PyPI, pinned) in a virtualenv of its own; exports SCHEMATHESIS (the command).
ensure_schemathesis() {
  local version=4.32.5 dir="$SIGNATE_SVC_DIR/schemathesis"
  export SCHEMATHESIS="$dir/bin/schemathesis"
  if [ -x "$SCHEMATHESIS" ] && "$SCHEMATHESIS" --version 2>/dev/null | grep -q "$version"; then
    return 0
  fi
  if ! python3 -m venv --help >/dev/null 2>&1; then
    echo "services: installing python3-venv"
    _apt_install python3-venv python3-pip || return 1
  fi
  echo "services: installing schemathesis $version (once per machine)"
  rm -rf "$dir"
  python3 -m venv "$dir" && "$dir/bin/pip" install -q "schemathesis==$version" ||
    { echo "services: pip install schemathesis==$version failed" >&2; return 1; }
}

# A local Stripe for the billing tests: localstripe (PyPI, pinned) in a virtualenv of its own,
# run by scripts/stripe/standin.py on 127.0.0.1:51420 with the routes it lacks (Checkout, the
# Billing Portal, meter events). It keeps its state in memory: a restart starts empty.
_stripe_ok() { curl -sf -m 2 -u "$SIGNATE_TEST_STRIPE_KEY:" "$SIGNATE_TEST_STRIPE_URL/v1/customers" >/dev/null 2>&1; }

ensure_stripe() {
  local version=1.15.10 port=51420 dir="$SIGNATE_SVC_DIR/stripe"
  local standin
  standin="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/stripe/standin.py"
  export SIGNATE_TEST_STRIPE_URL="http://127.0.0.1:$port" SIGNATE_TEST_STRIPE_KEY=sk_test_signate
  if _stripe_ok; then
    echo "services: Stripe stand-in already answering at $SIGNATE_TEST_STRIPE_URL"
    return 0
  fi
  if [ "$("$dir/bin/python" -c 'import importlib.metadata as m; print(m.version("localstripe"))' 2>/dev/null)" != "$version" ]; then
    if ! python3 -m venv --help >/dev/null 2>&1; then
      echo "services: installing python3-venv"
      _apt_install python3-venv python3-pip || return 1
    fi
    echo "services: installing localstripe $version (once per machine)"
    rm -rf "$dir"
    python3 -m venv "$dir" && "$dir/bin/pip" install -q "localstripe==$version" ||
      { echo "services: pip install localstripe==$version failed" >&2; return 1; }
  fi
  local log="$SIGNATE_SVC_DIR/stripe.log" pidfile="$SIGNATE_SVC_DIR/stripe.pid"
  rm -f "$pidfile"
  # As MailDev: detached, so it outlives this shell, and started from its own folder, so a
  # checkout removed later (CI clones) does not pull its working directory away.
  local detach=()
  command -v setsid >/dev/null 2>&1 && detach=(setsid)
  "${detach[@]}" nohup sh -c 'echo $$ >"$1"; cd "$2" && shift 2 && exec "$@"' sh "$pidfile" "$dir" \
    "$dir/bin/python" "$standin" "$port" >"$log" 2>&1 </dev/null &
  local deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ]; do
    _stripe_ok && { echo "services: Stripe stand-in at $SIGNATE_TEST_STRIPE_URL"; return 0; }
    if [ -s "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "services: the Stripe stand-in exited; end of $log:" >&2
      tail -n 20 "$log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "services: the Stripe stand-in did not answer within 30 s; end of $log:" >&2
  tail -n 20 "$log" >&2
  return 1
}
