import { afterEach, describe, expect, it } from 'vitest';
import {
  applyServedLimits, buildCommandRequest, DEFAULT_LIMITS, LIMITS, confirmationText, isFinal, needsConfirmation, newIdempotencyKey, optionalNumber, orderTargetsGeoJSON,
  isoToMs, paramsSummary, parseCommand, parseCommandsFeedMessage, parseSendAnswer, sendOutcome, stateRank, type Order,
} from './commands';
import { wireCommand } from './test/commandFixtures';

describe('command request builders', () => {
  it('addresses one drone by droneId and several by sorted, unique droneIds', () => {
    expect(buildCommandRequest([7], { type: 'return-to-home' })).toEqual({ ok: true, value: { droneId: 7, type: 'return-to-home' } });
    expect(buildCommandRequest([9, 7, 9], { type: 'hold' })).toEqual({ ok: true, value: { droneIds: [7, 9], type: 'hold' } });
    expect(buildCommandRequest([], { type: 'hold' })).toEqual({ ok: false, error: 'select one or more drones first' });
  });

  it('sends only the parameters given, so the gateway defaults apply to the rest', () => {
    expect(buildCommandRequest([1], { type: 'goto', lat: 52.52, lon: 13.4 })).toEqual({ ok: true, value: { droneId: 1, type: 'goto', lat: 52.52, lon: 13.4 } });
    expect(buildCommandRequest([1], { type: 'goto', lat: 52.52, lon: 13.4, alt: 60, speed: 8 }, { idempotencyKey: 'k1', expiresInS: 120 }))
      .toEqual({ ok: true, value: { droneId: 1, type: 'goto', lat: 52.52, lon: 13.4, alt: 60, speed: 8, idempotencyKey: 'k1', expiresInS: 120 } });
    expect(buildCommandRequest([1], { type: 'takeoff' })).toEqual({ ok: true, value: { droneId: 1, type: 'takeoff' } });
    expect(buildCommandRequest([1], { type: 'takeoff', alt: 45 })).toEqual({ ok: true, value: { droneId: 1, type: 'takeoff', alt: 45 } });
    expect(buildCommandRequest([1], { type: 'set-speed', speed: 12 })).toEqual({ ok: true, value: { droneId: 1, type: 'set-speed', speed: 12 } });
    expect(buildCommandRequest([1], { type: 'stop' })).toEqual({ ok: true, value: { droneId: 1, type: 'stop' } });
  });

  it('builds missions with the optional fields of each waypoint', () => {
    const order: Order = { type: 'mission', waypoints: [{ lat: 1, lon: 2 }, { lat: 3, lon: 4, alt: 60, holdS: 5, speed: 8 }] };
    expect(buildCommandRequest([3], order)).toEqual({
      ok: true, value: { droneId: 3, type: 'mission', waypoints: [{ lat: 1, lon: 2 }, { lat: 3, lon: 4, alt: 60, speed: 8, holdS: 5 }] },
    });
  });

  it('refuses what the gateway would refuse, naming the field', () => {
    const error = (order: Order, extras = {}) => {
      const built = buildCommandRequest([1], order, extras);
      return built.ok ? null : built.error;
    };
    expect(error({ type: 'goto', lat: 91, lon: 0 })).toMatch(/latitude/);
    expect(error({ type: 'goto', lat: 0, lon: -181 })).toMatch(/longitude/);
    expect(error({ type: 'goto', lat: 0, lon: NaN })).toMatch(/longitude/);
    expect(error({ type: 'goto', lat: 0, lon: 0, alt: -5 })).toMatch(/altitude/);
    expect(error({ type: 'set-speed', speed: 0.5 })).toMatch(/1\.\.60/);
    expect(error({ type: 'set-speed', speed: 61 })).toMatch(/1\.\.60/);
    expect(error({ type: 'mission', waypoints: [] })).toMatch(/at least one/);
    expect(error({ type: 'mission', waypoints: Array.from({ length: 101 }, () => ({ lat: 0, lon: 0 })) })).toMatch(/at most 100/);
    expect(error({ type: 'mission', waypoints: [{ lat: 0, lon: 0 }, { lat: 0, lon: 0, holdS: -1 }] })).toMatch(/waypoint 2: hold/);
    expect(error({ type: 'hold' }, { expiresInS: 0 })).toMatch(/expiry/);
  });

  it('asks for confirmation for several drones and for any stop', () => {
    expect(needsConfirmation({ type: 'hold' }, 1)).toBe(false);
    expect(needsConfirmation({ type: 'hold' }, 2)).toBe(true);
    expect(needsConfirmation({ type: 'stop' }, 1)).toBe(true);
    expect(confirmationText({ type: 'return-to-home' }, 3)).toBe('Send "return to home" to 3 drones?');
    expect(confirmationText({ type: 'stop' }, 1)).toMatch(/^Emergency stop 1 drone\?/);
    expect(confirmationText({ type: 'goto', lat: 52.5, lon: 13.4, alt: 60 }, 2)).toBe('Send "go to" (52.50000, 13.40000 at 60 m) to 2 drones?');
  });

  it('reads optional numeric fields: blank is absent, junk is an error', () => {
    expect(optionalNumber('')).toBeUndefined();
    expect(optionalNumber('  ')).toBeUndefined();
    expect(optionalNumber('60')).toBe(60);
    expect(optionalNumber(' 7.5 ')).toBe(7.5);
    expect(optionalNumber('60m')).toBeNull();
  });

  it('makes a different idempotency key for each action', () => {
    let r = 0;
    const random = () => (r += 0.1);
    expect(newIdempotencyKey(random, () => 1000)).not.toBe(newIdempotencyKey(random, () => 1000));
    expect(newIdempotencyKey()).toMatch(/^ui-[0-9a-z]+-[0-9a-z]+$/);
  });
});

