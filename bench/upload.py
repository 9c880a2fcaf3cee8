"""Uploads a file through /api/v2/file_asset in 8 MB Content-Range chunks and in one request,
makes an asset of each, and prints throughput and the server's RSS growth (VmHWM)."""
import http.client, json, os, sys, time, uuid
from urllib.parse import urlparse

base, path, pid = sys.argv[1], sys.argv[2], sys.argv[3]
u = urlparse(base)
size = os.path.getsize(path)
CHUNK = 8 * 1024 * 1024

def status(field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0

def post_part(conn, offset, length, upload_id, chunked):
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file_upload\"; filename=\"video.mp4\"\r\n"
            f"Content-Type: video/mp4\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    conn.putrequest("POST", "/api/v2/file_asset")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(head) + length + len(tail)))
    if chunked:
        conn.putheader("Content-Range", f"bytes {offset}-{offset + length - 1}/{size}")
        conn.putheader("X-Upload-Id", upload_id)
    conn.endheaders()
    conn.send(head)
    with open(path, "rb") as f:
        f.seek(offset)
        left = length
        while left:
            block = f.read(min(1024 * 1024, left))
            conn.send(block)
            left -= len(block)
    conn.send(tail)
    res = conn.getresponse()
    body = res.read()
    assert res.status == 200, body
    return json.loads(body)

def make_asset(conn, up):
    body = json.dumps({"name": "bench video " + up["upload_id"], "uri": up["uri"], "ext": up["ext"], "mimetype": "video",
                       "start_date": "2020-01-01T00:00:00Z", "end_date": "2035-01-01T00:00:00Z",
                       "duration": 0, "is_enabled": True})
    conn.request("POST", "/api/v2/assets", body, {"Content-Type": "application/json"})
    res = conn.getresponse(); out = res.read()
    assert res.status == 201, out

for chunked in (True, False):
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    # Reset the peak-RSS counter so the peak below belongs to this upload alone.
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")
    before = status("VmRSS")
    hwm_before = before
    t0 = time.perf_counter()
    upload_id = uuid.uuid4().hex
    if chunked:
        for off in range(0, size, CHUNK):
            up = post_part(conn, off, min(CHUNK, size - off), upload_id, True)
    else:
        up = post_part(conn, 0, size, upload_id, False)
    t1 = time.perf_counter()
    make_asset(conn, up)
    t2 = time.perf_counter()
    label = "8 MB chunks" if chunked else "one request"
    print(f"{label:12}: upload {size / (t1 - t0) / 1e6:7.1f} MB/s, then asset created in {(t2 - t1) * 1000:6.0f} ms"
          f" (end to end {size / (t2 - t0) / 1e6:6.1f} MB/s); RSS before {before:.1f} MB,"
          f" peak {status('VmHWM'):.1f} MB ({status('VmHWM') - hwm_before:+.1f} MB above it)")
