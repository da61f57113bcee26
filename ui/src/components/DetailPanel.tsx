import { fmt } from '../format';
import { ageMs, flagNames, hops, statusColor, type Drone } from '../model';

export interface DetailPanelProps {
  id: number | null;
  /** The drone's current state, or the last one seen when it has left the subscribed area. */
  drone: Drone | undefined;
  inView: boolean;
  now: number;
  onClose: () => void;
  onCentre: (drone: Drone) => void;
}

export function DetailPanel({ id, drone, inView, now, onClose, onCentre }: DetailPanelProps) {
  if (id === null || !drone) {
    return (
      <section className="detail empty" data-testid="detail-panel">
        {id === null ? 'Select a drone on the map or in the table.' : `Drone ${id} is not in the subscribed area.`}
      </section>
    );
  }
  const h = hops(drone);
  const flags = flagNames(drone.flags);
  const battery = Number.isFinite(drone.bat) ? Math.max(0, Math.min(100, drone.bat)) : 0;
  return (
    <section className={`detail ${inView ? '' : 'stale'}`} data-testid="detail-panel">
      <div className="detail-head">
        <h2>
          Drone <span data-testid="detail-id">{drone.id}</span>
          <span className="badge" style={{ color: statusColor(drone.status), borderColor: statusColor(drone.status) }} data-testid="detail-status">
            {fmt.status(drone.status)}
          </span>
          {!inView && <span className="badge muted">out of view · last seen</span>}
        </h2>
        <div className="detail-actions">
          <button type="button" onClick={() => onCentre(drone)} title="Centre the map on this drone">centre</button>
          <button type="button" onClick={onClose} title="Clear the selection (Esc)" aria-label="Close">×</button>
        </div>
      </div>
      {flags.length > 0 && (
        <div className="flags">{flags.map((f) => <span key={f} className={`flag flag-${f.toLowerCase()}`}>{fmt.status(f)}</span>)}</div>
      )}
      <div className="kv-grid">
        <KV label="position" value={`${fmt.coord(drone.lat)}, ${fmt.coord(drone.lon)}`} wide testId="detail-position" />
        <KV label="altitude" value={fmt.metres(drone.alt)} />
        <KV label="climb" value={fmt.speed(drone.climb)} />
        <KV label="speed" value={fmt.speed(drone.spd)} />
        <KV label="heading" value={<><i className="heading-arrow" style={{ transform: `rotate(${Number.isFinite(drone.hdg) ? drone.hdg : 0}deg)` }}>↑</i>{fmt.heading(drone.hdg)}</>} />
        <KV label="battery" value={<><span className="battery"><span style={{ width: `${battery}%`, background: battery < 20 ? '#f87171' : battery < 40 ? '#facc15' : '#4ade80' }} /></span>{fmt.battery(drone.bat)}</>} />
        <KV label="sequence" value={String(drone.seq)} testId="detail-seq" />
        <KV label="telemetry age" value={fmt.age(ageMs(drone, now))} testId="detail-age" />
        <KV label="ingest node" value={drone.node || '–'} />
      </div>
      <div className="hops" title="Time on each hop of this state: drone → ingest → grid → gateway → browser">
        <span>hops</span>
        <b>ingest {fmt.ms(h.ingest)}</b>
        <b>grid {fmt.ms(h.grid)}</b>
        <b>gateway {fmt.ms(h.gateway)}</b>
        <b>browser {fmt.ms(h.browser)}</b>
      </div>
    </section>
  );
}

function KV({ label, value, wide, testId }: { label: string; value: React.ReactNode; wide?: boolean; testId?: string }) {
  return (
    <div className={`kv ${wide ? 'wide' : ''}`}>
      <span>{label}</span>
      <b data-testid={testId}>{value}</b>
    </div>
  );
}
