"""Creates N assets through the v2 API and prints their ids."""
import json, sys, urllib.request

base, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    body = {"name": f"Asset {i}", "uri": f"https://example.com/page/{i}", "mimetype": "webpage",
            "start_date": "2020-01-01T00:00:00Z", "end_date": "2035-01-01T00:00:00Z", "duration": 10 + i % 50,
            "is_enabled": i % 3 != 0, "skip_asset_check": True, "play_days": [1, 2, 3, 4, 5],
            "play_time_from": "08:00", "play_time_to": "20:00", "custom_headers": {"X-Screen": "bench"}}
    req = urllib.request.Request(base + "/api/v2/assets", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    print(json.load(urllib.request.urlopen(req))["asset_id"])
