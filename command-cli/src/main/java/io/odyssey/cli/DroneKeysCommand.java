package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.util.concurrent.Callable;

/**
 * {@code odyssey-cli drones keys}: a drone's link keys through the gateway (admin; docs/api/commands.md, "Drone keys").
 * The gateway answers a new key once and never again, so {@code add} and {@code rotate} print it once, to standard
 * output only, for the operator to load into the drone.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
    description = "A drone's link keys (needs an admin token): list, add, rotate, revoke.",
    subcommands = {DroneKeysCommand.ListKeys.class, DroneKeysCommand.Add.class, DroneKeysCommand.Rotate.class,
        DroneKeysCommand.Revoke.class})
final class DroneKeysCommand
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String path(final long droneId)
    {
        return "/api/v1/drones/" + droneId + "/keys";
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "The drone's key id, when it was made, and until when a rotated-out key is still accepted " +
            "(never a key).")
    static final class ListKeys implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions gateway = new GatewayOptions();

        @Parameters(paramLabel = "ID", description = "The drone.")
        long droneId;

        public Integer call() throws Exception
        {
            final HttpResponse<String> response = gateway.get(path(droneId));
            if (gateway.json)
            {
                gateway.printJson(response);
                return 0;
            }
            final TextTable table = new TextTable("key id", "state", "created", "valid until");
            for (final JsonNode key : gateway.json(response).path("keys"))
            {
                table.row(TextTable.text(key.path("keyId")), key.path("state").asText(), TextTable.text(key.path("created")),
                    TextTable.text(key.path("validUntil")));
            }
            table.print(gateway.out());
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
        description = "Give a drone without a key a new one; it is printed once and cannot be shown again.")
    static final class Add implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions gateway = new GatewayOptions();

        @Parameters(paramLabel = "ID", description = "The drone.")
        long droneId;

        public Integer call() throws Exception
        {
            return printKey(gateway, gateway.post(path(droneId), JSON.createObjectNode()));
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
        description = "Give the drone a new key (printed once); its old key is still accepted for the grace period.")
    static final class Rotate implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions gateway = new GatewayOptions();

        @Parameters(paramLabel = "ID", description = "The drone.")
        long droneId;

        @Option(names = "--grace", paramLabel = "S",
            description = "Seconds the old key is still accepted (0 to 604800; the gateway's default: 300).")
        Long graceS;

        public Integer call() throws Exception
        {
            final ObjectNode body = JSON.createObjectNode();
            if (graceS != null)
            {
                body.put("graceS", graceS);
            }
            return printKey(gateway, gateway.post(path(droneId) + "/rotate", body));
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
        description = "Remove the drone's keys: its frames are refused (UNKNOWN_KEY) from now on.")
    static final class Revoke implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions gateway = new GatewayOptions();

        @Parameters(paramLabel = "ID", description = "The drone.")
        long droneId;

        public Integer call() throws Exception
        {
            gateway.delete(path(droneId));
            if (gateway.json)
            {
                gateway.out().println("{}");
                return 0;
            }
            gateway.out().printf("revoked the keys of drone %d%n", droneId);
            return 0;
        }
    }

    private static int printKey(final GatewayOptions gateway, final HttpResponse<String> response) throws Exception
    {
        if (gateway.json)
        {
            gateway.printJson(response);
            return 0;
        }
        final JsonNode key = gateway.json(response);
        final PrintWriter out = gateway.out();
        out.printf("drone %d key %d:%n%s%n", key.path("droneId").asLong(), key.path("keyId").asLong(),
            key.path("key").asText());
        if (key.hasNonNull("previousKeyValidUntil"))
        {
            out.printf("the previous key is still accepted until %s%n", key.path("previousKeyValidUntil").asText());
        }
        out.println("load it into the drone now: the gateway shows it only this once.");
        return 0;
    }
}
