-- wrk's script for loadtest/wrk.sh: members' own pages, the sessions of
-- `manage.py loadtest_sessions` in rotation (one session id a line in $WRK_SESSIONS),
-- with the headers the nginx site adds, so the application sees the HTTPS request it
-- was at the proxy. Any answer but 200 (a redirect to the login page included) counts
-- as an error and is printed at the end.
local sessions = {}
local next_session = 0
local threads = {}
bad = 0 -- global: done() reads it from each thread

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("WRK_SESSIONS")) do
    table.insert(sessions, line)
  end
end

function request()
  next_session = next_session % #sessions + 1
  return wrk.format("GET", os.getenv("WRK_PATH") or "/me/", {
    ["Cookie"] = "sessionid=" .. sessions[next_session],
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-For"] = "127.0.0.1",
  })
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("bad")
  end
  io.write(string.format("answers other than 200: %d\n", failed))
  for _, p in ipairs({ 50, 90, 99 }) do
    io.write(string.format("p%d %.1f ms\n", p, latency:percentile(p) / 1000))
  end
end
