"""Circuit breakers shared by every process through Redis (`shared_state_url`): a store one process
finds down is refused by all of them, and its half-open probe is one call across all of them.

Each store's breaker is a hash, `grocery-scanner:breaker:<store>`: state, trips, open_until,
generation (how many times it has opened), calls (the window of outcomes, a digit per call: failed
+ 2 x slow), probe and probe_until (who holds the half-open probe, until when), passed (probes
passed), timeouts (in a row). One Lua script admits a call, records its outcome or gives a probe
back: it reads the hash, decides by the rules of CircuitBreaker (reliability/breaker.py) and writes
it back in one step, so two processes never interleave a read-modify-write. Times are Redis's own,
so the processes' clocks do not matter. The policy travels with every call (a reloaded profile's
thresholds apply at once), and so does the open period's jitter, drawn in Python: a script draws no
random numbers. The tests run the same scenarios through both breakers, so the two keep the same rules.

Each process's CircuitBreaker mirrors the answers (state, trips, time left open): status reports,
metrics and the database snapshots read it, and it decides alone, from where the shared state was,
while Redis cannot answer. A probe's turn is leased: one whose process died is free again after
PROBE_LEASE_S. A breaker the database remembers open seeds a Redis that has lost its state.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid

from grocery_scanner.reliability.breaker import (
    Admission,
    BreakerState,
    CircuitBreaker,
    admit,
    cause,
    closed,
    half_opened,
    opened,
)
from grocery_scanner.reliability.shared_state import PREFIX, SharedState

PROBE_LEASE_S = 60.0
REFRESH_S = 0.2  # a request waiting its turn sees a breaker opened elsewhere within about this long
DAY_MS = 86_400_000  # a breaker nobody has asked for a day (past its open period) is forgotten

# KEYS[1]: the store's breaker. ARGV: op (acquire, record, release, read); the policy: window,
# min_calls, failure_rate, slow_call_rate, timeouts_in_a_row, probes, open ms, open_max ms, jitter
# factor; the caller and its probe lease ms; the call: failed, slow, timed_out (0/1); the seed: trips
# and open ms left of a breaker this process remembers open, used when Redis has no state; how long
# the hash outlives its open period (ms).
# Returns: admitted (0/1), state, trips, open ms left, generation, event (what this call changed:
# half-open, closed, or the cause of an opening), and the event's figures: calls, share.
SCRIPT = """
local op = ARGV[1]
local window, min_calls = tonumber(ARGV[2]), tonumber(ARGV[3])
local failure_rate, slow_rate = tonumber(ARGV[4]), tonumber(ARGV[5])
local timeouts_in_a_row, probes = tonumber(ARGV[6]), tonumber(ARGV[7])
local open_ms, open_max_ms, jitter = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local caller, lease_ms = ARGV[11], tonumber(ARGV[12])
local failed, slow, timed_out = ARGV[13] == '1', ARGV[14] == '1', ARGV[15] == '1'
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)

local s = {state = 'closed', trips = 0, open_until = 0, generation = 0, calls = '', probe = '',
           probe_until = 0, passed = 0, timeouts = 0}
local stored = redis.call('HGETALL', KEYS[1])
for i = 1, #stored, 2 do
  local name, value = stored[i], stored[i + 1]
  if name == 'state' or name == 'calls' or name == 'probe' then s[name] = value else s[name] = tonumber(value) end
end
if #stored == 0 and tonumber(ARGV[16]) > 0 then
  s.state, s.trips, s.open_until, s.generation = 'open', tonumber(ARGV[16]), now + tonumber(ARGV[17]), 1
end

local admitted, event, calls, share = 1, '', 0, 0
local function trip(why, n, rate)
  s.trips = s.trips + 1
  s.timeouts = 0
  s.open_until = now + math.floor(math.min(open_max_ms, open_ms * 2 ^ (s.trips - 1)) * jitter)
  s.passed, s.probe, s.probe_until = 0, '', 0
  s.generation = s.generation + 1
  s.state = 'open'
  event, calls, share = why, n, rate
end

if op == 'acquire' then
  if s.state == 'open' then
    if now < s.open_until then
      admitted = 0
    else
      s.state, event = 'half-open', 'half-open'
    end
  end
  if admitted == 1 and s.state == 'half-open' then
    if s.probe ~= '' and now < s.probe_until then
      admitted = 0
    else
      s.probe, s.probe_until = caller, now + lease_ms
    end
  end
elseif op == 'record' then
  if timed_out then s.timeouts = s.timeouts + 1 else s.timeouts = 0 end
  if s.state == 'half-open' then
    s.probe, s.probe_until = '', 0
    if failed then
      trip('probe-failed', 0, 0)
    else
      s.passed = s.passed + 1
      if s.passed >= probes then
        s.trips, s.calls, s.state = 0, '', 'closed'
        event, calls = 'closed', s.passed
      end
    end
  elseif s.state == 'closed' then
    s.calls = string.sub(s.calls .. ((failed and 1 or 0) + (slow and 2 or 0)), -window)
    local n = #s.calls
    if s.timeouts >= timeouts_in_a_row then
      trip('timeouts', s.timeouts, 0)
    elseif n >= min_calls then
      local failures, slows = 0, 0
      for i = 1, n do
        local outcome = tonumber(string.sub(s.calls, i, i))
        failures = failures + outcome % 2
        if outcome >= 2 then slows = slows + 1 end
      end
      if failures / n >= failure_rate then
        trip('failure-rate', n, failures / n)
      elseif slows / n >= slow_rate then
        trip('slow-call-rate', n, slows / n)
      end
    end
  end
