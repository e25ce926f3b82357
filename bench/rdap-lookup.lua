-- wrk script: RDAP GET /rdap/ip/{addr} for random IPv4 addresses in the
-- /8s bench/rdap.sh's simulated world populates, one per registry (most
-- fall in a network, some in the gaps between: 404s, as real traffic has).
math.randomseed(42)
local blocks = { 1, 13, 41, 62, 200 }
request = function()
  local a = string.format("%d.%d.%d.%d", blocks[math.random(#blocks)], math.random(0, 255), math.random(0, 255), math.random(0, 255))
  return wrk.format("GET", "/rdap/ip/" .. a, { ["Accept"] = "application/rdap+json" })
end
