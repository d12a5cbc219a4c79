-- POSTs the batch of log lines in the file BENCH_BODY to executions picked at random from the
-- file BENCH_PATHS (one /executions/{id}/logs a line): many executions, so that concurrent
-- batches seldom wait for the same row lock.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  paths[#paths + 1] = line
end
local file = io.open(os.getenv("BENCH_BODY"))
local body = file:read("*a")
file:close()
wrk.headers["x-api-key"] = os.getenv("BENCH_KEY")
wrk.headers["Content-Type"] = "application/json"

request = function()
  return wrk.format("POST", paths[math.random(#paths)], nil, body)
end
