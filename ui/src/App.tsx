import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { GatewayApi, problemText } from './api';
import {
  permissionHint, resolveSession, sessionAfterRefusedSocket, sessionIdentity, sessionReady, sessionToken, socketProtocols,
  TOKEN_NO_LONGER_ACCEPTED, TokenStore,
  type Session, type StorageLike,
} from './auth';
import { CommandStore } from './commandStore';
import {
  buildCommandRequest, confirmationText, needsConfirmation, newIdempotencyKey, optionalNumber, orderTargetsGeoJSON,
  parseCommands, parseSendAnswer, sendOutcome, typeLabel, type Command, type Order,
} from './commands';
import { CommandsFeed } from './commandsFeed';
import { AlertsPanel } from './components/AlertsPanel';
import { CommandPanel, type Outcome, type ToolKind } from './components/CommandPanel';
import { CommandTimeline, RecentCommands } from './components/CommandTimeline';
import { ConfirmDialog, type ConfirmRequest } from './components/ConfirmDialog';
import { DetailPanel } from './components/DetailPanel';
import { FleetTable } from './components/FleetTable';
import { GeofencePanel } from './components/GeofencePanel';
import { HistoryPanel, type HistoryView } from './components/HistoryPanel';
import { Header, Legend } from './components/Header';
import { SignIn } from './components/SignIn';
import { loadConfig, type ClientConfig } from './config';
import { FleetConnection, fleetSocketUrl, siblingPath, type LinkState } from './connection';
import { FleetMap } from './fleetMap';
import { boundsOf, toSubscriptionBox } from './geo';
import {
  addVertex, draftGeoJSON, EMPTY_FENCE_DRAFT, finishDraft, geofenceFeature, geofencesGeoJSON, parseGeofences, undoVertex,
  type FenceDraft, type Geofence,
} from './geofence';
import {
  addWaypoint, editWaypoint, EMPTY_MISSION, missionWaypoints, moveWaypoint, removeWaypoint, undoWaypoint, type MissionDraft,
} from './mission';
import type { Drone, Status } from './model';
import { clickSelection, EMPTY_SELECTION, primaryOf, selectMany, selectOnly, visibleDrones, type Selection } from './selection';
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
/** whoami is asked again this long after the gateway could not be reached. */
const SESSION_RETRY_MS = 3000;
/** Fences are loaded again this often: another admin, or the CLI, may have changed them. */
const GEOFENCE_REFRESH_MS = 60_000;
const TIMELINE_COMMANDS = 20;
const RECENT_COMMANDS = 30;
const NO_POINTS: readonly { lon: number; lat: number }[] = [];

interface Debug {
  store: FleetStore;
  commands: CommandStore;
  connection: FleetConnection | null;
  commandsFeed: CommandsFeed | null;
  fleetMap: FleetMap | null;
  map: FleetMap['map'] | null;
}

declare global {
  interface Window {
    /** Debug handle for the browser test and for operators poking at a live page. */
    __odyssey?: Debug;
  }
}

function browserSessionStorage(): StorageLike | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the operator signs in again after a reload
  }
}

