// Commands (docs/api/commands.md): the Command object as the gateway sends it, a tolerant parser, and the builders
// of POST /api/v1/commands bodies, validated here first so an operator hears about a typo at once rather than from
// a 400. Pure, unit-tested.
import { problemText, type ApiResult } from './api';
import { nsToMs } from './model';

export const COMMAND_TYPES = ['takeoff', 'goto', 'mission', 'hold', 'resume', 'return-to-home', 'land', 'set-speed', 'cancel', 'stop'] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

/** In the order a command goes through them; the last five are final. */
export const COMMAND_STATES = ['issued', 'sent', 'accepted', 'rejected', 'in-progress', 'completed', 'failed', 'expired', 'cancelled'] as const;
export type CommandState = (typeof COMMAND_STATES)[number];

const FINAL_STATES: ReadonlySet<string> = new Set(['rejected', 'completed', 'failed', 'expired', 'cancelled']);
/** States whose transition carries a reason worth showing. */
const STATES_WITH_REASON: ReadonlySet<string> = new Set(['rejected', 'failed', 'expired', 'cancelled']);

/** A command in a final state never changes again (and cannot be cancelled: the gateway answers 409). */
export function isFinal(state: string): boolean {
  return FINAL_STATES.has(state);
}

export function hasReason(state: string): boolean {
  return STATES_WITH_REASON.has(state);
}

/**
 * How far along a state is: issued 0, sent 1, accepted 2, in-progress 3, any final state 4. A state this build does
 * not know ranks with `accepted` (the contract only grows: it is somewhere past delivery and not known to be final).
 */
export function stateRank(state: string): number {
  switch (state) {
    case 'issued': return 0;
    case 'sent': return 1;
    case 'accepted': return 2;
    case 'in-progress': return 3;
    default: return isFinal(state) ? 4 : 2;
  }
}

export interface Transition {
  state: string;
  at: string;
  /** `at` in epoch ms (NaN when unreadable). */
  atMs: number;
  reason: string | null;
  progress: number | null;
}

export interface Command {
  /** A decimal string: ledger ids do not fit a JS number. */
  id: string;
  droneId: number;
  type: string;
  params: Record<string, unknown>;
  state: string;
  reason: string | null;
  progress: number | null;
  waypointIndex: number | null;
  idempotencyKey: string | null;
  issuedBy: string;
  issuedFrom: string;
  issuedAt: string;
  issuedAtMs: number;
  expiresAt: string;
  node: string | null;
  attempts: number;
  transitions: Transition[];
  ackMs: number | null;
  effectMs: number | null;
}

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

/**
 * An ISO-8601 instant in epoch ms, keeping the sub-millisecond digits the gateway writes (Java's Instant gives up to
 * nanoseconds; Date.parse stops at milliseconds), so "+0.4 ms since issued" is not rounded to 0. NaN if unreadable.
 */
export function isoToMs(text: string): number {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/.exec(text);
  if (!m) return Date.parse(text);
  const whole = Date.parse(m[1] + m[3]);
  return m[2] ? whole + Number(`0.${m[2]}`) * 1000 : whole;
}
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function toTransition(value: unknown): Transition | null {
  if (value === null || typeof value !== 'object') return null;
  const t = value as Record<string, unknown>;
  if (typeof t.state !== 'string') return null;
  const at = str(t.at);
  // atNs (epoch ns as a decimal string) when the gateway sends it: the most precise.
  const atMs = typeof t.atNs === 'string' && /^\d+$/.test(t.atNs) ? nsToMs(t.atNs) : isoToMs(at);
  return { state: t.state, at, atMs, reason: typeof t.reason === 'string' ? t.reason : null, progress: num(t.progress) };
}

