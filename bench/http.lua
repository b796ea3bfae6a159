-- http.lua - wrk script for 22-http.sh: what a browser sends, spread over
-- several people, sessions and threads.
--
-- BENCH_TUPLES names a file of lines "COOKIE CSRF THREAD_ID" (one per
-- logged-in session and the thread it writes in).  BENCH_MODE is "post"
-- (POST /threads/ID/messages, the composer's form: session cookie, CSRF
-- token, a message of a few sentences) or "read" (GET /api/threads/ID,
-- the thread's latest page as JSON).  Each wrk thread starts at its own
-- place in the list and takes the next line for every request.

local tuples = {}
local i = 0
local n = 0
local mode = os.getenv("BENCH_MODE") or "read"
local text = "Dank+je+wel+voor+je+bericht.+Wat+fijn+dat+je+de+oefening+" ..
	"van+vorige+week+echt+hebt+uitgeprobeerd.+Je+schrijft+dat+je+na+" ..
	"elk+overleg+even+stilstaat%3B+wat+merk+je+daarna+in+je+lijf%3F+" ..
	"Probeer+deze+week+ook+eens+om+%2A%2Avoor%2A%2A+een+lastig+gesprek+" ..
	"drie+keer+rustig+adem+te+halen%2C+en+schrijf+op+wat+er+verandert.+" ..
	"Ik+ben+benieuwd+naar+je+ervaringen.+Bericht+"
local counter = 0

function setup(thread)
	counter = counter + 1
	thread:set("id", counter)
end

function init(args)
	for line in io.lines(os.getenv("BENCH_TUPLES")) do
		local c, t, th = line:match("^(%S+) (%S+) (%S+)$")
		if c then
			tuples[#tuples + 1] = { c, t, th }
		end
	end
	i = ((id or 1) * 7) % #tuples
end

function request()
	i = i % #tuples + 1
	local t = tuples[i]
	if mode == "post" then
		n = n + 1
		return wrk.format("POST", "/threads/" .. t[3] .. "/messages", {
			["Cookie"] = "infuus_session=" .. t[1],
			["Content-Type"] = "application/x-www-form-urlencoded",
		}, "csrf=" .. t[2] .. "&body=" .. text .. (id or 0) .. "-" .. n)
	end
	return wrk.format("GET", "/api/threads/" .. t[3], {
		["Cookie"] = "infuus_session=" .. t[1],
		["Accept"] = "application/json",
	})
end
