import { fmt } from '../format';
import type { Alert } from '../protocol';

/** How each alert reads in the list. */
const LABELS: Record<string, string> = {
  LOW_BATTERY: 'low battery',
  LOST_LINK: 'lost link',
  GEOFENCE_BREACH: 'geofence breach',
  LOSS_OF_SEPARATION: 'loss of separation',
  IMPLAUSIBLE_JUMP: 'implausible jump',
};
const UNITS: Record<string, string> = {
  LOW_BATTERY: '%', LOST_LINK: ' s', LOSS_OF_SEPARATION: ' m', IMPLAUSIBLE_JUMP: ' m/s',
};

/**
 * Rows listed at most (the panel shows about six at a time and scrolls): each row's age changes at every refresh of the
 * page, and each change is laid out again.
 */
const ROWS = 50;

interface Props {
  /** Newest first. */
  alerts: readonly Alert[];
  now: number;
  onSelect: (id: number) => void;
}

/** Active alerts, newest first; clicking one selects its drone. */
export function AlertsPanel({ alerts: sorted, now, onSelect }: Props) {
  return (
    <section className="alerts" data-testid="alerts-panel">
      <h2>
        Alerts <span className={sorted.length > 0 ? 'badge badge-alert' : 'badge'} data-testid="alert-count">{sorted.length}</span>
      </h2>
      {sorted.length === 0 ? <p className="muted">none active</p> : (
        <ul>
          {sorted.slice(0, ROWS).map((alert) => (
            <li key={alert.key} data-testid={`alert-row-${alert.key}`}>
              <button type="button" onClick={() => onSelect(alert.droneId)} title={`raised ${alert.raisedAt} on ${alert.node}`}>
                <span className="alert-type">{LABELS[alert.alertType] ?? alert.alertType}</span>
                <span className="alert-drones">
                  #{alert.droneId}{alert.otherDroneId !== undefined ? ` · #${alert.otherDroneId}` : ''}
                </span>
                <span className="alert-value">{alert.value === null ? '' : `${alert.value}${UNITS[alert.alertType] ?? ''}`}</span>
                <span className="alert-age">{fmt.ago(now - Date.parse(alert.raisedAt))}</span>
              </button>
            </li>
          ))}
          {sorted.length > ROWS && <li className="muted">and {sorted.length - ROWS} more</li>}
        </ul>
      )}
    </section>
  );
}
