package io.odyssey.gateway;

import io.odyssey.runtime.Counter;
import io.odyssey.runtime.LatencyHop;
import io.odyssey.runtime.Metrics;

/** The gateway's counters and latency hops, registered once with stable names (gauges are added by {@link Gateway}). */
final class GatewayMetrics
{
    static final String[] ERROR_CODES = {"BAD_JSON", "UNKNOWN_TYPE", "BAD_BBOX", "TOO_LARGE", "BAD_FLOW", "BAD_ACK", "RATE_LIMITED"};

    final Metrics metrics = new Metrics("ws-gateway");
    final Counter unauthorised = metrics.counter("odyssey_gateway_requests_unauthorised_total",
        "Requests refused with 401 (no or unknown token)");
    final Counter authLimited = metrics.counter("odyssey_gateway_requests_auth_limited_total",
        "Requests with a token refused without the token being checked (429, a WebSocket handshake refused; on the " +
        "health endpoints the status only): their address (IPv4, IPv6 /64) presented " +
        "ODYSSEY_GATEWAY_AUTH_FAILURES_PER_ADDRESS wrong tokens within ODYSSEY_GATEWAY_AUTH_FAILURE_WINDOW_S");
    final Counter authFailuresUntracked = metrics.counter("odyssey_gateway_auth_failures_untracked_total",
        "Wrong tokens not held against their address because the table of addresses that presented wrong tokens was " +
        "full of addresses within their window (answered 401 as before): many addresses are guessing at once");
    final Counter forgedTokens = metrics.counter("odyssey_gateway_tokens_forged_total",
        "Tokens refused because their record in the grid is not sealed by the gateway key (planted or altered by a grid client)");
    private static final String TOKENS_REFUSED_HELP = "Created tokens refused although their record is in the grid: " +
        "REVOKED deleted or expired while this gateway ran (a copy put back by a grid client), EXPIRED past the expiry " +
        "sealed in their record, NO_EXPIRY made before tokens had expiries (recreate them)";
    final Counter revokedTokens = metrics.counter("odyssey_gateway_tokens_refused_total",
        TOKENS_REFUSED_HELP, "reason=\"REVOKED\"");
    final Counter expiredTokens = metrics.counter("odyssey_gateway_tokens_refused_total",
        TOKENS_REFUSED_HELP, "reason=\"EXPIRED\"");
    final Counter noExpiryTokens = metrics.counter("odyssey_gateway_tokens_refused_total", TOKENS_REFUSED_HELP,
        "reason=\"NO_EXPIRY\"");
    final Counter forbidden = metrics.counter("odyssey_gateway_requests_forbidden_total",
        "Requests refused with 403 (role too low or origin not allowed)");
    final Counter commandsRefused = metrics.counter("odyssey_gateway_api_refused_total",
        "API requests refused with a problem (invalid, unknown drone, geofence, conflict)");
    final Counter commandsRateLimited = metrics.counter("odyssey_gateway_commands_limited_total",
        "Commands refused by a limit, by reason: rate (429, the token's rate), drone_active (409, the drone's active commands)",
        "reason=\"rate\"");
    final Counter commandsActiveLimited = metrics.counter("odyssey_gateway_commands_limited_total",
        "Commands refused by a limit, by reason: rate (429, the token's rate), drone_active (409, the drone's active commands)",
        "reason=\"drone_active\"");
    final Counter textRefused = metrics.counter("odyssey_gateway_text_refused_total",
        "API requests refused for text that may not be stored (control characters, lone surrogates, too long, not UTF-8)");
    final Counter historyInvalid = historyRefused("invalid");
    final Counter historyBusy = historyRefused("busy");
    final Counter historyTimedOut = historyRefused("statement_timeout");
    final Counter historyUnavailable = historyRefused("unavailable");
    final Counter bodiesTooLarge = metrics.counter("odyssey_gateway_request_bodies_refused_total",
        "Request bodies refused: larger than ODYSSEY_GATEWAY_MAX_BODY_BYTES (413), or never sent whole (connection closed)",
        "reason=\"too_large\"");
    final Counter bodiesIncomplete = metrics.counter("odyssey_gateway_request_bodies_refused_total",
        "Request bodies refused: larger than ODYSSEY_GATEWAY_MAX_BODY_BYTES (413), or never sent whole (connection closed)",
        "reason=\"incomplete\"");
    final Counter connectionsRefusedPerAddress = metrics.counter("odyssey_gateway_connections_refused_total",
        "Connections closed as they were accepted, before anything of them was read: per_address, their address (IPv4, " +
        "IPv6 /64) held ODYSSEY_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS open connections", "reason=\"per_address\"");
    final Counter connections = metrics.counter("odyssey_ws_connections_total", "WebSocket connections accepted");
    final Counter framesSent = metrics.counter("odyssey_ws_frames_sent_total", "WebSocket frames sent");
    final Counter bytesSent = metrics.counter("odyssey_ws_bytes_sent_total", "WebSocket payload bytes sent (text and binary)");
    final Counter bytesSentBinary = metrics.counter("odyssey_ws_binary_bytes_sent_total",
        "WebSocket payload bytes sent in binary odyssey.bin.v1 frames (part of odyssey_ws_bytes_sent_total)");
    final Counter dronesSentJson = metrics.counter("odyssey_ws_drone_updates_sent_total",
        "Drone states put in snapshot and changes frames, summed over clients, by encoding", "encoding=\"json\"");
    final Counter dronesSentBinary = metrics.counter("odyssey_ws_drone_updates_sent_total",
        "Drone states put in snapshot and changes frames, summed over clients, by encoding", "encoding=\"binary\"");
    final Counter recordsEncoded = metrics.counter("odyssey_ws_drone_records_encoded_total",
        "Binary drone records encoded (once per drone version, shared by every binary client)");
    final Counter nodeNamesRefused = metrics.counter("odyssey_ws_node_names_refused_total",
        "Ingest node names sent as none in binary records: the node table was full or the name too long");
    final Counter framesShared = metrics.counter("odyssey_ws_frames_shared_total",
        "Changes frames not built for a whole-fleet client but copied from the one built for another in the same scan");
    final Counter framesHeld = metrics.counter("odyssey_ws_frames_held_total",
        "Frames not sent because the client's flow-control window was full (its drones stay dirty)");
    final Counter framesSkipped = metrics.counter(
        "odyssey_ws_frames_skipped_total", "Frames not sent because the client was behind (its drones stay dirty)");
    final Counter clientsClosedSlow = metrics.counter(
        "odyssey_ws_clients_closed_slow_total", "Clients disconnected for staying behind longer than the stall timeout");
    final Counter sessionsRefused = metrics.counter("odyssey_ws_sessions_refused_total",
        "WebSocket handshakes refused because the token (or anonymous IPv4 address or IPv6 /64) held " +
        "ODYSSEY_WS_MAX_SESSIONS_PER_CLIENT sessions");
    final Counter sessionsShed = metrics.counter("odyssey_ws_sessions_shed_total",
        "WebSocket clients closed because the unsent bytes of all clients were above ODYSSEY_WS_SEND_BUDGET_BYTES " +
        "(the furthest behind first; also counted in odyssey_ws_clients_closed_total{reason=\"slow\"})");
    final Counter clientMessagesLimited = metrics.counter("odyssey_ws_client_messages_limited_total",
        "WebSocket client messages dropped for coming faster than ODYSSEY_WS_CLIENT_MESSAGE_RATE (acks that advance are free)");
    final Counter repliesDropped = metrics.counter(
        "odyssey_ws_replies_dropped_total", "Answers (pong, error) not sent because the client was behind");
    final Counter alertChanges = metrics.counter("odyssey_ws_alert_changes_total",
        "Alert raises and clears the gateway heard from the grid");
    final Counter alertBatchesOverflowed = metrics.counter("odyssey_ws_alert_batches_overflowed_total",
        "Ticks with more alert changes than ODYSSEY_WS_ALERT_BATCH_MAX: every client got the whole list instead");
    final Counter[] alertMessagesSent = new Counter[AlertsFeed.AlertForm.values().length];
    final Counter[] clientErrors = new Counter[ERROR_CODES.length];
    final Counter[] clientsClosed = new Counter[CloseReason.values().length];
    final Counter events = metrics.counter("odyssey_gateway_events_total", "Fleet changes received: drone states and " +
        "removals in the grid members' fleet messages, and map-wide clears");
    final Counter fleetMessages = metrics.counter("odyssey_gateway_fleet_messages_total",
        "Fleet change messages received from the grid members (each carries every drone of its member that changed)");
    final Counter fleetMessagesRejected = metrics.counter("odyssey_gateway_fleet_messages_rejected_total",
        "Fleet change messages left out whole because they cannot be read (truncated, wrong lengths, unknown version, a " +
        "value no drone sends), were published by another member than they name, or name a member not in the cluster");
    final Counter fleetMessageGaps = metrics.counter("odyssey_gateway_fleet_message_gaps_total",
        "Fleet change messages after which the gateway reloaded the fleet map: a gap in a member's sequence (a message " +
        "lost), a member's first message, or one flagged as not carrying every change");
    final Counter eventsConflated = metrics.counter("odyssey_gateway_events_conflated_total",
        "Fleet map events replaced by a newer event of the same drone before the gateway applied them (the grid was " +
        "ahead of the gateway; each drone's newest event is applied)");
    final Counter reconciles = metrics.counter("odyssey_gateway_fleet_reconciles_total",
        "Periodic reads of the whole fleet map (ODYSSEY_GATEWAY_FLEET_RECONCILE_S) that apply what events did not bring");
    final Counter staleEvents = metrics.counter(
        "odyssey_gateway_stale_events_total", "Events older than the state already held (ignored)");
    final Counter viewCorrections = metrics.counter("odyssey_gateway_fleet_view_corrections_total",
        "Drones whose state in the fleet view was ahead of the fleet map at a reload (a fleet change message forged on " +
        "the grid's network): replaced by the map's state");
    final Counter futureStates = metrics.counter("odyssey_gateway_future_states_total",
        "Drone states applied whose send time was more than " + FleetFeed.FUTURE_STATE_NS / 1_000_000 + " ms ahead of " +
        "this gateway's clock (a drone's or a host's clock is wrong); the newest-state age takes them as sent on arrival");
    final Counter dronesRefused = metrics.counter("odyssey_gateway_drones_refused_total",
        "Drone versions not taken into the fleet view because it holds " + FleetView.MAX_SLOTS + " drones already");
    final Counter fleetUnreadable = metrics.counter("odyssey_gateway_fleet_states_unreadable_total",
        "Fleet-map states the feed's reloads left out because they cannot be read or are filed under another drone's " +
        "key (written into the grid by something else)");
    final Counter reloadsCut = metrics.counter("odyssey_gateway_fleet_reloads_cut_total",
        "Reloads of the fleet view whose pages stopped early, the fleet map holding more than " +
        "ODYSSEY_GATEWAY_FLEET_RELOAD_MAX_ENTRIES entries (put there by a grid client, or a fleet larger than the " +
        "setting): what they read is applied, then the view's drones they did not reach are read by id with what is " +
        "left of the setting, round the view from reload to reload (a drone the map no longer has leaves)");
    final Counter resyncs = metrics.counter(
        "odyssey_gateway_resyncs_total", "Fleet view reloads after the grid connection came back, a member joined or " +
        "left, a map-wide clear or a gap in a member's fleet messages");
    final LatencyHop gatewayReceived = metrics.hop("gateway_received",
        "drone send -> gateway applied the state to its fleet view (each drone's newest event)");
    final LatencyHop gridEvent = metrics.hop("grid_event",
        "ingest flush began (DroneState.gridNanos) -> gateway applied the state: the grid write plus the event's way here");
    final LatencyHop wsSent = metrics.hop("ws_sent",
        "drone send -> fleet frame built (once per drone per frame built; a shared frame's takers add no sample)");