describe('the bounds of an order', () => {
  afterEach(() => applyServedLimits(DEFAULT_LIMITS_SERVED));

  const DEFAULT_LIMITS_SERVED = {
    minSpeedMps: DEFAULT_LIMITS.minSpeed, maxSpeedMps: DEFAULT_LIMITS.maxSpeed, minAltitudeM: DEFAULT_LIMITS.minAlt,
    maxAltitudeM: DEFAULT_LIMITS.maxAlt, maxHoldS: DEFAULT_LIMITS.maxHoldS, maxWaypoints: DEFAULT_LIMITS.maxWaypoints,
    minExpiresInS: DEFAULT_LIMITS.minExpiresInS, maxExpiresInS: DEFAULT_LIMITS.maxExpiresInS,
  };
  const error = (order: Order) => {
    const built = buildCommandRequest([1], order);
    return built.ok ? null : built.error;
  };

  it('refuses an altitude above 500 m before the gateway has said anything, as the gateway would', () => {
    expect(error({ type: 'goto', lat: 0, lon: 0, alt: 500 })).toBeNull();
    expect(error({ type: 'goto', lat: 0, lon: 0, alt: 600 })).toBe('goto: altitude must be 1..500 m');
    expect(error({ type: 'takeoff', alt: 1000 })).toMatch(/altitude must be 1\.\.500 m/);
  });

  it('checks orders against the bounds the gateway serves, keeping a default for anything it does not name', () => {
    applyServedLimits({ maxAltitudeM: 120, maxWaypoints: 2, maxSpeedMps: 'fast', minAltitudeM: null });
    expect(LIMITS.maxAlt).toBe(120);
    expect(LIMITS.maxSpeed).toBe(60);
    expect(LIMITS.minAlt).toBe(1);
    expect(error({ type: 'goto', lat: 0, lon: 0, alt: 121 })).toBe('goto: altitude must be 1..120 m');
    expect(error({ type: 'mission', waypoints: [{ lat: 0, lon: 0 }, { lat: 1, lon: 1 }, { lat: 2, lon: 2 }] }))
      .toBe('a mission has at most 2 waypoints');
    applyServedLimits('not an object');
    expect(LIMITS.maxAlt).toBe(120);
  });
});

