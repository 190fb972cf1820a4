-- wrk script for bench/load.sh: a mix of what map users and researchers ask for.
--
--   70 % tiles: zooms 0-8 around emitting regions, PNG
--   15 % cells: /cells at real coordinates near those regions
--   10 % areas: /areas bbox totals of 1-4 degree boxes there
--    5 % countries: /countries/{iso3} totals of large emitters
--
-- Arguments after `--`: the period ids to draw from, the latest first (bench/load.sh
-- reads them from /periods). As on the map page, which opens on the latest period and
-- the total, 60 % of requests ask for the latest period and half for the total; the
-- rest spread over the other periods and sectors. Errors are answers other than
-- 2xx/3xx and socket errors; done() prints requests per second, latency percentiles
-- and errors, one "key value" a line.

-- Emitting regions: lon, lat.
local regions = {
  {112.55, 37.85},   -- Shanxi coal
  {-103.0, 31.9},    -- Permian oil and gas
  {-80.5, 39.5},     -- Appalachia coal and gas
  {18.9, 50.1},      -- Upper Silesia coal
  {87.0, 54.0},      -- Kuzbass coal
  {50.5, 26.5},      -- Persian Gulf oil and gas
  {75.0, 63.0},      -- West Siberian gas
  {148.5, -22.5},    -- Bowen Basin coal
  {53.0, 38.5},      -- Turkmenistan gas
  {6.0, 5.0},        -- Niger Delta oil
}
local countries = {"CHN", "USA", "RUS", "IRN", "SAU", "AUS", "IND", "TKM", "DZA", "NOR"}
local sectors = {"total", "coal", "oil", "gas"}
local periods = {}

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for _, id in ipairs(args) do table.insert(periods, id) end
  if #periods == 0 then periods = {""} end
  errors = 0
  first_error = ""
  -- Each thread its own sequence, the same on every run.
  math.randomseed(1000 + #threads)
end

local function pick(list)
  return list[math.random(#list)]
end

local function sector()
  if math.random() < 0.5 then return "total" end
  return pick(sectors)
end

local function jitter(value, spread)
  return value + (math.random() - 0.5) * 2 * spread
end

local function period_query()
  local period = periods[1]
  if math.random() >= 0.6 then period = pick(periods) end
  if period == "" then return "" end
  return "&period=" .. period
end

local function tile_path()
  local region = pick(regions)
  local z = math.random(0, 8)
  local n = 2 ^ z
  local lon, lat = jitter(region[1], 1.0), jitter(region[2], 1.0)
  local x = math.floor((lon + 180) / 360 * n)
  local rad = math.rad(lat)
  local y = math.floor((1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2 * n)
  x = math.max(0, math.min(n - 1, x + math.random(-1, 1)))
  y = math.max(0, math.min(n - 1, y + math.random(-1, 1)))
  return string.format("/tiles/%d/%d/%d.png?sector=%s%s", z, x, y, sector(),
    period_query())
end

local function cell_path()
  local region = pick(regions)
  return string.format("/cells?lat=%.3f&lon=%.3f%s", jitter(region[2], 0.5),
    jitter(region[1], 0.5), period_query())
end

local function area_path()
  local region = pick(regions)
  local half = 0.5 + math.random() * 1.5
  return string.format("/areas?bbox=%.2f,%.2f,%.2f,%.2f%s", region[1] - half,
    region[2] - half, region[1] + half, region[2] + half, period_query())
end

local function country_path()
  return string.format("/countries/%s?sector=%s%s", pick(countries), sector(),
    period_query())
end

function request()
  local draw = math.random()
  local path
  if draw < 0.70 then
    path = tile_path()
  elseif draw < 0.85 then
    path = cell_path()
  elseif draw < 0.95 then
    path = area_path()
  else
    path = country_path()
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status >= 400 then
    errors = errors + 1
    if first_error == "" then first_error = tostring(status) .. " " .. body:sub(1, 200) end
  end
end

function done(summary, latency, requests)
  local status_errors, first = 0, ""
  for _, thread in ipairs(threads) do
    status_errors = status_errors + thread:get("errors")
    if first == "" then first = thread:get("first_error") end
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format("requests %d\n", summary.requests))
  io.write(string.format("seconds %.1f\n", seconds))
  io.write(string.format("rps %.1f\n", summary.requests / seconds))
  for _, p in ipairs({50, 90, 99}) do
    io.write(string.format("p%d_ms %.1f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("max_ms %.1f\n", latency.max / 1000))
  io.write(string.format("errors %d\n", status_errors + socket_errors))
  io.write(string.format("http_errors %d\n", status_errors))
  io.write(string.format("socket_errors %d (connect %d, read %d, write %d, timeout %d)\n",
    socket_errors, e.connect, e.read, e.write, e.timeout))
  if first ~= "" then io.write("first_error " .. first:gsub("\n", " ") .. "\n") end
end