export function App() {
  const store = useMemo(() => new FleetStore(), []);
  const commandStore = useMemo(() => new CommandStore(), []);
  const tokens = useMemo(() => new TokenStore(browserSessionStorage()), []);
  const debug = useMemo<Debug>(() => ({ store, commands: commandStore, connection: null, commandsFeed: null, fleetMap: null, map: null }), [store, commandStore]);
  const mapElement = useRef<HTMLDivElement>(null);
  const fleetMapRef = useRef<FleetMap | null>(null);
  const connectionRef = useRef<FleetConnection | null>(null);
  const [config, setConfig] = useState<ClientConfig | null>(null);
  const [link, setLink] = useState<LinkState>({ kind: 'connecting', attempt: 1, retryAtMs: null, reason: '' });
  const [lastError, setLastError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [selection, setSelection] = useState<Selection>(EMPTY_SELECTION);
  const selected = primaryOf(selection);
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
  /** Whether the map has been fitted to the fleet, and whether the next snapshot should fit it again. */
  const fit = useRef({ fitted: false, refitOnSnapshot: false, toFleet: (): boolean => false });

  // ---- session: who the gateway says we are ---------------------------------------------------------------------
  const [session, setSession] = useState<Session>({ kind: 'checking' });
  const sessionRef = useRef(session);
  sessionRef.current = session;
  const [sessionCheck, setSessionCheck] = useState(0);
  const [signInOpen, setSignInOpen] = useState(false);
  const api = useMemo(() => new GatewayApi({
    fetch: (url, init) => window.fetch(url, init),
    token: () => sessionToken(sessionRef.current),
    // The token was revoked (or the gateway forgot it): ask for one again.
    onUnauthorized: () => {
      tokens.clear();
      setSession({ kind: 'prompt', error: TOKEN_NO_LONGER_ACCEPTED });
    },
  }), [tokens]);

  useEffect(() => {
    let cancelled = false;
    const token = tokens.get();
    void resolveSession(token, (t) => api.whoami(t), true).then((next) => {
      if (cancelled) return;
      if (next.kind === 'prompt' && token) tokens.clear();
      setSession(next);
    });
    return () => { cancelled = true; };
  }, [api, tokens, sessionCheck]);

  useEffect(() => {
    if (session.kind !== 'unreachable') return undefined;
    const timer = window.setTimeout(() => setSessionCheck((n) => n + 1), SESSION_RETRY_MS);
    return () => window.clearTimeout(timer);
  }, [session]);

  const signIn = useCallback(async (token: string): Promise<string | null> => {
    const next = await resolveSession(token, (t) => api.whoami(t));
    if (next.kind === 'unreachable') return `The gateway cannot be reached: ${next.error}`;
    if (next.kind !== 'signed-in') return next.kind === 'prompt' && next.error ? next.error : 'The gateway did not accept this token.';
    tokens.set(token);
    setSession(next);
    setSignInOpen(false);
    return null;
  }, [api, tokens]);

  const signOut = useCallback(() => {
    tokens.clear();
    setSession({ kind: 'checking' });
    setSessionCheck((n) => n + 1);
  }, [tokens]);

  /** The feeds are (re)opened for each token; null while there is no usable session. */
  const connectionKey = sessionReady(session) ? sessionToken(session) ?? 'anonymous' : null;

  // ---- the map -------------------------------------------------------------------------------------------------
  useEffect(() => {
    let disposed = false;
    let firstDroneAt = 0;
    const refresh = window.setInterval(() => setTick((t) => t + 1), UI_REFRESH_MS);
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
    // The whole fleet: drop the box, fit to the next snapshot, and the fit's moveend subscribes to the new view.
    fitFleetRef.current = () => {
      fit.current.refitOnSnapshot = true;
      const connection = connectionRef.current;
      if (!connection || connection.subscription === null) fit.current.toFleet();
      else connection.subscribe(null);
    };
    window.__odyssey = debug;

    void loadConfig().then((loaded) => {
      if (disposed || !mapElement.current) return;
      const fleetMap = new FleetMap(mapElement.current, loaded, store);
      fleetMapRef.current = fleetMap;
      fleetMap.onSelect = (id, additive) => setSelection((s) => clickSelection(s, id, additive));
      fleetMap.onViewChange = subscribeToView;
      Object.assign(debug, { fleetMap, map: fleetMap.map });
      setConfig(loaded);
    });
    return () => {
      disposed = true;
      window.clearInterval(refresh);
      window.clearInterval(lateFit);
      subscribeToView.cancel();
      fleetMapRef.current?.destroy();
      fleetMapRef.current = null;
    };
  }, [store, debug]);

  // ---- the feeds: fleet and commands, opened with the session's token ------------------------------------------
  const [feedEpoch, setFeedEpoch] = useState(0);
  useEffect(() => {
    if (!config || connectionKey === null) return undefined;
    const token = sessionToken(sessionRef.current);
    const protocols = () => socketProtocols(token);
    const connection = new FleetConnection(fleetSocketUrl(config.wsPath, window.location), store, { protocols });
    connectionRef.current = connection;
    connection.onState = setLink;
    connection.onServerError = setLastError;
    // A refused handshake tells the browser nothing: ask whoami with the same token why, and sign in if that is it.
    connection.onRefused = () => {
      void api.whoami(token).then((answer) => {
        if (connectionRef.current !== connection) return; // the session changed meanwhile
        const next = sessionAfterRefusedSocket(token, answer);
        if (next) {
          if (token) tokens.clear();
          setSession(next);
        } else if (answer.ok) {
          setLastError("The gateway refuses the live link although it accepts this session: is this page's origin in ODYSSEY_GATEWAY_ALLOWED_ORIGINS?");
        }
      });
    };
    connection.onSnapshot = () => {
      if ((!fit.current.fitted || fit.current.refitOnSnapshot) && store.drones.size > 0) {
        fit.current.refitOnSnapshot = false;
        fit.current.toFleet();
      }
    };
    // A new session on a map already in use: keep subscribing to what is in view.
    const fleetMap = fleetMapRef.current;
    if (fit.current.fitted && followRef.current && fleetMap) {
      const [w, s, e, n] = fleetMap.visibleBounds();
      connection.subscribe(toSubscriptionBox(w, s, e, n));
    }
    const feed = new CommandsFeed(fleetSocketUrl(siblingPath(config.wsPath, 'commands'), window.location), commandStore, { protocols });
    // After a gap in the feed, the selected drone's commands are fetched again (the feed's list is only the latest).
    feed.onState = (state) => { if (state === 'live') setFeedEpoch((n) => n + 1); };
    Object.assign(debug, { connection, commandsFeed: feed });
    connection.start();
    feed.start();
    return () => {
      connection.close();
      feed.close();
      setLink({ kind: 'connecting', attempt: 1, retryAtMs: null, reason: 'session changed' });
      if (connectionRef.current === connection) connectionRef.current = null;
      Object.assign(debug, { connection: null, commandsFeed: null });
    };
  }, [config, connectionKey, store, commandStore, debug, api, tokens]);

  // ---- selection ------------------------------------------------------------------------------------------------
  const selectDrone = useCallback((id: number | null, additive = false) => setSelection((s) => clickSelection(s, id, additive)), []);

  useEffect(() => {
    fleetMapRef.current?.select(selected);
    fleetMapRef.current?.selectMany(selection.ids);
  }, [selection, selected, config]);

  // The primary drone's recent commands (the feed only had the fleet's latest 200 on connect).
  useEffect(() => {
    if (selected === null || connectionKey === null) return undefined;
    let cancelled = false;
    void (async () => {
      const answer = await api.drone(selected);
      if (cancelled) return;
      if (answer.ok) {
        commandStore.applyAll(parseCommands(answer.body?.commands));
      } else if (answer.status === 404) {
        // Gone from the fleet map (landed and switched off, say): its orders are still in the ledger.
        const list = await api.commands({ droneId: selected, limit: TIMELINE_COMMANDS });
        if (!cancelled && list.ok) commandStore.applyAll(parseCommands(list.body?.commands));
      }
    })();
    return () => { cancelled = true; };
  }, [selected, connectionKey, feedEpoch, api, commandStore]);

  // ---- orders ---------------------------------------------------------------------------------------------------
  const [tool, setTool] = useState<ToolKind>('none');
  const [mission, setMission] = useState<MissionDraft>(EMPTY_MISSION);
  const [fenceDraft, setFenceDraft] = useState<FenceDraft>(EMPTY_FENCE_DRAFT);
  const [fenceError, setFenceError] = useState('');
  const [altText, setAltText] = useState('');
  const [speedText, setSpeedText] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [cancelErrors, setCancelErrors] = useState<ReadonlyMap<string, string>>(new Map());

  /** Arms a map tool; leaving the mission or fence tool discards what was drawn. */
  const arm = (next: ToolKind) => {
    if (tool === 'mission' && next !== 'mission') setMission(EMPTY_MISSION);
    if (tool === 'fence' && next !== 'fence') {
      setFenceDraft(EMPTY_FENCE_DRAFT);
      setFenceError('');
    }
    setTool(next);
  };

  /** Sends an order to the selected drones, after a confirmation when it goes to several or is a stop. */
  const sendOrder = (o: Order, after?: (sent: boolean) => void) => {
    const ids = selection.ids;
    const built = buildCommandRequest(ids, o, { idempotencyKey: newIdempotencyKey() });
    if (!built.ok) {
      setOutcome({ kind: 'error', text: built.error });
      return;
    }
    const run = async () => {
      setOutcome({ kind: 'pending', text: `sending "${typeLabel(o.type)}" …` });
      const result = sendOutcome(await api.sendCommand(built.value), o);
      commandStore.applyAll(result.commands);
      setOutcome(result);
      after?.(result.kind !== 'refused');
    };
    if (needsConfirmation(o, ids.length)) {
      setConfirm({ text: confirmationText(o, ids.length), action: o.type === 'stop' ? 'STOP' : 'send', danger: o.type === 'stop', run });
    } else {
      void run();
    }
  };

  const sendMission = () => {
    const waypoints = missionWaypoints(mission);
    if (!waypoints.ok) {
      setOutcome({ kind: 'error', text: waypoints.error });
      return;
    }
    sendOrder({ type: 'mission', waypoints: waypoints.value }, (sent) => {
      if (!sent) return; // keep the drawing: the operator fixes it (e.g. a waypoint outside the keep-in fence)
      setMission(EMPTY_MISSION);
      setTool('none');
    });
  };

  const cancelCommand = async (command: Command) => {
    const answer = await api.cancelCommand(command.id);
    setCancelErrors((errors) => {
      const next = new Map(errors);
      if (answer.ok) next.delete(command.id);
      else next.set(command.id, `cancel refused: ${problemText(answer.problem)}`);
      return next;
    });
    if (answer.ok) commandStore.applyAll(parseSendAnswer(answer.body).commands);
  };

  // ---- geofences ------------------------------------------------------------------------------------------------
  const [geofences, setGeofences] = useState<Geofence[]>([]);
  const loadFences = useCallback(async () => {
    const answer = await api.geofences();
    if (answer.ok) setGeofences(parseGeofences(answer.body));
    else setFenceError(`could not load the fences: ${problemText(answer.problem)}`);
  }, [api]);

  useEffect(() => {
    if (connectionKey === null) return undefined;
    void loadFences();
    const timer = window.setInterval(() => void loadFences(), GEOFENCE_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [connectionKey, loadFences]);

  const saveFence = async () => {
    const answer = await api.createGeofence(geofenceFeature(fenceDraft.name, fenceDraft.kind, fenceDraft.points));
    if (!answer.ok) {
      setFenceError(`not saved: ${problemText(answer.problem)}`);
      return;
    }
    setFenceError(`saved "${fenceDraft.name.trim()}"`);
    setFenceDraft(EMPTY_FENCE_DRAFT);
    setTool('none');
    await loadFences();
  };

  const deleteFence = (fence: Geofence) => setConfirm({
    text: `Delete the ${fence.kind} fence "${fence.name || fence.id}"? Drones are no longer held by it.`,
    action: 'delete', danger: true,
    run: async () => {
      const answer = await api.deleteGeofence(fence.id);
      setFenceError(answer.ok ? `deleted "${fence.name || fence.id}"` : `not deleted: ${problemText(answer.problem)}`);
      await loadFences();
    },
  });

  const finishFence = () => {
    const finished = finishDraft(fenceDraft);
    setFenceDraft(finished.draft);
    setFenceError(finished.error ?? '');
  };

  // ---- map clicks while a tool is armed ------------------------------------------------------------------------
  const toolActions = useRef({ click: (_lon: number, _lat: number) => {}, doubleClick: () => {} });
  toolActions.current = {
    click: (lon, lat) => {
      if (tool === 'goto') {
        setTool('none');
        const alt = optionalNumber(altText);
        if (alt === null) setOutcome({ kind: 'error', text: `altitude "${altText}" is not a number` });
        else sendOrder({ type: 'goto', lat, lon, alt });
      } else if (tool === 'mission') {
        setMission((d) => addWaypoint(d, lon, lat));
      } else if (tool === 'fence') {
        setFenceDraft((d) => addVertex(d, lon, lat));
        setFenceError('');
      }
    },
    doubleClick: () => { if (tool === 'fence') finishFence(); },
  };

  useEffect(() => {
    fleetMapRef.current?.setPointTool(tool === 'none' ? null : {
      onClick: (lon, lat) => toolActions.current.click(lon, lat),
      onDoubleClick: tool === 'fence' ? () => toolActions.current.doubleClick() : undefined,
    });
  }, [tool, config]);

  // Esc disarms goto; a drawing (mission, fence) is only dropped by its own cancel button.
  useEffect(() => {
    if (tool !== 'goto') return undefined;
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') setTool('none'); };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [tool]);

  // ---- what the overlays draw ----------------------------------------------------------------------------------
  useEffect(() => { fleetMapRef.current?.overlays.setGeofences(geofencesGeoJSON(geofences)); }, [geofences, config]);
  useEffect(() => {
    fleetMapRef.current?.overlays.setFenceDraft(tool === 'fence' ? draftGeoJSON(fenceDraft) : null);
  }, [tool, fenceDraft, config]);
  useEffect(() => {
    fleetMapRef.current?.overlays.setMission(tool === 'mission' ? mission.waypoints : NO_POINTS,
      (i, lon, lat) => setMission((d) => moveWaypoint(d, i, lon, lat)));
  }, [tool, mission, config]);
  useEffect(() => {
    const ids = new Set(selection.ids);
    fleetMapRef.current?.overlays.setTargets(orderTargetsGeoJSON(commandStore.active(ids), (id) => store.drones.get(id)));
  }, [tick, selection, commandStore, store]);

  // ---- history, drawn age, view ---------------------------------------------------------------------------------
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

  const selectVisible = () => {
    const fleetMap = fleetMapRef.current;
    if (!fleetMap) return;
    const [w, s, e, n] = fleetMap.visibleBounds();
    setSelection(selectMany(visibleDrones(store.drones.values(), toSubscriptionBox(w, s, e, n), filter), selected));
  };

  const [floatPanel, setFloatPanel] = useState<'geofences' | 'commands' | null>(null);
  const toggleFloat = (panel: 'geofences' | 'commands') => {
    if (floatPanel === 'geofences' && tool === 'fence') arm('none');
    setFloatPanel(floatPanel === panel ? null : panel);
  };

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
  const selectedIds = useMemo(() => new Set(selection.ids), [selection]);

  const current = selected !== null ? store.drones.get(selected) : undefined;
  if (current) lastSeen.current = current;
  else if (lastSeen.current?.id !== selected) lastSeen.current = undefined;

  const identity = sessionIdentity(session);
  const commandDenied = permissionHint(session, 'operator');
  const fenceDenied = permissionHint(session, 'admin');
  const showSignIn = session.kind === 'prompt' || (signInOpen && session.kind === 'anonymous');
  // Until the session is known the feeds are not open: say why in the link badge.
  const shownLink: LinkState = sessionReady(session) ? link : {
    kind: 'connecting', attempt: 1, retryAtMs: null,
    reason: session.kind === 'unreachable' ? `gateway unreachable: ${session.error}` : session.kind === 'prompt' ? 'waiting for sign-in' : 'signing in',
  };

  return (
    <div className="app">
      <Header
        link={shownLink} now={now} shown={rows.length} total={store.drones.size}
        messageRate={store.messageRate.rate(now)} updateRate={store.updateRate.rate(now)}
        ageP50={ageP50} ageP99={ageP99}
        drawnAge={{ on: drawnAgeOn, p50: drawnP50, p99: drawnP99 }}
        onToggleDrawnAge={() => setDrawnAgeOn((on) => !on)}
        lastError={lastError}
        scope={connectionRef.current?.subscription ? 'map area' : 'whole fleet'}
        identity={identity} signedIn={session.kind === 'signed-in'}
        onSignIn={() => setSignInOpen(true)} onSignOut={signOut}
      />
      <main>
        <div className="map-wrap">
          <div className="map" ref={mapElement} data-testid="map" />
          <button type="button" className="map-button" onClick={() => fitFleetRef.current()} data-testid="fit-fleet"
            title="Zoom out to the whole fleet">whole fleet</button>
          <button type="button" className={`map-button map-button-2 ${historyOpen ? 'on' : ''}`} data-testid="history-toggle"
            onClick={() => (historyOpen ? closeHistory() : setHistoryOpen(true))}
            title="Play back drones' tracks from the archive">history</button>
          <button type="button" className={`map-button map-button-3 ${floatPanel === 'geofences' ? 'on' : ''}`} data-testid="geofences-toggle"
            onClick={() => toggleFloat('geofences')} title="The geofences (admins can draw and delete them)">geofences</button>
          <button type="button" className={`map-button map-button-4 ${floatPanel === 'commands' ? 'on' : ''}`} data-testid="recent-toggle"
            onClick={() => toggleFloat('commands')} title="The fleet's latest commands">commands</button>
          {history && <div className="map-banner history-banner" data-testid="history-banner">history · {new Date(history.t).toLocaleString()}</div>}
          {tool === 'goto' && (
            <div className="map-banner tool-banner" data-testid="tool-banner">
              goto: click the map where {selection.ids.length === 1 ? `drone ${selection.ids[0]}` : `the ${selection.ids.length} drones`} should go · Esc cancels
            </div>
          )}
          {tool === 'fence' && !fenceDraft.closed && (
            <div className="map-banner tool-banner" data-testid="tool-banner">new fence: click the corners · double-click the last one to close</div>
          )}
          <Legend counts={counts} statusFilter={filter.status}
            onStatusClick={(s: Status) => setFilter((f) => ({ ...f, status: f.status === s ? '' : s }))} />
          {floatPanel === 'geofences' && (
            <GeofencePanel
              fences={geofences} denied={fenceDenied} drawing={tool === 'fence'} draft={fenceDraft} status={fenceError}
              onRefresh={() => void loadFences()}
              onStartDrawing={() => { arm('fence'); setFenceDraft(EMPTY_FENCE_DRAFT); setFenceError(''); }}
              onUndo={() => setFenceDraft((d) => undoVertex(d))}
              onFinish={finishFence}
              onCancel={() => arm('none')}
              onDraft={setFenceDraft}
              onSave={() => void saveFence()}
              onDelete={deleteFence}
              onClose={() => toggleFloat('geofences')}
            />
          )}
          {floatPanel === 'commands' && (
            <RecentCommands commands={commandStore.recent(RECENT_COMMANDS)} now={now}
              onSelect={(id) => setSelection(selectOnly(id))} onClose={() => setFloatPanel(null)} />
          )}
          <CommandPanel
            selection={selection.ids} denied={commandDenied} tool={tool}
            altText={altText} onAltText={setAltText} speedText={speedText} onSpeedText={setSpeedText}
            onOrder={(o) => sendOrder(o)} onArm={arm} onInvalid={(text) => setOutcome({ kind: 'error', text })}
            onSelectVisible={selectVisible} onClearSelection={() => setSelection(EMPTY_SELECTION)}
            outcome={outcome}
            mission={mission}
            onEditWaypoint={(i, patch) => setMission((d) => editWaypoint(d, i, patch))}
            onRemoveWaypoint={(i) => setMission((d) => removeWaypoint(d, i))}
            onUndoWaypoint={() => setMission((d) => undoWaypoint(d))}
            onSendMission={sendMission}
          />
          {link.kind !== 'live' && store.drones.size > 0 && <div className="map-banner">showing the last known positions</div>}
        </div>
        <aside>
          <FleetTable
            rows={rows} total={store.drones.size} now={now}
            selected={selected} selectedIds={selectedIds} onSelect={selectDrone}
            order={order} onSort={(key: SortKey) => setOrder((o) => nextOrder(o, key))}
            filter={filter} onFilter={setFilter}
            followView={followView} onFollowView={onFollowView}
          />
          {historyOpen && <HistoryPanel api={api} selected={selected} view={history} onView={setHistory} onClose={closeHistory} />}
          <AlertsPanel alerts={[...store.alerts.values()]} now={now} onSelect={(id) => selectDrone(id)} />
          <DetailPanel
            id={selected} drone={current ?? lastSeen.current} inView={current !== undefined} now={now}
            onClose={() => setSelection(EMPTY_SELECTION)}
            onCentre={(d) => fleetMapRef.current?.centreOn(d)}
          />
          <CommandTimeline
            droneId={selected} commands={selected === null ? [] : commandStore.forDrone(selected, TIMELINE_COMMANDS)} now={now}
            cancelDenied={commandDenied} onCancel={(c) => void cancelCommand(c)} cancelErrors={cancelErrors}
          />
        </aside>
      </main>
      {confirm && <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />}
      {showSignIn && (
        <SignIn error={session.kind === 'prompt' ? session.error : null} onSubmit={signIn}
          onCancel={session.kind === 'anonymous' ? () => setSignInOpen(false) : undefined} />
      )}
    </div>
  );
}
