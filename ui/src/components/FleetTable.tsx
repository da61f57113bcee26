import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { fmt } from '../format';
import { ageMs, statusColor, STATUSES, type Drone } from '../model';
import { COLUMNS, rowWindow, type Filter, type SortKey, type SortOrder, type TableRows } from '../table';

/** Must match `.fleet-table tbody tr { height }` in styles.css. */
export const ROW_HEIGHT = 26;

export interface FleetTableProps {
  /** The filtered, sorted rows: only those in view become drone objects. */
  rows: TableRows;
  total: number;
  now: number;
  /** The primary selection (the detail panel's drone). */
  selected: number | null;
  /** Every selected drone (shift/ctrl/cmd-click adds one). */
  selectedIds: ReadonlySet<number>;
  onSelect: (id: number | null, additive?: boolean) => void;
  order: SortOrder;
  onSort: (key: SortKey) => void;
  filter: Filter;
  onFilter: (filter: Filter) => void;
  followView: boolean;
  onFollowView: (follow: boolean) => void;
}

export function FleetTable(props: FleetTableProps) {
  const { rows, selected, now } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(400);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setViewport(element.clientHeight));
    observer.observe(element);
    setViewport(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  // Bring the selected drone's row into view when it was picked elsewhere (on the map).
  const selectedIndex = selected === null ? -1 : rows.indexOf(selected);
  const lastScrolledTo = useRef<number | null>(null);
  useEffect(() => {
    const element = scroller.current;
    if (!element || selected === null || selectedIndex < 0 || lastScrolledTo.current === selected) return;
    lastScrolledTo.current = selected;
    const top = selectedIndex * ROW_HEIGHT;
    const headerHeight = ROW_HEIGHT + 4;
    if (top < element.scrollTop || top + ROW_HEIGHT > element.scrollTop + element.clientHeight - headerHeight) {
      element.scrollTop = Math.max(0, top - element.clientHeight / 2);
    }
  }, [selected, selectedIndex]);

  const span = rowWindow(scrollTop, viewport, ROW_HEIGHT, rows.length);
  const visible: Drone[] = [];
  for (let i = span.start; i < span.end; i++) {
    const drone = rows.drone(i);
    if (drone) visible.push(drone);
  }

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (rows.length === 0) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const i = selectedIndex < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, selectedIndex + (e.key === 'ArrowDown' ? 1 : -1)));
      lastScrolledTo.current = null;
      props.onSelect(rows.ids[i]);
    } else if (e.key === 'Escape') {
      props.onSelect(null);
    }
  };

  const arrow = (key: SortKey) => (props.order.key === key ? (props.order.descending ? '▼' : '▲') : '');

  return (
    <section className="table-panel">
      <div className="filters">
        <input type="search" placeholder="Filter by id…" value={props.filter.idText} data-testid="filter-id" aria-label="Filter by id"
          onChange={(e) => props.onFilter({ ...props.filter, idText: e.target.value })} />
        <select value={props.filter.status} data-testid="filter-status" aria-label="Filter by status"
          onChange={(e) => props.onFilter({ ...props.filter, status: e.target.value as Filter['status'] })}>
          <option value="">all statuses</option>
          {STATUSES.map((s) => <option key={s} value={s}>{fmt.status(s)}</option>)}
        </select>
        <label className="follow" title="Subscribe only to drones inside the visible map area (uncheck for the whole fleet)">
          <input type="checkbox" checked={props.followView} data-testid="follow-view"
            onChange={(e) => props.onFollowView(e.target.checked)} />
          map area only
        </label>
      </div>
      <div className="table-scroll" ref={scroller} tabIndex={0} onKeyDown={onKeyDown}
        onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}>
        <table className="fleet-table" data-testid="fleet-table">
          <colgroup>
            <col style={{ width: '13%' }} /><col style={{ width: '25%' }} /><col style={{ width: '10%' }} />
            <col style={{ width: '10%' }} /><col style={{ width: '12%' }} /><col style={{ width: '16%' }} /><col style={{ width: '14%' }} />
          </colgroup>
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th key={c.key} className={c.numeric ? 'num' : ''} title={c.title} data-testid={`sort-${c.key}`}
                  aria-sort={props.order.key === c.key ? (props.order.descending ? 'descending' : 'ascending') : 'none'}
                  onClick={() => props.onSort(c.key)}>
                  {c.label}<span className="sort-arrow">{arrow(c.key)}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {span.padTop > 0 && <tr className="spacer" style={{ height: span.padTop }}><td colSpan={COLUMNS.length} /></tr>}
            {visible.map((d) => (
              <tr key={d.id} data-testid={`drone-row-${d.id}`}
                className={d.id === selected ? 'selected' : props.selectedIds.has(d.id) ? 'also-selected' : ''}
                aria-selected={props.selectedIds.has(d.id)}
                // Shift-click would also select the row's text.
                onMouseDown={(e) => { if (e.shiftKey) e.preventDefault(); }}
                onClick={(e) => { lastScrolledTo.current = d.id; props.onSelect(d.id, e.shiftKey || e.ctrlKey || e.metaKey); }}>
                <td className="num id">{d.id}</td>
                <td><i className="dot" style={{ background: statusColor(d.status) }} />{fmt.status(d.status)}</td>
                <td className={`num ${d.bat < 20 ? 'warn' : ''}`}>{fmt.num(d.bat)}%</td>
                <td className="num">{fmt.num(d.alt)}</td>
                <td className="num">{fmt.num(d.spd, 1)}</td>
                <td className="num" data-testid={`drone-age-${d.id}`}>{fmt.age(ageMs(d, now))}</td>
                <td className="num" data-testid={`drone-seq-${d.id}`}>{d.seq}</td>
              </tr>
            ))}
            {span.padBottom > 0 && <tr className="spacer" style={{ height: span.padBottom }}><td colSpan={COLUMNS.length} /></tr>}
          </tbody>
        </table>
        {rows.length === 0 && <div className="empty-rows">{props.total === 0 ? 'waiting for drones…' : 'no drones match the filter'}</div>}
      </div>
      <div className="table-footer" data-testid="table-footer">
        {fmt.count(rows.length)} of {fmt.count(props.total)} drones
        {rows.length > 0 && ` · rows ${fmt.count(span.start + 1)}–${fmt.count(span.end)} in view`}
      </div>
    </section>
  );
}
