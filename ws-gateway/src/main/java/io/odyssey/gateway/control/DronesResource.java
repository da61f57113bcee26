package io.odyssey.gateway.control;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.odyssey.gateway.BoundingBox;
import io.odyssey.gateway.DroneJson;
import io.odyssey.gateway.Problem;
import io.odyssey.geo.Geodesy;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.undertow.server.HttpServerExchange;
import org.agrona.concurrent.EpochNanoClock;

import java.util.ArrayList;
import java.util.List;

import static io.odyssey.gateway.control.Requests.integer;
import static io.odyssey.gateway.control.Requests.numbers;
import static io.odyssey.gateway.control.Requests.query;

/** {@code /drones} (a selection of the fleet) and {@code /drones/{droneId}} (one drone with its latest commands). */
final class DronesResource
{
    private final FleetLookup fleet;
    private final CommandLedger ledger;
    private final EpochNanoClock clock;

    DronesResource(final FleetLookup fleet, final CommandLedger ledger, final EpochNanoClock clock)
    {
        this.fleet = fleet;
        this.ledger = ledger;
        this.clock = clock;
    }

    void list(final HttpServerExchange exchange)
    {
        final String status = query(exchange, "status");
        final double[] near = numbers(query(exchange, "near"), 3, "near", "LAT,LON,RADIUS_M");
        final double[] wsen = numbers(query(exchange, "bbox"), 4, "bbox", "W,S,E,N");
        final int limit = integer(query(exchange, "limit"), 1000, 1, 100_000, "limit");
        if (near != null && !(Math.abs(near[0]) <= 90 && Math.abs(near[1]) <= 180 && near[2] > 0))
        {
            throw new Problem(400, "near is LAT,LON,RADIUS_M with a valid position and a positive radius");
        }
        final BoundingBox bbox = wsen == null ? null : FleetLookup.box(wsen, "bbox");
        final List<DroneState> result = new ArrayList<>();
        for (final DroneState state : fleet.select(status, bbox))
        {
            if (near == null || Geodesy.distanceM(near[0], near[1], state.latitude(), state.longitude()) <= near[2])
            {
                result.add(state);
            }
        }
        final long now = clock.nanoTime();
        final DroneJson encoder = new DroneJson();
        final StringBuilder json = new StringBuilder("{\"drones\":[");
        final int count = Math.min(limit, result.size());
        for (int i = 0; i < count; i++)
        {
            json.append(i == 0 ? "" : ",").append(encoder.text(result.get(i), now));
        }
        Requests.send(exchange, 200, json.append("],\"count\":").append(count).append('}'));
    }

    void show(final HttpServerExchange exchange)
    {
        final long droneId = Requests.droneId(Requests.pathParameter(exchange, "droneId"));
        final DroneState state = fleet.existing(droneId);
        final ArrayNode commands = CommandJson.JSON.createArrayNode();
        final boolean withSource = CommandJson.showsSource(Requests.principal(exchange));
        for (final CommandRecord command : ledger.list(droneId, null, false, 20))
        {
            commands.add(CommandJson.toJson(command, withSource));
        }
        final String droneJson = new DroneJson().text(state, clock.nanoTime());
        Requests.send(exchange, 200, droneJson.substring(0, droneJson.length() - 1) + ",\"commands\":" + commands + "}");
    }
}
