// The gateway's active alerts as the fleet link reports them (a whole list on connect, then one raised or cleared at a
// time): kept by the page's store for the alerts panel, and by the fleet worker for the rings it draws.
import type { Alert } from './protocol';

export class ActiveAlerts {
  /** Active alerts by key. */
  readonly byKey = new Map<string, Alert>();
  /** Bumped when the active alerts change. */
  version = 0;
  private sorted: readonly Alert[] = [];
  private sortedVersion = -1;

  /** The whole list of active alerts (sent on connect, and again after a missed update). */
  replace(list: readonly Alert[]): void {
    this.byKey.clear();
    for (const alert of list) this.byKey.set(alert.key, alert);
    this.version++;
  }

  /** One alert raised or cleared. */
  apply(event: 'raised' | 'cleared', alert: Alert): void {
    if (event === 'raised') this.byKey.set(alert.key, alert);
    else this.byKey.delete(alert.key);
    this.version++;
  }

  /**
   * Newest first (by when they were raised), sorted again only after they changed: the alerts panel asks at every
   * refresh of the page, and the browser test's stack keeps 1,000 and more active.
   */
  newestFirst(): readonly Alert[] {
    if (this.sortedVersion !== this.version) {
      // By instant, not as text: the gateway writes "…:02Z" for a whole second and "…:02.100Z" otherwise.
      const keyed = [...this.byKey.values()].map((alert) => ({ alert, at: Date.parse(alert.raisedAt) || 0 }));
      this.sorted = keyed.sort((a, b) => b.at - a.at).map((k) => k.alert);
      this.sortedVersion = this.version;
    }
    return this.sorted;
  }

  /** Drones with at least one active alert (both drones of a loss of separation). */
  drones(): Set<number> {
    const ids = new Set<number>();
    for (const alert of this.byKey.values()) {
      ids.add(alert.droneId);
      if (alert.otherDroneId !== undefined) ids.add(alert.otherDroneId);
    }
    return ids;
  }
}
