-- wrk script: POST a new asset per request, each with its own name.
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"name":"bench-%d-%d","uri":"https://example.com/%d","mimetype":"webpage","start_date":"2020-01-01T00:00:00Z","end_date":"2035-01-01T00:00:00Z","duration":10,"is_enabled":true,"skip_asset_check":true}', math.random(1, 1e9), counter, counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
