import { useEffect, useMemo, useRef, useState } from 'react';
import { FleetConnection, fleetSocketUrl, type LinkState } from './connection';
import { bounds, filterAndSort, FleetStore, STATUS_COLORS, STATUSES, toSubscriptionBox, type Drone, type Filter, type SortKey, type SortOrder } from './fleet';
import { FleetMap, type MapConfig } from './fleetMap';
import { fmt } from './format';

const TABLE_REFRESH_MS = 250;
/** Map redraw cadence: every telemetry frame for small fleets, less often for large ones (one setData re-tiles all). */
function mapRefreshMs(drones: number): number {
  return drones <= 1000 ? 66 : drones <= 3000 ? 100 : 200;
}
const MAX_ROWS = 300;

interface ClientConfig extends MapConfig {
  wsPath: string;
}

async function loadConfig(): Promise<ClientConfig> {
  const fallback: ClientConfig = { tileUrl: null, tileAttribution: '', wsPath: '/ws/fleet' };
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (!response.ok) return fallback;
    return { ...fallback, ...(await response.json()) };
  } catch {
    return fallback;
  }
}

export function App() {
  const store = useMemo(() => new FleetStore(), []);
  const mapElement = useRef<HTMLDivElement>(null);
  const mapRef = useRef<FleetMap | null>(null);
  const [link, setLink] = useState<LinkState>({ kind: 'connecting', attempt: 1 });
  const [tick, setTick] = useState(0);
  const [selected, setSelected] = useState<number | null>(null);
  const [filter, setFilter] = useState<Filter>({ idText: '', status: '' });
  const [order, setOrder] = useState<SortOrder>({ key: 'id', descending: false });
  const [followView, setFollowView] = useState(true);
  const [rate, setRate] = useState(0);
  const [renderAge, setRenderAge] = useState(false);
  const followRef = useRef(followView);
  followRef.current = followView;

  useEffect(() => {
    let connection: FleetConnection | null = null;
    let fitted = false;
    let lastVersion = -1;
    let mapTimer = 0;
    const tableTimer = window.setInterval(() => setTick((t) => t + 1), TABLE_REFRESH_MS);
    let lastMessages = 0;
    const rateTimer = window.setInterval(() => {
      setRate(store.messages - lastMessages);
      lastMessages = store.messages;
    }, 1000);

    loadConfig().then((config) => {
      const map = new FleetMap(mapElement.current!, config);
      mapRef.current = map;
      map.onSelect = (id) => setSelected(id);
      connection = new FleetConnection(fleetSocketUrl(config.wsPath), store);
      connection.onState = setLink;
      connection.onSnapshot = () => {
        if (!fitted && store.drones.size > 0) {
          const box = bounds(store.drones.values());
          if (box) {
            fitted = true;
            const fit = () => map.fitTo(box);
            if (map.isReady()) fit(); else map.map.once('load', fit);
          }
        }
      };
      map.onViewChange = (b) => {
        if (fitted && followRef.current) connection?.subscribe(toSubscriptionBox(b.getWest(), b.getSouth(), b.getEast(), b.getNorth()));
      };
      connection.start();
      let lastDrawn = 0;
      mapTimer = window.setInterval(() => {
        const now = performance.now();
        if (store.version !== lastVersion && map.isReady() && now - lastDrawn >= mapRefreshMs(store.drones.size)) {
          lastVersion = store.version;
          lastDrawn = now;
          map.render(store.drones.values());
        }
      }, 33);
      (window as unknown as { __odyssey: unknown }).__odyssey = { map: map.map, store, connection };
    });
    return () => {
      window.clearInterval(tableTimer);
      window.clearInterval(rateTimer);
      window.clearInterval(mapTimer);
      connection?.close();
    };
  }, [store]);

  useEffect(() => mapRef.current?.select(selected), [selected]);
  useEffect(() => {
    if (!mapRef.current) return;
    mapRef.current.measureRenderAge = renderAge;
    mapRef.current.renderAges.clear();
  }, [renderAge]);

  useEffect(() => {
    const connection = (window as unknown as { __odyssey?: { connection: FleetConnection; map: import('maplibre-gl').Map } }).__odyssey;
    if (!connection) return;
    if (followView) {
      const b = connection.map.getBounds();
      connection.connection.subscribe(toSubscriptionBox(b.getWest(), b.getSouth(), b.getEast(), b.getNorth()));
    } else {
      connection.connection.subscribe(null);
    }
  }, [followView]);

  const now = Date.now();
  const rows = useMemo(() => filterAndSort(store.drones.values(), filter, order, now), [tick, filter, order]); // eslint-disable-line
  const [p50, p99] = useMemo(() => store.ages.percentiles([50, 99]), [tick]); // eslint-disable-line
  const [r50, r99] = useMemo(() => (renderAge && mapRef.current ? mapRef.current.renderAges.percentiles([50, 99]) : [NaN, NaN]),
    [tick, renderAge]); // eslint-disable-line
  const drone = selected != null ? store.drones.get(selected) : undefined;
  const counts = useMemo(() => {
    const byStatus = new Map<string, number>();
    for (const d of store.drones.values()) byStatus.set(d.status, (byStatus.get(d.status) ?? 0) + 1);
    return byStatus;
  }, [tick]); // eslint-disable-line

  const sortBy = (key: SortKey) => setOrder((o) => ({ key, descending: o.key === key ? !o.descending : false }));
  const arrow = (key: SortKey) => (order.key === key ? (order.descending ? ' ▼' : ' ▲') : '');

  return (
    <div className="app">
      <header>
        <h1>Odyssey <span>mission control</span></h1>
        <div className={`link link-${link.kind}`} data-testid="connection-status">
          {link.kind === 'live' && '● live'}
          {link.kind === 'connecting' && `○ connecting${link.attempt > 1 ? ` (attempt ${link.attempt})` : ''}`}
          {link.kind === 'reconnecting' && `○ reconnecting in ${(link.inMs / 1000).toFixed(1)} s (attempt ${link.attempt})`}
        </div>
        <div className="stat"><b data-testid="drone-count">{store.drones.size}</b> drones{followView ? ' in view' : ''}</div>
        <div className="stat"><b>{rate}</b> msgs/s</div>
        <div className="stat" title="Telemetry age on arrival: drone send to browser receive">age p50 <b>{fmt.ms(p50)}</b> p99 <b>{fmt.ms(p99)}</b></div>
        <button className={`toggle ${renderAge ? 'on' : ''}`} data-testid="render-age-toggle" onClick={() => setRenderAge((on) => !on)}
          title="Measure the age of what the map draws: drone send to the frame that shows it">
          {renderAge ? <>drawn age p50 <b data-testid="render-age-p50">{fmt.ms(r50)}</b> p99 <b>{fmt.ms(r99)}</b></> : 'measure drawn age'}
        </button>
        <div className="legend">
          {STATUSES.map((s) => (
            <span key={s} className="legend-item"><i style={{ background: STATUS_COLORS[s] }} />{fmt.status(s)} {counts.get(s) ?? 0}</span>
          ))}
        </div>
      </header>
      <main>
        <div className="map" ref={mapElement} data-testid="map" />
        <aside>
          <div className="filters">
            <input placeholder="Filter by id" value={filter.idText} data-testid="filter-id"
              onChange={(e) => setFilter({ ...filter, idText: e.target.value })} />
            <select value={filter.status} data-testid="filter-status"
              onChange={(e) => setFilter({ ...filter, status: e.target.value as Filter['status'] })}>
              <option value="">all statuses</option>
              {STATUSES.map((s) => <option key={s} value={s}>{fmt.status(s)}</option>)}
            </select>
            <label title="Only receive drones inside the visible map area">
              <input type="checkbox" checked={followView} onChange={(e) => setFollowView(e.target.checked)} /> map view only
            </label>
          </div>
          <div className="table-wrap">
            <table data-testid="fleet-table">
              <thead>
                <tr>
                  <th onClick={() => sortBy('id')}>id{arrow('id')}</th>
                  <th onClick={() => sortBy('status')}>status{arrow('status')}</th>
                  <th onClick={() => sortBy('bat')}>battery{arrow('bat')}</th>
                  <th onClick={() => sortBy('alt')}>alt{arrow('alt')}</th>
                  <th onClick={() => sortBy('spd')}>speed{arrow('spd')}</th>
                  <th onClick={() => sortBy('age')}>age{arrow('age')}</th>
                  <th>seq</th>
                </tr>
              </thead>
              <tbody>
                {rows.slice(0, MAX_ROWS).map((d) => (
                  <tr key={d.id} data-testid={`drone-row-${d.id}`} className={d.id === selected ? 'selected' : ''}
                    onClick={() => setSelected(d.id)}>
                    <td>{d.id}</td>
                    <td><i className="dot" style={{ background: STATUS_COLORS[d.status] }} />{fmt.status(d.status)}</td>
                    <td className={d.bat < 20 ? 'warn' : ''}>{fmt.battery(d.bat)}</td>
                    <td>{d.alt.toFixed(0)}</td>
                    <td>{d.spd.toFixed(1)}</td>
                    <td>{fmt.ms(now - d.sentAtMs)}</td>
                    <td data-testid={`drone-seq-${d.id}`}>{d.seq}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {rows.length > MAX_ROWS && <div className="more">showing {MAX_ROWS} of {rows.length}: filter to narrow</div>}
            {rows.length === 0 && <div className="more">no drones match</div>}
          </div>
          <Detail drone={drone} now={now} id={selected} />
        </aside>
      </main>
    </div>
  );
}

function Detail({ drone, now, id }: { drone: Drone | undefined; now: number; id: number | null }) {
  if (id == null) return <div className="detail empty" data-testid="detail-panel">Select a drone on the map or in the table.</div>;
  if (!drone) return <div className="detail empty" data-testid="detail-panel">Drone {id} is not in view.</div>;
  const row = (label: string, value: string) => <div className="kv"><span>{label}</span><b>{value}</b></div>;
  return (
    <div className="detail" data-testid="detail-panel">
      <h2>Drone <span data-testid="detail-id">{drone.id}</span> <i className="dot" style={{ background: STATUS_COLORS[drone.status] }} />{fmt.status(drone.status)}</h2>
      {row('position', `${fmt.coord(drone.lat)}, ${fmt.coord(drone.lon)}`)}
      {row('altitude', fmt.metres(drone.alt))}
      {row('speed', fmt.speed(drone.spd))}
      {row('climb', fmt.speed(drone.climb))}
      {row('heading', fmt.heading(drone.hdg))}
      {row('battery', fmt.battery(drone.bat))}
      {row('sequence', String(drone.seq))}
      {row('telemetry age', fmt.ms(now - drone.sentAtMs))}
      {row('ingest node', drone.node)}
    </div>
  );
}
