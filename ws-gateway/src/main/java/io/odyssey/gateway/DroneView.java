package io.odyssey.gateway;

import io.odyssey.grid.DroneState;
import io.odyssey.runtime.Json;

/**
 * One drone as the gateway knows it: the state from the grid, when the gateway heard of it, and its JSON, encoded at
 * most once however many clients receive it (fan-out cost grows with drones, not drones × clients).
 */
final class DroneView
{
    final DroneState state;
    final long gatewayNanos;
    private volatile String json;

    DroneView(final DroneState state, final long gatewayNanos)
    {
        this.state = state;
        this.gatewayNanos = gatewayNanos;
    }

    long id()
    {
        return state.droneId();
    }

    String json()
    {
        String encoded = json;
        if (encoded == null)
        {
            encoded = encode(state, gatewayNanos);
            json = encoded;
        }
        return encoded;
    }

    /** The drone object of the WebSocket contract (docs/api/websocket.md). */
    static String encode(final DroneState s, final long gatewayNanos)
    {
        final StringBuilder out = new StringBuilder(320);
        out.append("{\"id\":").append(s.droneId())
            .append(",\"seq\":").append(s.sequence())
            .append(",\"sentAtNs\":\"").append(s.sentAtNanos())
            .append("\",\"ingestNs\":\"").append(s.ingestNanos())
            .append("\",\"gridNs\":\"").append(s.gridNanos())
            .append("\",\"gatewayNs\":\"").append(gatewayNanos)
            .append("\",\"lat\":").append(s.latitude())
            .append(",\"lon\":").append(s.longitude())
            .append(",\"alt\":").append(round1(s.altitude()))
            .append(",\"hdg\":").append(round1(s.heading()))
            .append(",\"spd\":").append(round2(s.groundSpeed()))
            .append(",\"climb\":").append(round2(s.climbRate()))
            .append(",\"bat\":").append(round1(s.battery()))
            .append(",\"status\":\"").append(s.status())
            .append("\",\"flags\":").append(s.flags())
            .append(",\"node\":\"").append(Json.escape(s.ingestNode()))
            .append("\"}");
        return out.toString();
    }

    private static double round1(final float value)
    {
        return Math.round(value * 10.0) / 10.0;
    }

    private static double round2(final float value)
    {
        return Math.round(value * 100.0) / 100.0;
    }
}
