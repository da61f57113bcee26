// The map and what the view decides: the client config it is built from, fitting to the fleet (on the first
// snapshot, late when the first snapshot was empty, and on "whole fleet"), and the subscription following the view.
// Also the UI's refresh tick: the table, header and panels re-render at UI_REFRESH_MS, not per message.
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { loadConfig, type ClientConfig } from '../config';
import type { FleetLink } from '../connection';
import type { LiveFleetClient } from '../fleet/liveFleetClient';
import { FleetMap } from '../fleetMap';
import { boundsOf, toSubscriptionBox } from '../geo';
import type { FleetStore } from '../store';
import { debounce, FramePacer } from '../timing';

/**
 * The table, header and detail panel re-render at this rate; the map redraws per animation frame on its own. Twice a
 * second: each refresh re-shapes and lays out every changed text of the table and panels (in a trace of the page at 50
 * drones, text shaping and layout were the largest costs after WebGL).
 */
export const UI_REFRESH_MS = 500;
/**
 * Refreshes take at most this share of the main thread, whatever one costs here (timing.ts, FramePacer): each is
 * measured from the tick to the first task after the frame that showed it (render, style, layout, paint, commit). On a
 * machine whose cores are busy elsewhere a refresh at 1,000 drones took seconds of wall time; twice a second regardless,
 * they left the page no idle time for clicks.
 */
const UI_REFRESH_SHARE = 0.25;
/** However costly, the panels refresh at least this often. */
const UI_REFRESH_MAX_MS = 2000;
/** Subscribe to the new view once the map has been still for this long. */
const SUBSCRIBE_DEBOUNCE_MS = 300;
/** When the first snapshot is empty, fit to the drones that arrived once this long has passed since the first one. */
const LATE_FIT_MS = 1500;

export interface MapViewHook {
  mapElement: RefObject<HTMLDivElement | null>;
  fleetMapRef: RefObject<FleetMap | null>;
  /** Null until config.json has been read (or its defaults taken) and the map exists. */
  config: ClientConfig | null;
  /** Bumped every UI_REFRESH_MS, or less often when refreshes are costly (UI_REFRESH_SHARE). */
  tick: number;
  followView: boolean;
  /** "map area only": subscribe to the view, or (false) to the whole fleet. */
  onFollowView: (follow: boolean) => void;
  /** "whole fleet": drop the box and fit to the next snapshot. */
  fitFleet: () => void;
  /** For the fleet link: after each snapshot (fits the map to the fleet when it should). */
  onSnapshot: () => void;
  /** For a new fleet link on a map already in use: keep subscribing to what is in view. */
  subscribeToView: (connection: FleetLink) => void;
}

