// Which drones are picked (selection.ts), drawn on the map, and the primary drone's recent commands fetched for its
// timeline (the commands feed only carried the fleet's latest on connect).
import { useCallback, useEffect, useMemo, useState, type RefObject } from 'react';
import type { GatewayApi } from '../api';
import type { CommandStore } from '../commandStore';
import { parseCommands } from '../commands';
import type { FleetMap } from '../fleetMap';
import { clickSelection, EMPTY_SELECTION, primaryOf, type Selection } from '../selection';

export const TIMELINE_COMMANDS = 20;

export interface SelectionHook {
  selection: Selection;
  setSelection: (next: Selection | ((s: Selection) => Selection)) => void;
  /** The primary drone (detail panel, timeline), or null. */
  selected: number | null;
  selectedIds: ReadonlySet<number>;
  /** A click on a drone (null: on nothing); `additive` with shift, ctrl or cmd. */
  selectDrone: (id: number | null, additive?: boolean) => void;
}

export function useSelection(): SelectionHook {
  const [selection, setSelection] = useState<Selection>(EMPTY_SELECTION);
  const selectDrone = useCallback((id: number | null, additive = false) => setSelection((s) => clickSelection(s, id, additive)), []);
  const selectedIds = useMemo(() => new Set(selection.ids), [selection]);
  return { selection, setSelection, selected: primaryOf(selection), selectedIds, selectDrone };
}

/** Draws the selection on the map (again once the map exists: `config` is set then). */
export function useSelectionOnMap(fleetMapRef: RefObject<FleetMap | null>, selection: Selection, ready: unknown): void {
  const selected = primaryOf(selection);
  useEffect(() => {
    fleetMapRef.current?.select(selected);
    fleetMapRef.current?.selectMany(selection.ids);
  }, [fleetMapRef, selection, selected, ready]);
}

/** The primary drone's recent commands into the command store, again after each gap in the commands feed. */
export function usePrimaryDroneCommands(
  selected: number | null, connectionKey: string | null, feedEpoch: number, api: GatewayApi, commandStore: CommandStore,
): void {
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
}