/** A Command from the gateway, or null when it is not one (no id, drone or state). Unknown fields are ignored. */
export function parseCommand(value: unknown): Command | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const c = value as Record<string, unknown>;
  // An id sent as a number has lost its low digits already; still better shown than dropped.
  const id = typeof c.id === 'string' ? c.id : typeof c.id === 'number' ? String(c.id) : null;
  if (!id || typeof c.droneId !== 'number' || typeof c.state !== 'string' || typeof c.type !== 'string') return null;
  const issuedAt = str(c.issuedAt);
  return {
    id,
    droneId: c.droneId,
    type: c.type,
    params: c.params !== null && typeof c.params === 'object' && !Array.isArray(c.params) ? (c.params as Record<string, unknown>) : {},
    state: c.state,
    reason: typeof c.reason === 'string' ? c.reason : null,
    progress: num(c.progress),
    waypointIndex: num(c.waypointIndex),
    idempotencyKey: typeof c.idempotencyKey === 'string' ? c.idempotencyKey : null,
    issuedBy: str(c.issuedBy),
    issuedFrom: str(c.issuedFrom),
    issuedAt,
    issuedAtMs: isoToMs(issuedAt),
    expiresAt: str(c.expiresAt),
    node: typeof c.node === 'string' ? c.node : null,
    attempts: num(c.attempts) ?? 0,
    transitions: Array.isArray(c.transitions) ? c.transitions.map(toTransition).filter((t): t is Transition => t !== null) : [],
    ackMs: num(c.ackMs),
    effectMs: num(c.effectMs),
  };
}

export function parseCommands(value: unknown): Command[] {
  return Array.isArray(value) ? value.map(parseCommand).filter((c): c is Command => c !== null) : [];
}

export type CommandsFeedMessage = { type: 'commands'; commands: Command[] } | { type: 'command'; command: Command };

/** One frame of /ws/commands; null for anything else (unknown types are ignored, the contract only grows). */
export function parseCommandsFeedMessage(text: string): CommandsFeedMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  const m = value as Record<string, unknown>;
  if (m.type === 'commands') return { type: 'commands', commands: parseCommands(m.commands) };
  if (m.type === 'command') {
    const command = parseCommand(m.command);
    return command ? { type: 'command', command } : null;
  }
  return null;
}

// ---- orders: what an operator asks for, before it is addressed to drones -------------------------------------

export interface Waypoint {
  lat: number;
  lon: number;
  alt?: number;
  speed?: number;
  holdS?: number;
}

export type Order =
  | { type: 'takeoff'; alt?: number }
  | { type: 'goto'; lat: number; lon: number; alt?: number; speed?: number }
  | { type: 'mission'; waypoints: Waypoint[] }
  | { type: 'hold' | 'resume' | 'return-to-home' | 'land' | 'stop' }
  | { type: 'set-speed'; speed: number };

/** A POST /api/v1/commands body. */
export interface CommandRequest {
  droneId?: number;
  droneIds?: number[];
  type: CommandType;
  lat?: number;
  lon?: number;
  alt?: number;
  speed?: number;
  waypoints?: Waypoint[];
  expiresInS?: number;
  idempotencyKey?: string;
}

export interface CommandLimits {
  minSpeed: number; maxSpeed: number;
  minAlt: number; maxAlt: number;
  maxHoldS: number;
  maxWaypoints: number;
  minExpiresInS: number; maxExpiresInS: number;
}

/**
 * The contract's bounds on an order (docs/api/commands.md). The gateway serves its own in /config.json
 * (`commandLimits`), which {@link applyServedLimits} puts here, so the dashboard refuses exactly what the gateway
 * would; these defaults, the same numbers, hold until then (or against a gateway that does not serve them).
 */
export const DEFAULT_LIMITS: Readonly<CommandLimits> = Object.freeze({
  minSpeed: 1, maxSpeed: 60,
  minAlt: 1, maxAlt: 500,
  maxHoldS: 3600,
  maxWaypoints: 100,
  minExpiresInS: 1, maxExpiresInS: 86_400,
});

export const LIMITS: CommandLimits = { ...DEFAULT_LIMITS };

const SERVED_LIMITS: Record<keyof CommandLimits, string> = {
  minSpeed: 'minSpeedMps', maxSpeed: 'maxSpeedMps',
  minAlt: 'minAltitudeM', maxAlt: 'maxAltitudeM',
  maxHoldS: 'maxHoldS',
  maxWaypoints: 'maxWaypoints',
  minExpiresInS: 'minExpiresInS', maxExpiresInS: 'maxExpiresInS',
};

