// Which drones the operator has picked: a click picks one, shift/ctrl/cmd-click adds or removes one, "select
// visible" takes every drone in view. The last one picked is the primary: the detail panel and the command timeline
// show it. Orders go to all of them. Pure, unit-tested.
import { contains, type BBox } from './geo';
import type { Drone } from './model';
import { matches, type Filter } from './table';

export interface Selection {
  /** In the order picked; the last is the primary. No repeats. */
  readonly ids: readonly number[];
}

export const EMPTY_SELECTION: Selection = { ids: [] };

export function primaryOf(selection: Selection): number | null {
  return selection.ids.length > 0 ? selection.ids[selection.ids.length - 1] : null;
}

export function isSelected(selection: Selection, id: number): boolean {
  return selection.ids.includes(id);
}

/** Just this drone (or nothing). */
export function selectOnly(id: number | null): Selection {
  return id === null ? EMPTY_SELECTION : { ids: [id] };
}

/**
 * A click on a drone (or on nothing: null). A plain click selects only that drone, or clears the selection on empty
 * map; an additive click (shift/ctrl/cmd) toggles the drone and leaves the rest, and does nothing on empty map.
 */
export function clickSelection(selection: Selection, id: number | null, additive: boolean): Selection {
  if (!additive) return selectOnly(id);
  if (id === null) return selection;
  if (selection.ids.includes(id)) return { ids: selection.ids.filter((x) => x !== id) };
  return { ids: [...selection.ids, id] };
}

/** Several drones at once; the current primary stays primary if it is among them. */
export function selectMany(ids: Iterable<number>, keepPrimary: number | null = null): Selection {
  const unique = [...new Set(ids)];
  if (keepPrimary !== null && unique.includes(keepPrimary)) {
    return { ids: [...unique.filter((id) => id !== keepPrimary), keepPrimary] };
  }
  return { ids: unique };
}

/** The drones inside the view that match the table's filter, by id: what "select visible" picks. */
export function visibleDrones(drones: Iterable<Drone>, view: BBox | null, filter: Filter): number[] {
  const ids: number[] = [];
  for (const d of drones) if (contains(view, d.lon, d.lat) && matches(d, filter)) ids.push(d.id);
  return ids.sort((a, b) => a - b);
}
