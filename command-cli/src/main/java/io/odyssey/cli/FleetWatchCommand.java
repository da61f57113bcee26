package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code odyssey-cli watch}: the live fleet from {@code /ws/fleet} (docs/api/websocket.md), one line per drone that
 * changed, until interrupted. A box is the gateway's subscription (it sends only those drones); drone ids are
 * filtered here, since the feed has no per-drone subscription.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = {"Live fleet tail: the drones now, then one line per drone that changes; Ctrl-C to stop.",
        "With --json, the feed's snapshot and changes messages (filtered to --drone), one a line."})
final class FleetWatchCommand implements Callable<Integer>
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Mixin
    GatewayOptions gateway = new GatewayOptions();

    @Option(names = "--bbox", paramLabel = "W,S,E,N", converter = GeoArgs.BoxConverter.class,
        description = "Only drones inside the box (degrees; west > east crosses the antimeridian).")
    GeoArgs.Box bbox;

    @Option(names = "--drone", paramLabel = "ID", split = ",", arity = "1..*",
        description = "Only these drones: --drone 7 8, --drone 7,8 or --drone 7 --drone 8.")
    List<Long> droneIds;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
        description = "Stop after N drone changes (default: never).")
    long count;

    public Integer call() throws Exception
    {
        final Set<Long> wanted = droneIds == null ? Set.of() : new HashSet<>(droneIds);
        final PrintWriter out = gateway.out();
        long changes = 0;
        try (GatewayFeed feed = GatewayFeed.open(gateway, "/ws/fleet"))
        {
            if (bbox != null)
            {
                final ObjectNode subscribe = JSON.createObjectNode().put("type", "subscribe");
                final ArrayNode box = subscribe.putArray("bbox");
                for (final double value : bbox.array())
                {
                    box.add(value);
                }
                feed.send(subscribe.toString());
            }
            // Until the snapshot of our box arrives, the feed is still the whole fleet's: print none of it.
            boolean subscribed = bbox == null;
            while (count == 0 || changes < count)
            {
                final JsonNode message = feed.next(200);
                if (message == null)
                {
                    continue;
                }
                switch (message.path("type").asText())
                {
                    case "snapshot" ->
                    {
                        subscribed |= message.path("bbox").isArray();
                        if (subscribed)
                        {
                            print(out, message, wanted, true);
                        }
                    }
                    case "changes" ->
                    {
                        if (subscribed)
                        {
                            changes += print(out, message, wanted, false);
                        }
                    }
                    case "error" -> gateway.err().printf("odyssey-cli: the gateway says %s: %s%n",
                        Terminal.line(message.path("code").asText()), Terminal.line(message.path("message").asText()));
                    default ->
                    {
                        // hello, pong, alerts: not this tail's business
                    }
                }
                out.flush();
            }
        }
        return 0;
    }

    /** Prints the drones of a snapshot or changes message that are wanted; returns how many changed. */
    private int print(final PrintWriter out, final JsonNode message, final Set<Long> wanted, final boolean snapshot)
    {
        final ArrayNode drones = JSON.createArrayNode();
        message.path("drones").forEach(d ->
        {
            if (wanted.isEmpty() || wanted.contains(d.path("id").asLong()))
            {
                drones.add(d);
            }
        });
        final ArrayNode removed = JSON.createArrayNode();
        message.path("removed").forEach(id ->
        {
            if (wanted.isEmpty() || wanted.contains(id.asLong()))
            {
                removed.add(id);
            }
        });
        if (gateway.json)
        {
            if (snapshot || !drones.isEmpty() || !removed.isEmpty())
            {
                final ObjectNode filtered = ((ObjectNode)message).deepCopy();
                filtered.set("drones", drones);
                if (!snapshot)
                {
                    filtered.set("removed", removed);
                }
                out.println(Terminal.json(filtered));
            }
        }
        else
        {
            final long nowMs = gateway.clock().millis();
            if (snapshot)
            {
                out.printf("%d drones%s%n", drones.size(), bbox == null ? "" : " in " + bbox.query());
                out.println(DronesCommand.HEADER);
            }
            drones.forEach(d -> out.println(DronesCommand.line(d, nowMs)));
            removed.forEach(id -> out.printf("%8d  left%n", id.asLong()));
        }
        return snapshot ? 0 : drones.size() + removed.size();
    }
}