/**
 * Takes the gateway's `commandLimits` (from /config.json) as the bounds orders are checked against: each finite
 * number it names replaces the default, anything else (missing, not a number) keeps it.
 */
export function applyServedLimits(served: unknown): CommandLimits {
  if (served !== null && typeof served === 'object') {
    const s = served as Record<string, unknown>;
    for (const key of Object.keys(SERVED_LIMITS) as (keyof CommandLimits)[]) {
      const value = s[SERVED_LIMITS[key]];
      if (typeof value === 'number' && Number.isFinite(value)) LIMITS[key] = value;
    }
  }
  return LIMITS;
}

export type Built<T> = { ok: true; value: T } | { ok: false; error: string };

const inRange = (v: number, lo: number, hi: number) => Number.isFinite(v) && v >= lo && v <= hi;

function positionProblem(lat: number, lon: number, what: string): string | null {
  if (!inRange(lat, -90, 90)) return `${what}: latitude must be within -90..90`;
  if (!inRange(lon, -180, 180)) return `${what}: longitude must be within -180..180`;
  return null;
}

function altProblem(alt: number | undefined, what: string): string | null {
  if (alt === undefined) return null;
  return inRange(alt, LIMITS.minAlt, LIMITS.maxAlt) ? null : `${what}: altitude must be ${LIMITS.minAlt}..${LIMITS.maxAlt} m`;
}

function speedProblem(speed: number | undefined, what: string): string | null {
  if (speed === undefined) return null;
  return inRange(speed, LIMITS.minSpeed, LIMITS.maxSpeed) ? null : `${what}: speed must be ${LIMITS.minSpeed}..${LIMITS.maxSpeed} m/s`;
}

/** Why an order cannot be sent as it is (null when it can). */
export function orderProblem(order: Order): string | null {
  switch (order.type) {
    case 'takeoff':
      return altProblem(order.alt, 'takeoff');
    case 'goto':
      return positionProblem(order.lat, order.lon, 'goto') ?? altProblem(order.alt, 'goto') ?? speedProblem(order.speed, 'goto');
    case 'set-speed':
      return order.speed === undefined ? 'set-speed needs a speed' : speedProblem(order.speed, 'set-speed');
    case 'mission': {
      const n = order.waypoints.length;
      if (n < 1) return 'a mission needs at least one waypoint';
      if (n > LIMITS.maxWaypoints) return `a mission has at most ${LIMITS.maxWaypoints} waypoints`;
      for (let i = 0; i < n; i++) {
        const w = order.waypoints[i];
        const what = `waypoint ${i + 1}`;
        const problem = positionProblem(w.lat, w.lon, what) ?? altProblem(w.alt, what) ?? speedProblem(w.speed, what) ??
          (w.holdS !== undefined && !inRange(w.holdS, 0, LIMITS.maxHoldS) ? `${what}: hold must be 0..${LIMITS.maxHoldS} s` : null);
        if (problem) return problem;
      }
      return null;
    }
    default:
      return null;
  }
}

/**
 * The body of POST /api/v1/commands for an order to some drones: `droneId` for one, `droneIds` (sorted, no
 * repeats) for several. Optional fields left out are not sent, so the gateway's defaults apply (keep altitude,
 * cruise speed, 30 m takeoff, 300 s expiry).
 */
export function buildCommandRequest(droneIds: readonly number[], order: Order,
  extras: { idempotencyKey?: string; expiresInS?: number } = {}): Built<CommandRequest> {
  const ids = [...new Set(droneIds)].filter((id) => Number.isSafeInteger(id) && id > 0).sort((a, b) => a - b);
  if (ids.length === 0) return { ok: false, error: 'select one or more drones first' };
  const problem = orderProblem(order);
  if (problem) return { ok: false, error: problem };
  if (extras.expiresInS !== undefined && !inRange(extras.expiresInS, LIMITS.minExpiresInS, LIMITS.maxExpiresInS)) {
    return { ok: false, error: `expiry must be ${LIMITS.minExpiresInS}..${LIMITS.maxExpiresInS} s` };
  }
  const request: CommandRequest = ids.length === 1 ? { droneId: ids[0], type: order.type } : { droneIds: ids, type: order.type };
  switch (order.type) {
    case 'takeoff':
      if (order.alt !== undefined) request.alt = order.alt;
      break;
    case 'goto':
      request.lat = order.lat;
      request.lon = order.lon;
      if (order.alt !== undefined) request.alt = order.alt;
      if (order.speed !== undefined) request.speed = order.speed;
      break;
    case 'set-speed':
      request.speed = order.speed;
      break;
    case 'mission':
      request.waypoints = order.waypoints.map((w) => {
        const waypoint: Waypoint = { lat: w.lat, lon: w.lon };
        if (w.alt !== undefined) waypoint.alt = w.alt;
        if (w.speed !== undefined) waypoint.speed = w.speed;
        if (w.holdS !== undefined) waypoint.holdS = w.holdS;
        return waypoint;
      });
      break;
    default:
      break;
  }
  if (extras.expiresInS !== undefined) request.expiresInS = extras.expiresInS;
  if (extras.idempotencyKey) request.idempotencyKey = extras.idempotencyKey;
  return { ok: true, value: request };
}

