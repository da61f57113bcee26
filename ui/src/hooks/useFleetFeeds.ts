// The two live feeds, opened with the session's token once the map's config is known and reopened when the token
// changes: the fleet link (drones and alerts into the store) and the commands feed (into the command store).
import { useEffect, useState, type RefObject } from 'react';
import { sessionToken, socketProtocols, type Session } from '../auth';
import type { CommandStore } from '../commandStore';
import { CommandsFeed } from '../commandsFeed';
import type { ClientConfig } from '../config';
import { FleetConnection, fleetSocketUrl, siblingPath, type FleetLink, type LinkState } from '../connection';
import type { LiveFleetClient } from '../fleet/liveFleetClient';
import type { FleetStore } from '../store';

export interface FleetFeedsHook {
  link: LinkState;
  /** The last `error` message the gateway sent on the fleet link. */
  lastError: string | null;
  /** Bumped each time the commands feed is live again: what was fetched before may have missed something. */
  feedEpoch: number;
}

export interface FleetFeedsOptions {
  config: ClientConfig | null;
  connectionKey: string | null;
  sessionRef: { readonly current: Session };
  store: FleetStore;
  commandStore: CommandStore;
  connectionRef: RefObject<FleetLink | null>;
  /** The fleet worker that runs the link and draws the drones, where the browser has one (else the link runs here). */
  worker: LiveFleetClient | null;
  onSnapshot: () => void;
  /** A new fleet link on a map already in use. */
  onConnection: (connection: FleetLink) => void;
  /** The feeds in use (null, null when closed), for the debug handle. */
  onFeeds: (connection: FleetLink | null, feed: CommandsFeed | null) => void;
  /** Why the fleet link with this token was refused (see useSession's linkRefused). */
  linkRefused: (token: string | null) => Promise<Session | string | null>;
  /** Switch to the session a refusal found. */
  applyRefusal: (token: string | null, next: Session) => void;
}

export function useFleetFeeds(o: FleetFeedsOptions): FleetFeedsHook {
  const [link, setLink] = useState<LinkState>({ kind: 'connecting', attempt: 1, retryAtMs: null, reason: '' });
  const [lastError, setLastError] = useState<string | null>(null);
  const [feedEpoch, setFeedEpoch] = useState(0);
  const {
    config, connectionKey, sessionRef, store, commandStore, connectionRef, onSnapshot, onConnection, onFeeds,
    linkRefused, applyRefusal, worker,
  } = o;

  useEffect(() => {
    if (!config || connectionKey === null) return undefined;
    const token = sessionToken(sessionRef.current);
    const protocols = () => socketProtocols(token);
    const url = fleetSocketUrl(config.wsPath, window.location);
    const connection: FleetLink = worker ? worker.connect(url, protocols()) : new FleetConnection(url, store, { protocols });
    connectionRef.current = connection;
    connection.onState = setLink;
    connection.onServerError = setLastError;
    // A refused handshake tells the browser nothing: ask whoami with the same token why, and sign in if that is it.
    connection.onRefused = () => {
      void linkRefused(token).then((found) => {
        if (connectionRef.current !== connection) return; // the session changed meanwhile
        if (typeof found === 'string') setLastError(found);
        else if (found) applyRefusal(token, found);
      });
    };
    connection.onSnapshot = onSnapshot;
    onConnection(connection);
    const feed = new CommandsFeed(fleetSocketUrl(siblingPath(config.wsPath, 'commands'), window.location), commandStore, { protocols });
    // After a gap in the feed, the selected drone's commands are fetched again (the feed's list is only the latest).
    feed.onState = (state) => { if (state === 'live') setFeedEpoch((n) => n + 1); };
    onFeeds(connection, feed);
    connection.start();
    feed.start();
    return () => {
      connection.close();
      feed.close();
      setLink({ kind: 'connecting', attempt: 1, retryAtMs: null, reason: 'session changed' });
      if (connectionRef.current === connection) connectionRef.current = null;
      onFeeds(null, null);
    };
  }, [
    config, connectionKey, sessionRef, store, commandStore, connectionRef, onSnapshot, onConnection, onFeeds, linkRefused,
    applyRefusal, worker,
  ]);

  return { link, lastError, feedEpoch };
}
