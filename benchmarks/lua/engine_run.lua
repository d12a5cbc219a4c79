-- An engine's whole run, over and over: POST /executions (the body in the file BENCH_BODY),
-- then PATCH that execution with BENCH_RUNNING, then with BENCH_COMPLETED. A connection's next
-- request carries on a run whose last answer came back, else starts a new one, so every run is
-- a fresh execution. `done` prints how many runs completed ("Runs: N").
local executions = os.getenv("BENCH_PATH")
local file = io.open(os.getenv("BENCH_BODY"))
local start = file:read("*a")
file:close()
local RUNNING = os.getenv("BENCH_RUNNING")
local COMPLETED = os.getenv("BENCH_COMPLETED")
wrk.headers["x-api-key"] = os.getenv("BENCH_KEY")
wrk.headers["Content-Type"] = "application/json"

local threads = {}
local to_run, to_complete = {}, {}
runs = 0

setup = function(thread)
  table.insert(threads, thread)
end

request = function()
  local id = table.remove(to_complete)
  if id then
    return wrk.format("PATCH", executions .. "/" .. id, nil, COMPLETED)
  end
  id = table.remove(to_run)
  if id then
    return wrk.format("PATCH", executions .. "/" .. id, nil, RUNNING)
  end
  return wrk.format("POST", executions, nil, start)
end

-- Every answer is the execution whole; its first "status" is the execution's (the start body
-- holds no other, and a new execution has no steps or lines).
response = function(status, headers, body)
  if status >= 300 then
    return
  end
  local id = body:match('"execution_id"%s*:%s*"([%x-]+)"')
  local state = body:match('"status"%s*:%s*"(%a+)"')
  if state == "pending" then
    table.insert(to_run, id)
  elseif state == "running" then
    table.insert(to_complete, id)
  elseif state == "completed" then
    runs = runs + 1
  end
end

done = function(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("runs")
  end
  io.write(string.format("Runs: %d\n", total))
end
