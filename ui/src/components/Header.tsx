import type { Identity } from '../auth';
import type { LinkState } from '../connection';
import { fmt } from '../format';
import { STATUSES, STATUS_COLORS, type Status } from '../model';

export function linkText(link: LinkState, now: number): string {
  if (link.kind === 'live') return 'live';
  const parts: string[] = [link.kind];
  if (link.attempt > 1 || link.kind === 'reconnecting') parts.push(`attempt ${link.attempt}`);
  if (link.retryAtMs !== null) parts.push(`retry in ${Math.max(0, (link.retryAtMs - now) / 1000).toFixed(1)} s`);
  return parts.join(' · ');
}

export interface HeaderProps {
  link: LinkState;
  now: number;
  shown: number;
  total: number;
  messageRate: number;
  updateRate: number;
  ageP50: number;
  ageP99: number;
  drawnAge: { on: boolean; p50: number; p99: number };
  onToggleDrawnAge: () => void;
  lastError: string | null;
  /** What the subscription covers: the visible map area or the whole fleet. */
  scope: string;
  /** Who the gateway says this is (null until whoami answers). */
  identity: Identity | null;
  /** Signed in with a token (else anonymous viewing, or not yet signed in). */
  signedIn: boolean;
  onSignIn: () => void;
  onSignOut: () => void;
}

export function Header(props: HeaderProps) {
  const { link } = props;
  return (
    <header className="topbar">
      <div className="brand">
        <svg viewBox="0 0 16 16" width="18" height="18" aria-hidden="true"><path d="M8 1l6 13-6-4-6 4z" fill="#4ade80" /></svg>
        <h1>Odyssey <span>fleet</span></h1>
      </div>
      <div className={`link link-${link.kind}`} data-testid="connection-status"
        title={link.kind === 'live' ? `live since ${new Date(link.sinceMs).toLocaleTimeString()}` : link.reason || 'connecting to the gateway'}>
        <i className="pulse" />{linkText(link, props.now)}
      </div>
      <div className="metrics">
        <Metric label="drones" title="Drones matching the table's filter / drones known (in the subscribed area)">
          <b data-testid="drones-shown">{props.shown}</b><span className="sep">/</span><b data-testid="drone-count">{props.total}</b>
        </Metric>
        <Metric label="msg/s" title="WebSocket messages per second (snapshots and change frames)">
          <b data-testid="message-rate">{fmt.rate(props.messageRate)}</b>
        </Metric>
        <Metric label="upd/s" title="Drone states received per second">
          <b>{fmt.rate(props.updateRate)}</b>
        </Metric>
        <Metric label="age p50 · p99" title="Telemetry age on arrival (browser receive time minus drone send time), last 5 s">
          <b data-testid="age-p50">{fmt.ms(props.ageP50)}</b><span className="sep">·</span><b data-testid="age-p99">{fmt.ms(props.ageP99)}</b>
        </Metric>
        <button type="button" className={`metric toggle ${props.drawnAge.on ? 'on' : ''}`} data-testid="render-age-toggle"
          onClick={props.onToggleDrawnAge} title="Measure the drawn age: from a drone state's send time to the first frame that shows the drone at that state (p50 · p99 since switched on)">
          <span className="metric-label">drawn age</span>
          {props.drawnAge.on
            ? <span className="metric-value"><b data-testid="render-age-p50">{fmt.ms(props.drawnAge.p50)}</b><span className="sep">·</span><b>{fmt.ms(props.drawnAge.p99)}</b></span>
            : <span className="metric-value muted">measure</span>}
        </button>
      </div>
      {props.lastError && <div className="gateway-error" title="The last error the gateway reported">{props.lastError}</div>}
      <div className="scope" title="What the dashboard subscribes to">subscribed to <b data-testid="scope">{props.scope}</b></div>
      <div className="identity" data-testid="identity">
        {props.identity && (
          <span title={props.signedIn ? 'Signed in with an access token' : 'The gateway lets anonymous viewers in'}>
            <b data-testid="whoami-name">{props.identity.name}</b>
            <span className={`role role-${props.identity.role}`} data-testid="whoami-role">{props.identity.role}</span>
          </span>
        )}
        {props.signedIn
          ? <button type="button" onClick={props.onSignOut} data-testid="signout" title="Forget the token of this tab">sign out</button>
          : props.identity && <button type="button" onClick={props.onSignIn} data-testid="signin-open" title="Sign in with a token to send commands">sign in</button>}
      </div>
    </header>
  );
}

function Metric({ label, title, children }: { label: string; title: string; children: React.ReactNode }) {
  return (
    <div className="metric" title={title}>
      <span className="metric-label">{label}</span>
      <span className="metric-value">{children}</span>
    </div>
  );
}

export interface LegendProps {
  counts: ReadonlyMap<string, number>;
  statusFilter: Status | '';
  onStatusClick: (status: Status) => void;
}

/** Status colours with live counts, over the map; a click filters the table to that status. */
export function Legend({ counts, statusFilter, onStatusClick }: LegendProps) {
  return (
    <div className="legend" data-testid="legend">
      {STATUSES.map((s) => (
        <button type="button" key={s} className={`legend-item ${statusFilter === s ? 'active' : ''}`}
          onClick={() => onStatusClick(s)} title={`Show only ${fmt.status(s)} drones in the table`}>
          <i style={{ background: STATUS_COLORS[s] }} /><span>{fmt.status(s)}</span><b>{counts.get(s) ?? 0}</b>
        </button>
      ))}
    </div>
  );
}
