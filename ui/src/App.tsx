import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { permissionHint, sessionIdentity, sessionReady, type Session } from './auth';
import { CommandStore } from './commandStore';
import type { CommandsFeed } from './commandsFeed';
import { AlertsPanel } from './components/AlertsPanel';
import { CommandPanel } from './components/CommandPanel';
import { CommandTimeline, RecentCommands } from './components/CommandTimeline';
import { ConfirmDialog, type ConfirmRequest } from './components/ConfirmDialog';
import { DetailPanel } from './components/DetailPanel';
import { FleetTable } from './components/FleetTable';
import { GeofencePanel } from './components/GeofencePanel';
import { HistoryPanel } from './components/HistoryPanel';
import { Header, Legend } from './components/Header';
import { SignIn } from './components/SignIn';
import type { FleetLink, LinkState } from './connection';
import { LiveFleetClient } from './fleet/liveFleetClient';
import type { FleetMap } from './fleetMap';
import { toSubscriptionBox } from './geo';
import { undoVertex } from './geofence';
import { useFleetFeeds } from './hooks/useFleetFeeds';
import { useFleetView } from './hooks/useFleetView';
import { useGeofences } from './hooks/useGeofences';
import { useHistoryView } from './hooks/useHistoryView';
import { useMapTools, useOrderTargets } from './hooks/useMapTools';
import { useMapView } from './hooks/useMapView';
import { useOrders } from './hooks/useOrders';
import { TIMELINE_COMMANDS, usePrimaryDroneCommands, useSelection, useSelectionOnMap } from './hooks/useSelection';
import { useSession } from './hooks/useSession';
import { editWaypoint, removeWaypoint, undoWaypoint } from './mission';
import type { Drone, Status } from './model';
import { EMPTY_SELECTION, selectMany, selectOnly, visibleDrones } from './selection';
import { FleetStore } from './store';
import { nextOrder, type SortKey } from './table';

const RECENT_COMMANDS = 30;

interface Debug {
  store: FleetStore;
  commands: CommandStore;
  connection: FleetLink | null;
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

/** The link badge: until the session is known the feeds are not open, and it says why. */
function shownLink(session: Session, link: LinkState): LinkState {
  if (sessionReady(session)) return link;
  return {
    kind: 'connecting', attempt: 1, retryAtMs: null,
    reason: session.kind === 'unreachable' ? `gateway unreachable: ${session.error}` : session.kind === 'prompt' ? 'waiting for sign-in' : 'signing in',
  };
}

export function App() {
  const store = useMemo(() => new FleetStore(), []);
  // One fleet worker for the page's life: it runs the fleet link and draws the drones (null where the browser cannot
  // draw in a worker: the page does both then). Never terminated: the page's end ends it.
  const [worker] = useState(() => LiveFleetClient.create(store));
  const commandStore = useMemo(() => new CommandStore(), []);
  const debug = useMemo<Debug>(() => ({ store, commands: commandStore, connection: null, commandsFeed: null, fleetMap: null, map: null }), [store, commandStore]);
  useEffect(() => { window.__odyssey = debug; }, [debug]);
  const connectionRef = useRef<FleetLink | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);

  const {
    session, sessionRef, api, connectionKey, signInOpen, setSignInOpen, signIn, signOut, linkRefused, applyRefusal,
  } = useSession();
  const { selection, setSelection, selected, selectedIds, selectDrone } = useSelection();
  const onMap = useCallback((fleetMap: FleetMap) => Object.assign(debug, { fleetMap, map: fleetMap.map }), [debug]);
  const view = useMapView(store, connectionRef, selectDrone, onMap, worker);
  const { fleetMapRef, config, tick } = view;
  const onFeeds = useCallback((connection: FleetLink | null, commandsFeed: CommandsFeed | null) =>
    Object.assign(debug, { connection, commandsFeed }), [debug]);
  const { link, lastError, feedEpoch } = useFleetFeeds({
    config, connectionKey, sessionRef, store, commandStore, connectionRef, worker,
    onSnapshot: view.onSnapshot, onConnection: view.subscribeToView, onFeeds, linkRefused, applyRefusal,
  });
  useSelectionOnMap(fleetMapRef, selection, config);
  usePrimaryDroneCommands(selected, connectionKey, feedEpoch, api, commandStore);
  const orders = useOrders(selection.ids, api, commandStore, setConfirm);
  const fences = useGeofences(api, connectionKey, setConfirm);
  const tools = useMapTools(fleetMapRef, config, orders, fences);
  useOrderTargets(fleetMapRef, tick, selection, commandStore, store);
  const historyView = useHistoryView(fleetMapRef);
  const fleet = useFleetView(store, tick, fleetMapRef);
  const { now, rows, filter } = fleet;
  const { tool } = tools;

  const selectVisible = () => {
    const fleetMap = fleetMapRef.current;
    if (!fleetMap) return;
    const [w, s, e, n] = fleetMap.visibleBounds();
    setSelection(selectMany(visibleDrones(store.drones.values(), toSubscriptionBox(w, s, e, n), filter), selected));
  };

  const [floatPanel, setFloatPanel] = useState<'geofences' | 'commands' | null>(null);
  const toggleFloat = (panel: 'geofences' | 'commands') => {
    if (floatPanel === 'geofences' && tool === 'fence') tools.arm('none');
    setFloatPanel(floatPanel === panel ? null : panel);
  };