elseif op == 'release' and s.state == 'half-open' and s.probe == caller then
  s.probe, s.probe_until = '', 0
end

if op ~= 'read' then
  redis.call('HSET', KEYS[1], 'state', s.state, 'trips', s.trips, 'open_until', s.open_until,
    'generation', s.generation, 'calls', s.calls, 'probe', s.probe, 'probe_until', s.probe_until,
    'passed', s.passed, 'timeouts', s.timeouts)
  redis.call('PEXPIRE', KEYS[1], math.max(0, s.open_until - now) + tonumber(ARGV[18]))
end
return {admitted, s.state, s.trips, math.max(0, s.open_until - now), s.generation, event, calls, tostring(share)}
"""


class SharedBreakers:
    """The breakers' state in Redis (a BreakerStates for BreakerLayer)."""

    def __init__(self, shared: SharedState) -> None:
        self.shared = shared
        self._script = shared.redis.register_script(SCRIPT)
        self._caller = uuid.uuid4().hex  # this process, as a probe's holder
        self._generations: dict[str, int] = {}  # by store: the shared generation its mirror last saw
        self._synced: dict[str, float] = {}  # by store: when its mirror last heard from Redis
        self._refreshing: dict[str, asyncio.Task[None]] = {}

    async def acquire(self, breaker: CircuitBreaker) -> Admission:
        async def shared() -> Admission:
            if not await self._run(breaker, "acquire"):
                raise breaker.refusal()
            return Admission(breaker.generation, breaker.state is BreakerState.HALF_OPEN)

        return await self.shared.attempt(shared, lambda: admit(breaker))

    def recheck(self, breaker: CircuitBreaker, admission: Admission) -> None:
        """As the mirror has it, read again in the background once it is REFRESH_S old: the pacer asks
        every 0.1 s while a request waits, so an opening elsewhere stops the request within ~0.3 s."""
        store = breaker.store_id
        if time.monotonic() - self._synced.get(store, 0.0) > REFRESH_S and store not in self._refreshing:
            self._refreshing[store] = asyncio.ensure_future(self._refresh(breaker))
        breaker.recheck(admission.generation)

    async def record(self, breaker: CircuitBreaker, failed: bool, elapsed_s: float, timed_out: bool) -> None:
        slow = elapsed_s >= breaker.slow_call_s

        async def shared() -> None:
            await self._run(breaker, "record", failed, slow, timed_out)

        await self.shared.attempt(shared, lambda: breaker.record(failed, elapsed_s, timed_out))

    async def release(self, breaker: CircuitBreaker, admission: Admission) -> None:
        breaker.release()
        if admission.probe:  # the shared probe's turn, if this process holds it

            async def shared() -> None:
                await self._run(breaker, "release")

            await self.shared.attempt(shared, lambda: None)

    async def aclose(self) -> None:
        for task in self._refreshing.values():
            task.cancel()
        await asyncio.gather(*self._refreshing.values(), return_exceptions=True)
        await self.shared.aclose()

    async def _refresh(self, breaker: CircuitBreaker) -> None:
        async def shared() -> None:
            await self._run(breaker, "read")

        try:
            await self.shared.attempt(shared, lambda: None)
        finally:
            del self._refreshing[breaker.store_id]

    async def _run(
        self, breaker: CircuitBreaker, op: str, failed: bool = False, slow: bool = False, timed_out: bool = False
    ) -> bool:
        """Runs the script and mirrors its answer into `breaker`; returns whether a call was admitted."""
        policy = breaker.policy
        remembered = breaker.state is not BreakerState.CLOSED
        args: list[str | int | float] = [
            op,
            policy.window,
            policy.min_calls,
            policy.failure_rate,
            policy.slow_call_rate,
            policy.timeouts_in_a_row,
            policy.probes,
            round(policy.open_s * 1000),
            round(policy.open_max_s * 1000),
            1 + random.uniform(-policy.jitter, policy.jitter),
            self._caller,
            round(PROBE_LEASE_S * 1000),
            int(failed),
            int(slow),
            int(timed_out),
            breaker.trips if remembered else 0,
            round(max(0.0, breaker.open_until - breaker.clock()) * 1000) if remembered else 0,
            DAY_MS,
        ]
        admitted, state, trips, left_ms, generation, event, calls, share = await self._script(
            [f"{PREFIX}breaker:{breaker.store_id}"], args
        )
        left_s = int(left_ms) / 1000
        # a change this call made is said as the breaker itself says it
        if not event:
            reason = "decided in another process"
        elif event == b"half-open":
            reason = half_opened(policy.probes)
        elif event == b"closed":
            reason = closed(int(calls))
        else:
            reason = opened(cause(event.decode(), int(calls), float(share), breaker.slow_call_s), left_s, int(trips))
        store = breaker.store_id
        reopened = store in self._generations and int(generation) != self._generations[store]
        self._generations[store], self._synced[store] = int(generation), time.monotonic()
        breaker.adopt(BreakerState(state.decode()), int(trips), left_s, reopened, reason)
        return bool(admitted)
