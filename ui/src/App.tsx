import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { AlertsPanel } from './components/AlertsPanel';
import { DetailPanel } from './components/DetailPanel';
import { FleetTable } from './components/FleetTable';
import { HistoryPanel, type HistoryView } from './components/HistoryPanel';
import { Header, Legend } from './components/Header';
import { loadConfig } from './config';
import { FleetConnection, fleetSocketUrl, type LinkState } from './connection';
import { FleetMap } from './fleetMap';
import { boundsOf, toSubscriptionBox } from './geo';
import type { Drone, Status } from './model';
import { FleetStore } from './store';
import { filterAndSort, nextOrder, NO_FILTER, type Filter, type SortKey, type SortOrder } from './table';
import { debounce } from './timing';

/** The table, header and detail panel re-render at this rate; the map redraws per animation frame on its own. */
const UI_REFRESH_MS = 250;
/** Telemetry age percentiles cover the samples of this last window. */
const AGE_WINDOW_MS = 5000;
/** Subscribe to the new view once the map has been still for this long. */
const SUBSCRIBE_DEBOUNCE_MS = 300;
/** When the first snapshot is empty, fit to the drones that arrived once this long has passed since the first one. */
const LATE_FIT_MS = 1500;

interface Debug {
  store: FleetStore;
  connection: FleetConnection | null;
  fleetMap: FleetMap | null;
  map: FleetMap['map'] | null;
}

declare global {
  interface Window {
    /** Debug handle for the browser test and for operators poking at a live page. */
    __odyssey?: Debug;
  }
}

