-- chat.lua - wrk script for 40-live.sh: the chat window's form and page,
-- spread over several people's sessions and trajectories.
--
-- BENCH_TUPLES names a file of lines "COOKIE CSRF TRAJECTORY_ID" (one per
-- logged-in session).  BENCH_MODE is "post" (POST /t/ID/chat, the chat
-- window's form without script: session cookie, CSRF token, a short
-- turn) or "read" (GET /t/ID/chat, the window with the latest
-- LIMIT_CHAT_PAGE messages).  Each wrk thread starts at its own place in
-- the list and takes the next line for every request.

local tuples = {}
local i = 0
local n = 0
local mode = os.getenv("BENCH_MODE") or "read"
local text = "Ja%2C+dat+herken+ik.+Zullen+we+morgen+even+bellen%3F+"
local counter = 0

function setup(thread)
	counter = counter + 1
	thread:set("id", counter)
end

function init(args)
	for line in io.lines(os.getenv("BENCH_TUPLES")) do
		local c, t, tid = line:match("^(%S+) (%S+) (%S+)$")
		if c then
			tuples[#tuples + 1] = { c, t, tid }
		end
	end
	i = ((id or 1) * 7) % #tuples
end

function request()
	i = i % #tuples + 1
	local t = tuples[i]
	if mode == "post" then
		n = n + 1
		return wrk.format("POST", "/t/" .. t[3] .. "/chat", {
			["Cookie"] = "infuus_session=" .. t[1],
			["Content-Type"] = "application/x-www-form-urlencoded",
		}, "csrf=" .. t[2] .. "&action=send&body=" .. text ..
		    (id or 0) .. "-" .. n)
	end
	return wrk.format("GET", "/t/" .. t[3] .. "/chat", {
		["Cookie"] = "infuus_session=" .. t[1],
	})
end
