-- wrk script: RDAP /ip queries for random addresses in a /8 the simulator
-- populates (ARIN's 13.0.0.0/8 in the default world), so answers vary.
math.randomseed(42)
request = function()
  local a = string.format("13.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(0, 255))
  return wrk.format("GET", "/registry/ip/" .. a, { ["Accept"] = "application/rdap+json" })
end
