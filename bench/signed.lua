-- wrk script: replays pre-signed Twilio webhooks written by bench/webhooks.py.
--
--   wrk -t T -c C -d D -s bench/signed.lua http://127.0.0.1:PORT -- FILE T MODE
--
-- FILE holds one request a line: path <TAB> X-Twilio-Signature <TAB> form body.
-- Thread i (0-based) of T sends lines i, i+T, i+2T ... so no two threads send
-- the same request. MODE "once": a thread that has sent all its lines stops
-- (each CallSid is routed once; the run ends early and says so). MODE "cycle":
-- start again from its first line (for read-only webhooks such as wait).
-- done() prints one line, "BENCH {json}", that the bench reads.

local threads = {}
local thread_count = 0

function setup(thread)
   thread:set("id", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

function init(args)
   local file, stride = args[1], tonumber(args[2])
   cycle = args[3] == "cycle"
   reqs = {}
   local index = 0
   for line in io.lines(file) do
      if index % stride == id then
         local path, signature, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
         reqs[#reqs + 1] = wrk.format("POST", path, {
            ["Content-Type"] = "application/x-www-form-urlencoded",
            ["X-Twilio-Signature"] = signature,
            ["User-Agent"] = "TwilioProxy/1.1",
         }, body)
      end
      index = index + 1
   end
   sent = 0
   exhausted = 0
   codes = {}
end

function request()
   sent = sent + 1
   if sent > #reqs then
      if cycle then
         return reqs[(sent - 1) % #reqs + 1]
      end
      if exhausted == 0 then
         exhausted = 1
         wrk.thread:stop()
      end
      sent = #reqs
   end
   return reqs[sent]
end

function response(status, headers, body)
   codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
   local all_codes, sent_total, exhausted_total = {}, 0, 0
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("codes")) do
         all_codes[status] = (all_codes[status] or 0) + count
      end
      sent_total = sent_total + thread:get("sent")
      exhausted_total = exhausted_total + thread:get("exhausted")
   end
   local parts = {}
   for status, count in pairs(all_codes) do
      parts[#parts + 1] = string.format('"%d": %d', status, count)
   end
   local errors = summary.errors
   io.write(string.format(
      'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
         .. '"sent": %d, "threads_exhausted": %d, "connect_errors": %d, "read_errors": %d, '
         .. '"write_errors": %d, "timeouts": %d, "codes": {%s}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
      sent_total, exhausted_total, errors.connect, errors.read, errors.write, errors.timeout,
      table.concat(parts, ", ")
   ))
end