/**
 * A number typed into an optional field: blank is "not given" (undefined), anything unreadable is an error (null),
 * so "60m" is refused rather than silently ignored.
 */
export function optionalNumber(text: string): number | undefined | null {
  const t = text.trim();
  if (t === '') return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

/** An order to several drones, and any emergency stop, is sent only after the operator confirms it. */
export function needsConfirmation(order: Order, droneCount: number): boolean {
  return droneCount > 1 || order.type === 'stop';
}

const LABELS: Record<string, string> = {
  'takeoff': 'take off', 'goto': 'go to', 'mission': 'mission', 'hold': 'hold', 'resume': 'resume',
  'return-to-home': 'return to home', 'land': 'land', 'set-speed': 'set speed', 'cancel': 'cancel', 'stop': 'emergency stop',
};

export function typeLabel(type: string): string {
  return LABELS[type] ?? type;
}

const plural = (n: number) => `${n} drone${n === 1 ? '' : 's'}`;

/** What the confirmation dialog asks, naming how many drones the order goes to. */
export function confirmationText(order: Order, droneCount: number): string {
  if (order.type === 'stop') {
    return `Emergency stop ${plural(droneCount)}? They stop and come down at once, wherever they are.`;
  }
  return `Send "${typeLabel(order.type)}"${orderDetail(order)} to ${plural(droneCount)}?`;
}

function orderDetail(order: Order): string {
  switch (order.type) {
    case 'goto': return ` (${order.lat.toFixed(5)}, ${order.lon.toFixed(5)}${order.alt !== undefined ? ` at ${order.alt} m` : ''})`;
    case 'takeoff': return order.alt !== undefined ? ` (to ${order.alt} m)` : '';
    case 'set-speed': return ` (${order.speed} m/s)`;
    case 'mission': return ` (${order.waypoints.length} waypoint${order.waypoints.length === 1 ? '' : 's'})`;
    default: return '';
  }
}

/** A command's parameters in a few words, for the timeline. */
export function paramsSummary(command: Pick<Command, 'type' | 'params'>): string {
  const p = command.params;
  const n = (v: unknown, digits = 0) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : null);
  switch (command.type) {
    case 'goto': {
      const at = n(p.lat, 5) && n(p.lon, 5) ? `${n(p.lat, 5)}, ${n(p.lon, 5)}` : '';
      return [at, n(p.alt) ? `${n(p.alt)} m` : '', n(p.speed, 1) ? `${n(p.speed, 1)} m/s` : ''].filter(Boolean).join(' · ');
    }
    case 'takeoff': return n(p.alt) ? `to ${n(p.alt)} m` : '';
    case 'set-speed': return n(p.speed, 1) ? `${n(p.speed, 1)} m/s` : '';
    case 'mission': return Array.isArray(p.waypoints) ? `${p.waypoints.length} waypoints` : '';
    case 'cancel': return typeof p.targetCommandId === 'string' ? `of ${p.targetCommandId}` : '';
    default: return '';
  }
}

/** One drone the gateway would not address in a multi-drone order. */
export interface Refusal {
  droneId: number;
  status: number;
  title: string;
  detail: string;
}

