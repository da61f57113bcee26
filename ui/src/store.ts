// The page's model of the fleet: a copy of the worker's columns (fleet/columns.ts), brought up to date by sync
// packets (fleet/ingest.ts), plus the active alerts and the live statistics the header shows. The map and the table
// read the columns; `drones` is a read-only Map-like view that makes a Drone object on demand (panels, the browser
// test, a person poking at `window.__odyssey`), never per update.
import { ActiveAlerts } from './activeAlerts';
import { emptyValues, FleetColumns, Names, STATUS_NAMES } from './fleet/columns';
import { readRow, rowIsLive, type SyncPacket } from './fleet/ingest';
import type { Drone } from './model';
import type { Alert } from './protocol';
import { RateMeter, SampleWindow } from './stats';

/** The drones as a read-only map by id, each value made from the columns when asked for. */
export class DroneView implements ReadonlyMap<number, Drone> {
  constructor(private readonly store: FleetStore) {}

  get size(): number {
    return this.store.columns.size;
  }

  has(id: number): boolean {
    return this.store.columns.slots.has(id);
  }

  get(id: number): Drone | undefined {
    const slot = this.store.columns.slots.get(id);
    return slot === undefined ? undefined : this.store.droneAt(slot);
  }

  keys(): MapIterator<number> {
    return this.store.columns.slots.keys();
  }

  *values(): MapIterator<Drone> {
    for (const slot of this.store.columns.slots.values()) yield this.store.droneAt(slot);
  }

  *entries(): MapIterator<[number, Drone]> {
    for (const [id, slot] of this.store.columns.slots) yield [id, this.store.droneAt(slot)];
  }

  [Symbol.iterator](): MapIterator<[number, Drone]> {
    return this.entries();
  }

  forEach(fn: (value: Drone, key: number, map: ReadonlyMap<number, Drone>) => void): void {
    for (const [id, drone] of this.entries()) fn(drone, id, this);
  }
}

export class FleetStore {
  readonly columns = new FleetColumns();
  readonly statuses = new Names(STATUS_NAMES, 254);
  readonly nodes = new Names([], 0xfffe);
  readonly drones: DroneView = new DroneView(this);
  /** Bumped on every change, so views can tell cheaply whether to redraw. */
  version = 0;
  /** Snapshots applied so far (views refit or reset on the first). */
  snapshots = 0;
  /** Drone frames (snapshot, changes) and drone states received, per second. */
  readonly messageRate = new RateMeter();
  readonly updateRate = new RateMeter();
  /** Arrival age of recent live changes: the worker's clock when it decoded the state minus the drone's send time, ms. */
  readonly ages = new SampleWindow(8192);
  /** Frames the worker refused (broken binary) and drones not held (over the bound), since the page started. */
  refusedFrames = 0;
  droppedDrones = 0;
  private readonly active = new ActiveAlerts();
  private readonly row = emptyValues();

  droneAt(slot: number): Drone {
    return this.columns.drone(slot, this.statuses, this.nodes);
  }

  /**
   * Applies what the worker decoded since its last packet: a reset (snapshot) first, then the ids that left, then the
   * newest state of each changed drone. Returns the number of drone states applied.
   */
  applySync(packet: SyncPacket, nowMs: number): number {
    if (packet.statusNames.length > 0) packet.statusNames.forEach((name, i) => this.nameAt(this.statuses, packet.statusNamesFrom + i, name));
    if (packet.nodeNames.length > 0) packet.nodeNames.forEach((name, i) => this.nameAt(this.nodes, packet.nodeNamesFrom + i, name));
    if (packet.reset) {
      this.columns.clear();
      this.snapshots = packet.snapshots;
    }
    let applied = 0;
    for (const id of packet.removed) if (this.columns.remove(id) >= 0) applied++;
    const v = this.row;
    for (let i = 0; i < packet.count; i++) {
      readRow(packet.rows, i, v);
      // A new link may start over with lower sequences; only the worker's snapshot (reset) may do that.
      if (this.columns.upsert(v) < 0) continue;
      applied++;
      if (rowIsLive(packet.rows, i)) this.ages.add(v.receivedAtMs - v.sentAtMs, nowMs);
    }
    this.refusedFrames += packet.refused;
    this.droppedDrones += packet.dropped;
    if (packet.messages > 0) this.messageRate.add(packet.messages, nowMs);
    if (packet.updates > 0) this.updateRate.add(packet.updates, nowMs);
    if (applied > 0 || packet.reset) this.version++;
    return applied;
  }

  /** The whole list of active alerts (sent on connect, and again after a missed update). */
  applyAlerts(list: readonly Alert[]): void {
    this.active.replace(list);
  }

  /** One alert raised or cleared. */
  applyAlert(event: 'raised' | 'cleared', alert: Alert): void {
    this.active.apply(event, alert);
  }

  /** Active alerts by key, as the gateway reports them. */
  get alerts(): ReadonlyMap<string, Alert> {
    return this.active.byKey;
  }

  /** Bumped when the active alerts change. */
  get alertVersion(): number {
    return this.active.version;
  }

  /** The active alerts, newest first (sorted once per change). */
  alertsNewestFirst(): readonly Alert[] {
    return this.active.newestFirst();
  }

  /** Drones with at least one active alert (both drones of a loss of separation). */
  alertedDrones(): Set<number> {
    return this.active.drones();
  }

  /** Forget everything (e.g. the link is gone for good). */
  clear(): void {
    this.columns.clear();
    this.ages.clear();
    this.version++;
  }

  private nameAt(names: Names, code: number, name: string): void {
    // The worker's tables only grow, in order: the page's copy learns each name at the same code.
    if (names.name(code) === undefined) names.code(name, -1);
  }
}
