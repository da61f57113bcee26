// The dashboard's model of the fleet: the newest state of each drone, merged by sequence number.
import { toDrone, type Drone, type WireDrone } from './model';
import type { Alert } from './protocol';
import { RateMeter, SampleWindow } from './stats';

export class FleetStore {
  readonly drones = new Map<number, Drone>();
  /** Bumped on every change, so views can tell cheaply whether to redraw. */
  version = 0;
  /** Snapshots applied so far (views refit or reset on the first). */
  snapshots = 0;
  /** WebSocket messages (snapshot, changes) and drone states received, per second. */
  readonly messageRate = new RateMeter();
  readonly updateRate = new RateMeter();
  /** Telemetry age (receipt time minus sender time) of recent live changes, in ms. */
  readonly ages = new SampleWindow(8192);
  /** Active alerts by key, as the gateway reports them. */
  readonly alerts = new Map<string, Alert>();
  /** Bumped when the active alerts change. */
  alertVersion = 0;

  /** The whole list of active alerts (sent on connect, and again after a missed update). */
  applyAlerts(list: readonly Alert[]): void {
    this.alerts.clear();
    for (const alert of list) this.alerts.set(alert.key, alert);
    this.alertVersion++;
  }

  /** One alert raised or cleared. */
  applyAlert(event: 'raised' | 'cleared', alert: Alert): void {
    if (event === 'raised') this.alerts.set(alert.key, alert);
    else this.alerts.delete(alert.key);
    this.alertVersion++;
  }

  /** Drones with at least one active alert (both drones of a loss of separation). */
  alertedDrones(): Set<number> {
    const ids = new Set<number>();
    for (const alert of this.alerts.values()) {
      ids.add(alert.droneId);
      if (alert.otherDroneId !== undefined) ids.add(alert.otherDroneId);
    }
    return ids;
  }

  /** A snapshot replaces everything the store held (contract: a snapshot resets what the client holds). */
  applySnapshot(list: readonly WireDrone[], nowMs: number): void {
    this.drones.clear();
    for (const wire of list) {
      if (!isDrone(wire)) continue;
      const current = this.drones.get(wire.id);
      if (current && wire.seq <= current.seq) continue;
      this.drones.set(wire.id, toDrone(wire, nowMs));
    }
    this.snapshots++;
    this.messageRate.add(1, nowMs);
    this.updateRate.add(list.length, nowMs);
    this.version++;
  }

  /**
   * Applies a `changes` message: keeps only the newest sequence number per drone (a late or repeated state never
   * replaces a newer one), then drops the removed ids. Returns how many states were applied.
   */
  applyChanges(list: readonly WireDrone[], removed: readonly number[], nowMs: number): number {
    let applied = 0;
    for (const wire of list) {
      if (!isDrone(wire)) continue;
      const current = this.drones.get(wire.id);
      if (current && wire.seq <= current.seq) continue;
      const drone = toDrone(wire, nowMs);
      this.drones.set(wire.id, drone);
      this.ages.add(nowMs - drone.sentAtMs, nowMs);
      applied++;
    }
    for (const id of removed) if (this.drones.delete(id)) applied++;
    this.messageRate.add(1, nowMs);
    this.updateRate.add(list.length, nowMs);
    if (applied > 0) this.version++;
    return applied;
  }

  /** Forget everything (e.g. the link is gone for good). */
  clear(): void {
    this.drones.clear();
    this.ages.clear();
    this.version++;
  }
}

function isDrone(value: unknown): value is WireDrone {
  const d = value as WireDrone;
  return d != null && typeof d === 'object' && Number.isFinite(d.id) && Number.isFinite(d.seq) &&
    Number.isFinite(d.lat) && Number.isFinite(d.lon);
}