/** The answer to a POST: the commands created (one, or one per drone) and the drones refused. */
export function parseSendAnswer(body: unknown): { commands: Command[]; refused: Refusal[] } {
  const single = parseCommand(body);
  if (single) return { commands: [single], refused: [] };
  const b = (body ?? {}) as Record<string, unknown>;
  const refused = Array.isArray(b.refused) ? b.refused.flatMap((r): Refusal[] => {
    const x = (r ?? {}) as Record<string, unknown>;
    return typeof x.droneId === 'number'
      ? [{ droneId: x.droneId, status: num(x.status) ?? 0, title: str(x.title), detail: str(x.detail) }]
      : [];
  }) : [];
  return { commands: parseCommands(b.commands), refused };
}

/**
 * A fresh idempotency key per operator action, so a POST retried for the same action does not order twice. The
 * gateway scopes keys to the token's name; time plus 48 random bits keep one operator's keys apart.
 */
export function newIdempotencyKey(random: () => number = Math.random, now: () => number = Date.now): string {
  return `ui-${now().toString(36)}-${Math.floor(random() * 2 ** 48).toString(36)}`;
}

/** What became of an order, for the line under the command buttons. */
export interface SendOutcome {
  kind: 'ok' | 'partial' | 'refused';
  text: string;
  commands: Command[];
  refused: Refusal[];
}

/**
 * Reads the answer to a POST for the operator: which drones got the order, which were refused and why. A refused
 * single order (400, 404, 422 geofence ...) shows the problem's title and detail; its ledger id, if the gateway
 * recorded it, is named too, since the audit shows it.
 */
export function sendOutcome(answer: ApiResult<unknown>, order: Order): SendOutcome {
  const label = `"${typeLabel(order.type)}"`;
  if (!answer.ok) {
    const id = answer.problem.commandId ? ` (command ${answer.problem.commandId})` : '';
    return { kind: 'refused', text: `${label} refused: ${problemText(answer.problem)}${id}`, commands: [], refused: [] };
  }
  const { commands, refused } = parseSendAnswer(answer.body);
  const sentTo = commands.length === 1 ? `drone ${commands[0].droneId}` : plural(commands.length);
  if (refused.length === 0) {
    const id = commands.length === 1 ? ` (command ${commands[0].id})` : '';
    return { kind: 'ok', text: `${label} sent to ${sentTo}${id}`, commands, refused };
  }
  const text = commands.length === 0
    ? `${label} refused for every drone (${refused.length})`
    : `${label} sent to ${sentTo}; refused for ${plural(refused.length)}`;
  return { kind: commands.length === 0 ? 'refused' : 'partial', text, commands, refused };
}

/**
 * Where active orders take their drones, for the map: for a goto its target, for a mission the waypoints still
 * ahead (from `waypointIndex`); each with a line from the drone's position when it is known.
 */
export function orderTargetsGeoJSON(commands: readonly Command[],
  positionOf: (droneId: number) => { lon: number; lat: number } | undefined): GeoJSON.FeatureCollection {
  const features: GeoJSON.Feature[] = [];
  for (const c of commands) {
    if (isFinal(c.state)) continue;
    let ahead: number[][] = [];
    if (c.type === 'goto' && typeof c.params.lat === 'number' && typeof c.params.lon === 'number') {
      ahead = [[c.params.lon, c.params.lat]];
    } else if (c.type === 'mission' && Array.isArray(c.params.waypoints)) {
      ahead = (c.params.waypoints as { lat?: unknown; lon?: unknown }[])
        .slice(Math.max(0, c.waypointIndex ?? 0))
        .filter((w) => typeof w?.lat === 'number' && typeof w?.lon === 'number')
        .map((w) => [w.lon as number, w.lat as number]);
    }
    if (ahead.length === 0) continue;
    const from = positionOf(c.droneId);
    const line = from ? [[from.lon, from.lat], ...ahead] : ahead;
    if (line.length > 1) features.push({ type: 'Feature', properties: { commandId: c.id }, geometry: { type: 'LineString', coordinates: line } });
    for (const p of ahead) features.push({ type: 'Feature', properties: { commandId: c.id }, geometry: { type: 'Point', coordinates: p } });
  }
  return { type: 'FeatureCollection', features };
}