  // The detail panel keeps showing the primary drone's last known state after it left the subscription.
  const lastSeen = useRef<Drone | undefined>(undefined);
  const current = selected !== null ? store.drones.get(selected) : undefined;
  if (current) lastSeen.current = current;
  else if (lastSeen.current?.id !== selected) lastSeen.current = undefined;

  const commandDenied = permissionHint(session, 'operator');
  const fenceDenied = permissionHint(session, 'admin');
  const showSignIn = session.kind === 'prompt' || (signInOpen && session.kind === 'anonymous');
  const { history } = historyView;
  const { fenceDraft } = fences;

  return (
    <div className="app">
      <Header
        link={shownLink(session, link)} now={now} shown={rows.length} total={store.drones.size}
        messageRate={store.messageRate.rate(now)} updateRate={store.updateRate.rate(now)}
        ageP50={fleet.ageP50} ageP99={fleet.ageP99}
        drawnAge={{ on: fleet.drawnAgeOn, p50: fleet.drawnP50, p99: fleet.drawnP99 }}
        onToggleDrawnAge={fleet.toggleDrawnAge}
        lastError={lastError}
        scope={connectionRef.current?.subscription ? 'map area' : 'whole fleet'}
        identity={sessionIdentity(session)} signedIn={session.kind === 'signed-in'}
        onSignIn={() => setSignInOpen(true)} onSignOut={signOut}
      />
      <main>
        <div className="map-wrap">
          <div className="map" ref={view.mapElement} data-testid="map" />
          <button type="button" className="map-button" onClick={view.fitFleet} data-testid="fit-fleet"
            title="Zoom out to the whole fleet">whole fleet</button>
          <button type="button" className={`map-button map-button-2 ${historyView.historyOpen ? 'on' : ''}`} data-testid="history-toggle"
            onClick={() => (historyView.historyOpen ? historyView.closeHistory() : historyView.openHistory())}
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
          <Legend counts={fleet.counts} statusFilter={filter.status}
            onStatusClick={(s: Status) => fleet.setFilter((f) => ({ ...f, status: f.status === s ? '' : s }))} />
          {floatPanel === 'geofences' && (
            <GeofencePanel
              fences={fences.geofences} refused={fences.refusedFences} refusedCount={fences.refusedCount} denied={fenceDenied} drawing={tool === 'fence'} draft={fenceDraft} status={fences.fenceError}
              onRefresh={() => void fences.loadFences()}
              onStartDrawing={() => { tools.arm('fence'); fences.discardDraft(); }}
              onUndo={() => fences.setFenceDraft((d) => undoVertex(d))}
              onFinish={fences.finishFence}
              onCancel={() => tools.arm('none')}
              onDraft={fences.setFenceDraft}
              onSave={() => void fences.saveFence(tools.disarm)}
              onDelete={fences.deleteFence}
              onDeleteRefused={fences.deleteRefused}
              onClose={() => toggleFloat('geofences')}
            />
          )}
          {floatPanel === 'commands' && (
            <RecentCommands commands={commandStore.recent(RECENT_COMMANDS)} limit={RECENT_COMMANDS} now={now}
              onSelect={(id) => setSelection(selectOnly(id))} onClose={() => setFloatPanel(null)} />
          )}
          <CommandPanel
            selection={selection.ids} denied={commandDenied} tool={tool}
            altText={orders.altText} onAltText={orders.setAltText} speedText={orders.speedText} onSpeedText={orders.setSpeedText}
            onOrder={(o) => orders.sendOrder(o)} onArm={tools.arm} onInvalid={(text) => orders.setOutcome({ kind: 'error', text })}
            onSelectVisible={selectVisible} onClearSelection={() => setSelection(EMPTY_SELECTION)}
            outcome={orders.outcome}
            mission={orders.mission}
            onEditWaypoint={(i, patch) => orders.setMission((d) => editWaypoint(d, i, patch))}
            onRemoveWaypoint={(i) => orders.setMission((d) => removeWaypoint(d, i))}
            onUndoWaypoint={() => orders.setMission((d) => undoWaypoint(d))}
            onSendMission={() => orders.sendMission(tools.disarm)}
          />
          {link.kind !== 'live' && store.drones.size > 0 && <div className="map-banner">showing the last known positions</div>}
        </div>
        <aside>
          <FleetTable
            rows={rows} total={store.drones.size} now={now}
            selected={selected} selectedIds={selectedIds} onSelect={selectDrone}
            order={fleet.order} onSort={(key: SortKey) => fleet.setOrder((o) => nextOrder(o, key))}
            filter={filter} onFilter={fleet.setFilter}
            followView={view.followView} onFollowView={view.onFollowView}
          />
          {historyView.historyOpen && (
            <HistoryPanel api={api} selected={selected} view={history} onView={historyView.setHistory} onClose={historyView.closeHistory} />
          )}
          <AlertsPanel alerts={store.alertsNewestFirst()} now={now} onSelect={(id) => selectDrone(id)} />
          <DetailPanel
            id={selected} drone={current ?? lastSeen.current} inView={current !== undefined} now={now}
            onClose={() => setSelection(EMPTY_SELECTION)}
            onCentre={(d) => fleetMapRef.current?.centreOn(d)}
          />
          <CommandTimeline
            droneId={selected} commands={selected === null ? [] : commandStore.forDrone(selected, TIMELINE_COMMANDS)} now={now}
            cancelDenied={commandDenied} onCancel={(c) => void orders.cancelCommand(c)} cancelErrors={orders.cancelErrors}
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
