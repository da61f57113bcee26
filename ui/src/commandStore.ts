// The commands the dashboard knows, by id: from /ws/commands (the 200 most recent on connect, then every change),
// from GET /api/v1/drones/{id} (a drone's 20 most recent) and from the answers to the dashboard's own POSTs. The
// same command can arrive from several of these in any order, so a version only replaces one that is not further
// along. Pure, unit-tested.
import { hasReason, isFinal, stateRank, type Command } from './commands';

/** One row of a command's timeline. */
export interface TimelineStep {
  state: string;
  at: string;
  atMs: number;
  /** Since the command was issued (NaN when either time is unreadable). */
  sinceIssuedMs: number;
  reason: string | null;
  progress: number | null;
}

/**
 * Whether `candidate` is at least as far along as `current` (so it should replace it): by state (a final state is
 * never replaced by a non-final one), then by the number of transitions, then by progress. Equal versions replace,
 * so the newest arrival wins a tie (it carries any field that changed without a transition, e.g. `attempts`).
 */
export function isNewer(candidate: Command, current: Command): boolean {
  const byState = stateRank(candidate.state) - stateRank(current.state);
  if (byState !== 0) return byState > 0;
  const byTransitions = candidate.transitions.length - current.transitions.length;
  if (byTransitions !== 0) return byTransitions > 0;
  return (candidate.progress ?? -1) >= (current.progress ?? -1);
}

/** Ids are decimal strings of growing numbers: longer is larger, then lexical order. */
export function compareIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** Newest first: by issue time, then by id (issued in the same millisecond). */
export function newestFirst(a: Command, b: Command): number {
  const ta = Number.isFinite(a.issuedAtMs) ? a.issuedAtMs : -Infinity;
  const tb = Number.isFinite(b.issuedAtMs) ? b.issuedAtMs : -Infinity;
  if (ta !== tb) return tb - ta;
  return compareIds(b.id, a.id);
}

/**
 * A command's states in the order they happened, with the time since it was issued: transitions sorted by time
 * (ties by state order, so a list sent out of order still reads issued → sent → accepted), and a run of the same
 * state (progress reports while in progress) folded into its first row, carrying the latest progress. A current
 * state none of the transitions has is added at the end, without a time.
 */
export function timeline(command: Command): TimelineStep[] {
  const sorted = command.transitions
    .map((t, i) => ({ t, i }))
    .sort((a, b) => {
      const ta = Number.isFinite(a.t.atMs) ? a.t.atMs : Infinity;
      const tb = Number.isFinite(b.t.atMs) ? b.t.atMs : Infinity;
      if (ta !== tb) return ta - tb;
      const byRank = stateRank(a.t.state) - stateRank(b.t.state);
      return byRank !== 0 ? byRank : a.i - b.i;
    })
    .map(({ t }) => t);
  const steps: TimelineStep[] = [];
  for (const t of sorted) {
    const last = steps[steps.length - 1];
    if (last && last.state === t.state) {
      if (t.progress !== null) last.progress = t.progress;
      if (t.reason) last.reason = t.reason;
      continue;
    }
    steps.push({ state: t.state, at: t.at, atMs: t.atMs, sinceIssuedMs: t.atMs - command.issuedAtMs, reason: t.reason, progress: t.progress });
  }
  let current: TimelineStep | undefined;
  for (const step of steps) if (step.state === command.state) current = step;
  if (!current) {
    steps.push({ state: command.state, at: '', atMs: NaN, sinceIssuedMs: NaN, reason: command.reason, progress: command.progress });
  } else {
    // The command's own fields are the newest word on its current state.
    if (command.progress !== null) current.progress = command.progress;
    if (command.reason && hasReason(command.state)) current.reason = command.reason;
  }
  return steps;
}

export class CommandStore {
  readonly byId = new Map<string, Command>();
  /** Bumped on every change, so views can tell cheaply whether to redraw. */
  version = 0;

  /** At most this many commands are kept; beyond it the oldest final ones go first. */
  constructor(private readonly capacity = 2000) {}

  /** Applies one command; true when it was new or further along than the one held. */
  apply(command: Command): boolean {
    const current = this.byId.get(command.id);
    if (current && !isNewer(command, current)) return false;
    this.byId.set(command.id, command);
    this.version++;
    if (!current && this.byId.size > this.capacity) this.prune();
    return true;
  }

  /**
   * Applies a list (the feed's `commands` on connect, a drone's recent commands). It is merged, not swapped in: the
   * feed's list holds only the 200 most recent, and what the dashboard fetched for a drone is still true.
   */
  applyAll(commands: readonly Command[]): number {
    let applied = 0;
    for (const command of commands) if (this.apply(command)) applied++;
    return applied;
  }

  get(id: string): Command | undefined {
    return this.byId.get(id);
  }

  /** A drone's commands, newest first. */
  forDrone(droneId: number, limit = 20): Command[] {
    const list: Command[] = [];
    for (const command of this.byId.values()) if (command.droneId === droneId) list.push(command);
    return list.sort(newestFirst).slice(0, limit);
  }

  /** All commands, newest first. */
  recent(limit = 50): Command[] {
    return [...this.byId.values()].sort(newestFirst).slice(0, limit);
  }

  /** Commands not yet final, of the given drones (all drones when omitted). */
  active(droneIds?: ReadonlySet<number>): Command[] {
    const list: Command[] = [];
    for (const command of this.byId.values()) {
      if (!isFinal(command.state) && (!droneIds || droneIds.has(command.droneId))) list.push(command);
    }
    return list.sort(newestFirst);
  }

  private prune(): void {
    const excess = this.byId.size - this.capacity;
    const oldest = [...this.byId.values()].sort((a, b) => -newestFirst(a, b));
    let removed = 0;
    // Final ones first: an active command's fate is still to be shown.
    for (const pass of [true, false]) {
      for (const command of oldest) {
        if (removed >= excess) return;
        if (isFinal(command.state) === pass && this.byId.delete(command.id)) removed++;
      }
    }
  }
}