describe('command parsing', () => {
  it('reads a Command, keeping the id a string and the times as epoch ms', () => {
    const c = parseCommand(wireCommand('714262388312064000', 7, [['issued', 0], ['sent', 5], ['accepted', 30]]))!;
    expect(c.id).toBe('714262388312064000');
    expect(c.droneId).toBe(7);
    expect(c.state).toBe('accepted');
    expect(c.issuedAtMs).toBe(Date.parse('2026-12-01T10:00:00.000Z'));
    expect(c.transitions.map((t) => t.state)).toEqual(['issued', 'sent', 'accepted']);
    expect(c.transitions[2].atMs - c.issuedAtMs).toBe(30);
  });

  it('keeps the sub-millisecond digits of the gateway\'s times, and prefers a transition\'s atNs', () => {
    expect(isoToMs('2026-12-01T10:00:00.123456789Z') - Date.parse('2026-12-01T10:00:00Z')).toBeCloseTo(123.4568, 3);
    expect(isoToMs('2026-12-01T10:00:00Z')).toBe(Date.parse('2026-12-01T10:00:00Z'));
    expect(isoToMs('2026-12-01T11:00:00.5+01:00')).toBe(Date.parse('2026-12-01T10:00:00.500Z'));
    expect(Number.isNaN(isoToMs('yesterday'))).toBe(true);
    const c = parseCommand({
      id: '1', droneId: 7, type: 'hold', state: 'sent', issuedAt: '2026-12-01T10:00:00.000100Z',
      transitions: [
        { state: 'issued', at: '2026-12-01T10:00:00.000100Z', atNs: '1796119200000100000' },
        { state: 'sent', at: '2026-12-01T10:00:00.000500Z', atNs: '1796119200000500000' },
      ],
    })!;
    expect(c.transitions[1].atMs - c.issuedAtMs).toBeCloseTo(0.4, 3);
  });

  it('drops what is not a command and tolerates missing optional fields', () => {
    expect(parseCommand({ droneId: 7, state: 'issued', type: 'hold' })).toBeNull();
    expect(parseCommand({ id: '1', state: 'issued', type: 'hold' })).toBeNull();
    expect(parseCommand('x')).toBeNull();
    const minimal = parseCommand({ id: '1', droneId: 2, state: 'issued', type: 'hold', extra: true })!;
    expect(minimal.transitions).toEqual([]);
    expect(minimal.params).toEqual({});
    expect(minimal.progress).toBeNull();
  });

  it('reads the /ws/commands messages and ignores others', () => {
    const one = wireCommand('1', 7, [['issued', 0]]);
    expect(parseCommandsFeedMessage(JSON.stringify({ type: 'commands', commands: [one, { junk: 1 }] }))).toMatchObject({ type: 'commands', commands: [{ id: '1' }] });
    expect(parseCommandsFeedMessage(JSON.stringify({ type: 'command', command: one }))).toMatchObject({ type: 'command', command: { id: '1' } });
    expect(parseCommandsFeedMessage(JSON.stringify({ type: 'command', command: {} }))).toBeNull();
    expect(parseCommandsFeedMessage(JSON.stringify({ type: 'future' }))).toBeNull();
    expect(parseCommandsFeedMessage('not json')).toBeNull();
  });

  it('reads both answers to a POST: one command, or commands and refusals', () => {
    expect(parseSendAnswer(wireCommand('1', 7, [['issued', 0]])).commands.map((c) => c.id)).toEqual(['1']);
    const many = parseSendAnswer({
      commands: [wireCommand('1', 7, [['issued', 0]]), wireCommand('2', 8, [['issued', 0]])],
      refused: [{ droneId: 9, status: 404, title: 'Not Found', detail: 'no drone 9' }, { nothing: true }],
    });
    expect(many.commands.map((c) => c.droneId)).toEqual([7, 8]);
    expect(many.refused).toEqual([{ droneId: 9, status: 404, title: 'Not Found', detail: 'no drone 9' }]);
  });

  it('knows the final states and ranks the others in the order they happen', () => {
    for (const s of ['rejected', 'completed', 'failed', 'expired', 'cancelled']) expect(isFinal(s)).toBe(true);
    for (const s of ['issued', 'sent', 'accepted', 'in-progress', 'something-new']) expect(isFinal(s)).toBe(false);
    const order = ['issued', 'sent', 'accepted', 'in-progress', 'completed'].map(stateRank);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('summarises parameters for the timeline', () => {
    expect(paramsSummary({ type: 'goto', params: { lat: 52.5, lon: 13.4, alt: 60 } })).toBe('52.50000, 13.40000 · 60 m');
    expect(paramsSummary({ type: 'mission', params: { waypoints: [{}, {}] } })).toBe('2 waypoints');
    expect(paramsSummary({ type: 'hold', params: {} })).toBe('');
  });
});

describe('what became of an order', () => {
  it('names the drone and command of a single order, and the problem of a refusal', () => {
    const sent = sendOutcome({ ok: true, status: 202, body: wireCommand('714', 7, [['issued', 0]]) }, { type: 'return-to-home' });
    expect(sent).toMatchObject({ kind: 'ok', text: '"return to home" sent to drone 7 (command 714)' });
    expect(sent.commands).toHaveLength(1);
    const refused = sendOutcome({
      ok: false, status: 422,
      problem: { type: 'about:blank', title: 'Unprocessable Entity', status: 422, detail: "crosses keep-out fence 'airport'", code: 'GEOFENCE', commandId: '715' },
    }, { type: 'goto', lat: 1, lon: 2 });
    expect(refused).toEqual({
      kind: 'refused', commands: [], refused: [],
      text: `"go to" refused: Unprocessable Entity: crosses keep-out fence 'airport' (GEOFENCE) (command 715)`,
    });
  });

  it('counts the drones that got a multi-drone order and lists those refused', () => {
    const partial = sendOutcome({
      ok: true, status: 202,
      body: { commands: [wireCommand('1', 7, [['issued', 0]]), wireCommand('2', 8, [['issued', 0]])], refused: [{ droneId: 9, status: 404, title: 'Not Found', detail: '' }] },
    }, { type: 'hold' });
    expect(partial).toMatchObject({ kind: 'partial', text: '"hold" sent to 2 drones; refused for 1 drone', refused: [{ droneId: 9 }] });
    const none = sendOutcome({ ok: true, status: 202, body: { commands: [], refused: [{ droneId: 9, status: 404, title: 'Not Found', detail: '' }] } }, { type: 'hold' });
    expect(none.kind).toBe('refused');
  });
});

describe('order targets on the map', () => {
  it('draws goto targets and the mission waypoints still ahead, from each drone', () => {
    const gotoCmd = parseCommand(wireCommand('1', 7, [['issued', 0], ['in-progress', 5]], { type: 'goto', params: { lat: 52.6, lon: 13.5 } }))!;
    const mission = parseCommand(wireCommand('2', 8, [['issued', 0], ['in-progress', 5]], {
      type: 'mission', waypointIndex: 1, params: { waypoints: [{ lat: 1, lon: 1 }, { lat: 2, lon: 2 }, { lat: 3, lon: 3 }] },
    }))!;
    const done = parseCommand(wireCommand('3', 7, [['issued', 0], ['completed', 5]], { type: 'goto', params: { lat: 0, lon: 0 } }))!;
    const fc = orderTargetsGeoJSON([gotoCmd, mission, done], (id) => (id === 7 ? { lon: 13.4, lat: 52.5 } : undefined));
    const summary = fc.features.map((f) => [f.properties?.commandId, f.geometry.type, (f.geometry as GeoJSON.Point | GeoJSON.LineString).coordinates]);
    expect(summary).toEqual([
      ['1', 'LineString', [[13.4, 52.5], [13.5, 52.6]]],
      ['1', 'Point', [13.5, 52.6]],
      ['2', 'LineString', [[2, 2], [3, 3]]],
      ['2', 'Point', [2, 2]],
      ['2', 'Point', [3, 3]],
    ]);
  });
});