    GatewayMetrics()
    {
        for (int i = 0; i < ERROR_CODES.length; i++)
        {
            clientErrors[i] = metrics.counter(
                "odyssey_ws_client_errors_total", "Client messages refused, by error code", "code=\"" + ERROR_CODES[i] + "\"");
        }
        for (final AlertsFeed.AlertForm form : AlertsFeed.AlertForm.values())
        {
            alertMessagesSent[form.ordinal()] = metrics.counter("odyssey_ws_alert_messages_sent_total",
                "Alert messages sent, summed over clients, by form: list (alerts), event (alert, one change), batch " +
                "(alertChanges, one tick's changes)", "form=\"" + form.name().toLowerCase(java.util.Locale.ROOT) + "\"");
        }
        for (final CloseReason reason : CloseReason.values())
        {
            clientsClosed[reason.ordinal()] = metrics.counter("odyssey_ws_clients_closed_total",
                "WebSocket sessions ended, by reason", "reason=\"" + reason.label + "\"");
        }
    }

    void clientClosed(final CloseReason reason)
    {
        clientsClosed[reason.ordinal()].increment();
    }

    private Counter historyRefused(final String reason)
    {
        return metrics.counter("odyssey_gateway_history_refused_total", "History requests not answered, by reason: " +
            "invalid (400), busy (429), statement_timeout (503), unavailable (503, the database)", "reason=\"" + reason + "\"");
    }

    void clientError(final String code)
    {
        for (int i = 0; i < ERROR_CODES.length; i++)
        {
            if (ERROR_CODES[i].equals(code))
            {
                clientErrors[i].increment();
            }
        }
    }
}
