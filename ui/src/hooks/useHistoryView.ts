// History mode: the tracks loaded by the history panel drawn on the map (the live drones hidden meanwhile), brought
// into view once when loaded.
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import type { HistoryView } from '../components/HistoryPanel';
import type { FleetMap } from '../fleetMap';

export interface HistoryViewHook {
  historyOpen: boolean;
  openHistory: () => void;
  closeHistory: () => void;
  history: HistoryView | null;
  setHistory: (view: HistoryView | null) => void;
}

export function useHistoryView(fleetMapRef: RefObject<FleetMap | null>): HistoryViewHook {
  const [historyOpen, setHistoryOpen] = useState(false);
  const [history, setHistory] = useState<HistoryView | null>(null);
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
  }, [fleetMapRef, history]);

  const closeHistory = useCallback(() => {
    setHistoryOpen(false);
    setHistory(null);
  }, []);
  const openHistory = useCallback(() => setHistoryOpen(true), []);

  return { historyOpen, openHistory, closeHistory, history, setHistory };
}
