# Shared by the bench scripts: one wrk load phase against the server process $PID for $SECS
# seconds, printed as throughput, latency percentiles and server CPU per request.
# Usage: phase "name" [wrk args...] URL
phase() {
  local name=$1; shift
  local c0 out reqs ticks hz errs
  c0=$(awk '{print $14+$15}' /proc/$PID/stat)
  out=$(wrk -t2 -c16 -d"${SECS}s" --latency "$@")
  reqs=$(echo "$out" | awk '/requests in/{print $1}')
  ticks=$(( $(awk '{print $14+$15}' /proc/$PID/stat) - c0 ))
  hz=$(getconf CLK_TCK)
  errs=$(echo "$out" | awk '/Non-2xx/{print $NF}')
  printf '%-52s %10s req/s  p50 %-8s p99 %-8s server CPU %s ms/req%s\n' "$name" \
    "$(echo "$out" | awk '/Requests\/sec/{print $2}')" \
    "$(echo "$out" | awk '$1=="50%"{print $2}')" \
    "$(echo "$out" | awk '$1=="99%"{print $2}')" \
    "$(python3 -c "print(round($ticks/$hz*1000/max($reqs,1),3))")" "${errs:+  non-2xx: $errs}"
}