export function App() {
  const store = useMemo(() => new FleetStore(), []);
  const mapElement = useRef<HTMLDivElement>(null);
  const fleetMapRef = useRef<FleetMap | null>(null);
  const connectionRef = useRef<FleetConnection | null>(null);
  const [link, setLink] = useState<LinkState>({ kind: 'connecting', attempt: 1, retryAtMs: null, reason: '' });
  const [lastError, setLastError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [selected, setSelected] = useState<number | null>(null);
  const [filter, setFilter] = useState<Filter>(NO_FILTER);
  const [order, setOrder] = useState<SortOrder>({ key: 'id', descending: false });
  const [followView, setFollowView] = useState(true);
  const [drawnAgeOn, setDrawnAgeOn] = useState(false);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [history, setHistory] = useState<HistoryView | null>(null);
  const followRef = useRef(followView);
  followRef.current = followView;
  const lastSeen = useRef<Drone | undefined>(undefined);
  const fitFleetRef = useRef<() => void>(() => {});

  useEffect(() => {
    let disposed = false;
    let fitted = false;
    let refitOnSnapshot = false;
    let firstDroneAt = 0;
    const refresh = window.setInterval(() => setTick((t) => t + 1), UI_REFRESH_MS);
    const subscribeToView = debounce(() => {
      const fleetMap = fleetMapRef.current;
      if (!fleetMap || !followRef.current || !fitted) return;
      const [w, s, e, n] = fleetMap.visibleBounds();
      connectionRef.current?.subscribe(toSubscriptionBox(w, s, e, n));
    }, SUBSCRIBE_DEBOUNCE_MS);

    const fitToFleet = () => {
      const fleetMap = fleetMapRef.current;
      const box = boundsOf(store.drones.values());
      if (!fleetMap || !box) return false;
      fitted = true;
      if (fleetMap.isReady()) fleetMap.fitTo(box);
      else fleetMap.map.once('load', () => fleetMap.fitTo(box));
      return true;
    };
    // Empty first snapshot (a fleet still starting): fit once drones have been arriving for a moment.
    const lateFit = window.setInterval(() => {
      if (fitted || store.drones.size === 0) return;
      if (firstDroneAt === 0) firstDroneAt = Date.now();
      else if (Date.now() - firstDroneAt >= LATE_FIT_MS) fitToFleet();
    }, 250);

    const debug: Debug = { store, connection: null, fleetMap: null, map: null };
    window.__odyssey = debug;

    loadConfig().then((config) => {
      if (disposed || !mapElement.current) return;
      const fleetMap = new FleetMap(mapElement.current, config, store);
      fleetMapRef.current = fleetMap;
      fleetMap.onSelect = setSelected;
      fleetMap.onViewChange = subscribeToView;
      const connection = new FleetConnection(fleetSocketUrl(config.wsPath, window.location), store);
      connectionRef.current = connection;
      connection.onState = setLink;
      connection.onServerError = setLastError;
      connection.onSnapshot = () => {
        if ((!fitted || refitOnSnapshot) && store.drones.size > 0) {
          refitOnSnapshot = false;
          fitToFleet();
        }
      };
      Object.assign(debug, { connection, fleetMap, map: fleetMap.map });
      // The whole fleet: drop the box, fit to the next snapshot, and the fit's moveend subscribes to the new view.
      fitFleetRef.current = () => {
        refitOnSnapshot = true;
        if (connection.subscription === null) fitToFleet();
        else connection.subscribe(null);
      };
      connection.start();
    });
    return () => {
      disposed = true;
      window.clearInterval(refresh);
      window.clearInterval(lateFit);
      subscribeToView.cancel();
      connectionRef.current?.close();
      fleetMapRef.current?.destroy();
      connectionRef.current = null;
      fleetMapRef.current = null;
    };
  }, [store]);

  useEffect(() => {
    fleetMapRef.current?.select(selected);
  }, [selected]);

  const fittedTracks = useRef<unknown>(null);
  useEffect(() => {
    const fleetMap = fleetMapRef.current;
    if (!fleetMap) return;
    fleetMap.showHistory(history ? history.tracks : null, history ? history.t : 0);
    // A newly loaded history: bring its trails into view.
    if (history && fittedTracks.current !== history.tracks) {
      fittedTracks.current = history.tracks;
      let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
      for (const tr of history.tracks) {
        tr.lons.forEach((lon, i) => {
          w = Math.min(w, lon); e = Math.max(e, lon);
          s = Math.min(s, tr.lats[i]); n = Math.max(n, tr.lats[i]);
        });
      }
      if (w <= e) fleetMap.fitTo([w, s, e, n]);
    }
  }, [history]);

  const closeHistory = useCallback(() => {
    setHistoryOpen(false);
    setHistory(null);
  }, []);

  useEffect(() => {
    const fleetMap = fleetMapRef.current;
    if (!fleetMap) return;
    fleetMap.measureDrawnAge = drawnAgeOn;
    fleetMap.drawnAges.clear();
  }, [drawnAgeOn]);

  const onFollowView = useCallback((follow: boolean) => {
    setFollowView(follow);
    const fleetMap = fleetMapRef.current;
    if (!follow || !fleetMap) {
      connectionRef.current?.subscribe(null);
      return;
    }
    const [w, s, e, n] = fleetMap.visibleBounds();
    connectionRef.current?.subscribe(toSubscriptionBox(w, s, e, n));
  }, []);


  // Everything below is recomputed at UI_REFRESH_MS, not per message.
  const now = Date.now();
  const rows = useMemo(() => filterAndSort(store.drones.values(), filter, order), [tick, filter, order]);
  const [ageP50, ageP99] = useMemo(() => store.ages.percentiles([50, 99], now - AGE_WINDOW_MS), [tick]);
  const [drawnP50, drawnP99] = useMemo(
    () => (drawnAgeOn && fleetMapRef.current ? fleetMapRef.current.drawnAges.percentiles([50, 99], -Infinity) : [NaN, NaN]),
    [tick, drawnAgeOn]);
  const counts = useMemo(() => {
    const byStatus = new Map<string, number>();
    for (const d of store.drones.values()) byStatus.set(d.status, (byStatus.get(d.status) ?? 0) + 1);
    return byStatus;
  }, [tick]);

  const current = selected !== null ? store.drones.get(selected) : undefined;
  if (current) lastSeen.current = current;
  else if (lastSeen.current?.id !== selected) lastSeen.current = undefined;

  return (
    <div className="app">
      <Header
        link={link} now={now} shown={rows.length} total={store.drones.size}
        messageRate={store.messageRate.rate(now)} updateRate={store.updateRate.rate(now)}
        ageP50={ageP50} ageP99={ageP99}
        drawnAge={{ on: drawnAgeOn, p50: drawnP50, p99: drawnP99 }}
        onToggleDrawnAge={() => setDrawnAgeOn((on) => !on)}
        lastError={lastError}
        scope={connectionRef.current?.subscription ? 'map area' : 'whole fleet'}
      />
      <main>
        <div className="map-wrap">
          <div className="map" ref={mapElement} data-testid="map" />
          <button type="button" className="map-button" onClick={() => fitFleetRef.current()} data-testid="fit-fleet"
            title="Zoom out to the whole fleet">whole fleet</button>
          <button type="button" className={`map-button map-button-2 ${historyOpen ? 'on' : ''}`} data-testid="history-toggle"
            onClick={() => (historyOpen ? closeHistory() : setHistoryOpen(true))}
            title="Play back drones' tracks from the archive">history</button>
          {history && <div className="map-banner history-banner" data-testid="history-banner">history · {new Date(history.t).toLocaleString()}</div>}
          <Legend counts={counts} statusFilter={filter.status}
            onStatusClick={(s: Status) => setFilter((f) => ({ ...f, status: f.status === s ? '' : s }))} />
          {link.kind !== 'live' && store.drones.size > 0 && <div className="map-banner">showing the last known positions</div>}
        </div>
        <aside>
          <FleetTable
            rows={rows} total={store.drones.size} now={now}
            selected={selected} onSelect={setSelected}
            order={order} onSort={(key: SortKey) => setOrder((o) => nextOrder(o, key))}
            filter={filter} onFilter={setFilter}
            followView={followView} onFollowView={onFollowView}
          />
          {historyOpen && <HistoryPanel selected={selected} view={history} onView={setHistory} onClose={closeHistory} />}
          <AlertsPanel alerts={[...store.alerts.values()]} now={now} onSelect={setSelected} />
          <DetailPanel
            id={selected} drone={current ?? lastSeen.current} inView={current !== undefined} now={now}
            onClose={() => setSelected(null)}
            onCentre={(d) => fleetMapRef.current?.centreOn(d)}
          />
        </aside>
      </main>
    </div>
  );
}
