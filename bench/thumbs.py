"""Uploads one photo N times (each a new asset), then waits until every asset has its preview;
prints the time per preview made by the job worker (upload time excluded)."""
import http.client, json, sys, time, uuid
from urllib.parse import urlparse

base, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urlparse(base)
data = open(path, "rb").read()

def conn():
    return http.client.HTTPConnection(u.hostname, u.port, timeout=120)

ids = []
t0 = time.time()
for i in range(n):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file_upload\"; filename=\"photo.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    c = conn()
    c.request("POST", "/api/v2/file_asset", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    up = json.loads(c.getresponse().read())
    asset = {"name": f"photo {i}", "uri": up["uri"], "ext": ".jpg", "mimetype": "image", "duration": 10,
             "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "is_enabled": True}
    c = conn()
    c.request("POST", "/api/v2/assets", json.dumps(asset), {"Content-Type": "application/json"})
    ids.append(json.loads(c.getresponse().read())["asset_id"])
t1 = time.time()
pending = set(ids)
while pending and time.time() - t1 < 600:
    for i in list(pending):
        c = conn()
        c.request("GET", f"/media/{i}/thumbnail")
        r = c.getresponse(); r.read()
        if r.status == 200:
            pending.discard(i)
    time.sleep(0.05)
t2 = time.time()
print(f"{n} photos of {len(data) / 1e6:.1f} MB: uploads {t1 - t0:.1f} s; all previews {t2 - t1:.1f} s after the last upload"
      f" (finished uploads overlap), {((t2 - t0) / n) * 1000:.0f} ms per photo end to end{'; MISSING ' + str(len(pending)) if pending else ''}")
