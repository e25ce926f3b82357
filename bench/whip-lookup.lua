-- wrk script: Whip-style GET /ip/{addr} for random IPv4 addresses (most
-- fall in a range of gen_ranges.py's data, some in its gaps).
math.randomseed(42)
request = function()
  local a = string.format("%d.%d.%d.%d", math.random(1, 223), math.random(0, 255), math.random(0, 255), math.random(0, 255))
  return wrk.format("GET", "/ip/" .. a)
end