export function useMapView(
  store: FleetStore,
  connectionRef: RefObject<FleetLink | null>,
  onSelect: (id: number | null, additive: boolean) => void,
  onMap: (fleetMap: FleetMap) => void,
  /** The fleet worker that draws the drones, where the browser has one. */
  worker: LiveFleetClient | null = null,
): MapViewHook {
  const mapElement = useRef<HTMLDivElement>(null);
  const fleetMapRef = useRef<FleetMap | null>(null);
  const [config, setConfig] = useState<ClientConfig | null>(null);
  const [tick, setTick] = useState(0);
  const [followView, setFollowView] = useState(true);
  const followRef = useRef(followView);
  followRef.current = followView;
  const fitFleetRef = useRef<() => void>(() => {});
  /** Whether the map has been fitted to the fleet, and whether the next snapshot should fit it again. */
  const fit = useRef({ fitted: false, refitOnSnapshot: false, toFleet: (): boolean => false });

  useEffect(() => {
    let disposed = false;
    let firstDroneAt = 0;
    // The refresh tick, paced by what a refresh costs: measured up to the first task after the frame that showed it.
    const pacer = new FramePacer(UI_REFRESH_MS, UI_REFRESH_SHARE, UI_REFRESH_MAX_MS);
    const shown = new MessageChannel();
    let refreshedAt = 0;
    let refresh = 0;
    const tickNow = () => {
      refreshedAt = performance.now();
      setTick((t) => t + 1);
      requestAnimationFrame(() => shown.port2.postMessage(null));
    };
    shown.port1.onmessage = () => {
      if (disposed) return;
      const cost = performance.now() - refreshedAt;
      pacer.record(cost);
      refresh = window.setTimeout(tickNow, Math.max(0, pacer.intervalMs - cost));
    };
    refresh = window.setTimeout(tickNow, UI_REFRESH_MS);
    const subscribeToView = debounce(() => {
      const fleetMap = fleetMapRef.current;
      if (!fleetMap || !followRef.current || !fit.current.fitted) return;
      const [w, s, e, n] = fleetMap.visibleBounds();
      connectionRef.current?.subscribe(toSubscriptionBox(w, s, e, n));
    }, SUBSCRIBE_DEBOUNCE_MS);

    fit.current.toFleet = () => {
      const fleetMap = fleetMapRef.current;
      const box = boundsOf(store.drones.values());
      if (!fleetMap || !box) return false;
      fit.current.fitted = true;
      if (fleetMap.isReady()) fleetMap.fitTo(box);
      else fleetMap.map.once('load', () => fleetMap.fitTo(box));
      return true;
    };
    // Empty first snapshot (a fleet still starting): fit once drones have been arriving for a moment.
    const lateFit = window.setInterval(() => {
      if (fit.current.fitted || store.drones.size === 0) return;
      if (firstDroneAt === 0) firstDroneAt = Date.now();
      else if (Date.now() - firstDroneAt >= LATE_FIT_MS) fit.current.toFleet();
    }, 250);
    // The whole fleet: drop the box, fit to the next snapshot, and the fit's moveend subscribes to the new view. When
    // the subscription is the whole fleet already, no snapshot comes: fit now, and leave the refit unarmed (armed, it
    // undid the user's next zoom or pan once that view's snapshot came in). One armed by an earlier click stays armed:
    // its snapshot is still on the way.
    fitFleetRef.current = () => {
      const connection = connectionRef.current;
      if (!connection || connection.subscription === null) {
        fit.current.toFleet();
      } else {
        fit.current.refitOnSnapshot = true;
        connection.subscribe(null);
      }
    };

    void loadConfig().then((loaded) => {
      if (disposed || !mapElement.current) return;
      const fleetMap = new FleetMap(mapElement.current, loaded, store, worker);
      fleetMapRef.current = fleetMap;
      fleetMap.onSelect = onSelect;
      fleetMap.onViewChange = subscribeToView;
      onMap(fleetMap);
      setConfig(loaded);
    });
    return () => {
      disposed = true;
      window.clearTimeout(refresh);
      shown.port1.close();
      window.clearInterval(lateFit);
      subscribeToView.cancel();
      fleetMapRef.current?.destroy();
      fleetMapRef.current = null;
    };
  }, [store, connectionRef, onSelect, onMap, worker]);

  const onSnapshot = useCallback(() => {
    if ((!fit.current.fitted || fit.current.refitOnSnapshot) && store.drones.size > 0) {
      fit.current.refitOnSnapshot = false;
      fit.current.toFleet();
    }
  }, [store]);

  const subscribeToView = useCallback((connection: FleetLink) => {
    const fleetMap = fleetMapRef.current;
    if (fit.current.fitted && followRef.current && fleetMap) {
      const [w, s, e, n] = fleetMap.visibleBounds();
      connection.subscribe(toSubscriptionBox(w, s, e, n));
    }
  }, []);

  const onFollowView = useCallback((follow: boolean) => {
    setFollowView(follow);
    const fleetMap = fleetMapRef.current;
    if (!follow || !fleetMap) {
      connectionRef.current?.subscribe(null);
      return;
    }
    const [w, s, e, n] = fleetMap.visibleBounds();
    connectionRef.current?.subscribe(toSubscriptionBox(w, s, e, n));
  }, [connectionRef]);

  const fitFleet = useCallback(() => fitFleetRef.current(), []);

  return { mapElement, fleetMapRef, config, tick, followView, onFollowView, fitFleet, onSnapshot, subscribeToView };
}
