// What a map click does while a tool is armed (goto target, mission waypoints, fence corners), and what the overlays
// draw: geofences, the fence and mission being drawn, and where the selected drones' active orders take them.
import { useEffect, useRef, useState, type RefObject } from 'react';
import type { CommandStore } from '../commandStore';
import { optionalNumber, orderTargetsGeoJSON } from '../commands';
import type { ToolKind } from '../components/CommandPanel';
import type { FleetMap } from '../fleetMap';
import { addVertex, draftGeoJSON, geofencesGeoJSON } from '../geofence';
import { addWaypoint, EMPTY_MISSION, moveWaypoint } from '../mission';
import type { Selection } from '../selection';
import type { FleetStore } from '../store';
import { RefreshGate } from '../timing';
import type { GeofencesHook } from './useGeofences';
import type { OrdersHook } from './useOrders';

const NO_POINTS: readonly { lon: number; lat: number }[] = [];

export interface MapToolsHook {
  tool: ToolKind;
  /** Arms a map tool; leaving the mission or fence tool discards what was drawn. */
  arm: (next: ToolKind) => void;
  /** Back to selecting drones, keeping nothing drawn (after a mission was sent or a fence saved). */
  disarm: () => void;
}

export function useMapTools(
  fleetMapRef: RefObject<FleetMap | null>, ready: unknown, orders: OrdersHook, fences: GeofencesHook,
): MapToolsHook {
  const [tool, setTool] = useState<ToolKind>('none');

  const arm = (next: ToolKind) => {
    if (tool === 'mission' && next !== 'mission') orders.setMission(EMPTY_MISSION);
    if (tool === 'fence' && next !== 'fence') fences.discardDraft();
    setTool(next);
  };

  const toolActions = useRef({ click: (_lon: number, _lat: number) => {}, doubleClick: () => {} });
  toolActions.current = {
    click: (lon, lat) => {
      if (tool === 'goto') {
        setTool('none');
        const alt = optionalNumber(orders.altText);
        if (alt === null) orders.setOutcome({ kind: 'error', text: `altitude "${orders.altText}" is not a number` });
        else orders.sendOrder({ type: 'goto', lat, lon, alt });
      } else if (tool === 'mission') {
        orders.setMission((d) => addWaypoint(d, lon, lat));
      } else if (tool === 'fence') {
        fences.setFenceDraft((d) => addVertex(d, lon, lat));
        fences.setFenceError('');
      }
    },
    doubleClick: () => { if (tool === 'fence') fences.finishFence(); },
  };

  useEffect(() => {
    fleetMapRef.current?.setPointTool(tool === 'none' ? null : {
      onClick: (lon, lat) => toolActions.current.click(lon, lat),
      onDoubleClick: tool === 'fence' ? () => toolActions.current.doubleClick() : undefined,
    });
  }, [fleetMapRef, tool, ready]);

  // Esc disarms goto; a drawing (mission, fence) is only dropped by its own cancel button.
  useEffect(() => {
    if (tool !== 'goto') return undefined;
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') setTool('none'); };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [tool]);

  // What the overlays draw.
  const { geofences, fenceDraft } = fences;
  const { mission, setMission } = orders;
  useEffect(() => { fleetMapRef.current?.overlays.setGeofences(geofencesGeoJSON(geofences)); }, [fleetMapRef, geofences, ready]);
  useEffect(() => {
    fleetMapRef.current?.overlays.setFenceDraft(tool === 'fence' ? draftGeoJSON(fenceDraft) : null);
  }, [fleetMapRef, tool, fenceDraft, ready]);
  useEffect(() => {
    fleetMapRef.current?.overlays.setMission(tool === 'mission' ? mission.waypoints : NO_POINTS,
      (i, lon, lat) => setMission((d) => moveWaypoint(d, i, lon, lat)));
  }, [fleetMapRef, tool, mission, setMission, ready]);

  return { tool, arm, disarm: () => setTool('none') };
}

/**
 * The map redraws where orders take the drones at most this often (the lines start at the drones, which move), and at
 * once when the selection changes: each redraw repaints the map and re-tiles the source.
 */
export const ORDER_TARGETS_REFRESH_MS = 1000;

/** Where the selected drones' active goto/mission orders take them. */
export function useOrderTargets(
  fleetMapRef: RefObject<FleetMap | null>, tick: number, selection: Selection, commandStore: CommandStore, store: FleetStore,
): void {
  const gate = useRef(new RefreshGate(ORDER_TARGETS_REFRESH_MS));
  useEffect(() => {
    if (!gate.current.due(Date.now(), selection)) return;
    const ids = new Set(selection.ids);
    fleetMapRef.current?.overlays.setTargets(orderTargetsGeoJSON(commandStore.active(ids), (id) => store.drones.get(id)));
  }, [fleetMapRef, tick, selection, commandStore, store]);
}
