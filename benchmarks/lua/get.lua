-- GETs paths picked at random from the file BENCH_PATHS (one a line), so that a load reads many
-- executions rather than one that every cache keeps warm. Not seeded: the app and the floor get
-- the same sequence of paths.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  paths[#paths + 1] = line
end
wrk.headers["x-api-key"] = os.getenv("BENCH_KEY")

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
