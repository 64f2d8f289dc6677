-- POSTs one GraphQL JSON body with the API key, rotating customer ids, and checks every answer's body.
-- Environment: WRK_BODY (the JSON body; every @ID@ becomes the next customer id), WRK_AUTH (the
-- Authorization header value, may be empty), WRK_IDS (how many ids to rotate over, numbered from 1) and
-- WRK_ID_FORMAT (how a number becomes an id; CUST%07d, the bundled seeds' ids, unless set).
-- A GraphQL error inside an HTTP 200 answer counts as an error, as does any other status.
-- done() prints one line "RESULT p50_us=… p99_us=… requests=… duration_us=… errors=… bad_status=…".

local template = os.getenv("WRK_BODY") or "{}"
local auth = os.getenv("WRK_AUTH") or ""
local ids = tonumber(os.getenv("WRK_IDS") or "1")
local id_format = os.getenv("WRK_ID_FORMAT") or "CUST%07d"
local threads = {}
local counter = 0
-- Globals, so done() can read each thread's counts with thread:get.
errors = 0
bad_status = 0
first_error = nil

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   counter = tonumber(id or 0) * 7919  -- threads start at different ids
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   if auth ~= "" then
      wrk.headers["Authorization"] = auth
   end
end

function request()
   counter = counter + 1
   local customer = string.format(id_format, counter % ids + 1)
   local body = string.gsub(template, "@ID@", customer)
   return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
   if status ~= 200 then
      bad_status = bad_status + 1
      errors = errors + 1
      if first_error == nil then first_error = tostring(status) .. " " .. string.sub(body, 1, 200) end
   elseif string.find(body, '"errors"', 1, true) then
      errors = errors + 1
      if first_error == nil then first_error = string.sub(body, 1, 200) end
   end
end

function done(summary, latency, requests)
   local total_errors, total_bad = 0, 0
   local sample = nil
   for _, thread in ipairs(threads) do
      total_errors = total_errors + (thread:get("errors") or 0)
      total_bad = total_bad + (thread:get("bad_status") or 0)
      sample = sample or thread:get("first_error")
   end
   io.write(string.format(
      "RESULT p50_us=%d p99_us=%d requests=%d duration_us=%d errors=%d bad_status=%d socket_errors=%d\n",
      latency:percentile(50), latency:percentile(99), summary.requests, summary.duration,
      total_errors, total_bad,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
   if sample then io.write("FIRST_ERROR " .. sample .. "\n") end
end
