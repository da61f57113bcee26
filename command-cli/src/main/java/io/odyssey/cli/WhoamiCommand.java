package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.net.http.HttpResponse;
import java.util.concurrent.Callable;

/** {@code odyssey-cli whoami}: which token the gateway sees, and its role; the first thing to try when refused. */
@Command(name = "whoami", mixinStandardHelpOptions = true,
    description = "The name and role of the access token in use (GET /api/v1/whoami).")
final class WhoamiCommand implements Callable<Integer>
{

    @CommandLine.Mixin
    GatewayOptions gateway = new GatewayOptions();

    public Integer call() throws Exception
    {
        final HttpResponse<String> response = gateway.get("/api/v1/whoami");
        if (gateway.json)
        {
            gateway.printJson(response);
            return 0;
        }
        final JsonNode who = gateway.json(response);
        gateway.out().printf("%s (%s)%n", who.path("name").asText(), who.path("role").asText());
        return 0;
    }
}
