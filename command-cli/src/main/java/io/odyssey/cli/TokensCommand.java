package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code odyssey-cli tokens}: the gateway's access tokens (admin; docs/api/commands.md, "Tokens"). The gateway never
 * shows a secret again after creating it, so {@code create} prints it once and says so.
 */
@Command(name = "tokens", mixinStandardHelpOptions = true,
    description = "Access tokens (needs an admin token): list, create, delete.",
    subcommands = {TokensCommand.ListTokens.class, TokensCommand.Create.class, TokensCommand.Delete.class})
final class TokensCommand
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The tokens the gateway knows (never their secrets).")
    static final class ListTokens implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions gateway = new GatewayOptions();

        public Integer call() throws Exception
        {
            final HttpResponse<String> response = gateway.get("/api/v1/tokens");
            if (gateway.json)
            {
                gateway.printJson(response);
                return 0;
            }
            final TextTable table = new TextTable("name", "role", "source", "expires");
            for (final JsonNode token : gateway.json(response).path("tokens"))
            {
                table.row(token.path("name").asText(), token.path("role").asText(), TextTable.text(token.path("source")),
                    token.has("expiresAt") ? TextTable.text(token.path("expiresAt")) : "-");
            }
            table.print(gateway.out());
            return 0;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a token; its secret is printed once and cannot be shown again.")
    static final class Create implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions gateway = new GatewayOptions();

        @Parameters(paramLabel = "NAME", description = "Who or what the token is for, e.g. ci.")
        String name;

        @Option(names = "--role", paramLabel = "ROLE", required = true,
            description = "viewer (read), operator (and command), or admin (and tokens, geofences).")
        String role;

        @Option(names = "--expires-in-hours", paramLabel = "HOURS",
            description = "How long the token works, hours (default and most: the gateway's ODYSSEY_GATEWAY_TOKEN_MAX_LIFETIME_H, 2160 = 90 days).")
        Long expiresInHours;

        public Integer call() throws Exception
        {
            final com.fasterxml.jackson.databind.node.ObjectNode body =
                JSON.createObjectNode().put("name", name).put("role", role.toLowerCase(Locale.ROOT));
            if (expiresInHours != null)
            {
                body.put("expiresInHours", expiresInHours);
            }
            final HttpResponse<String> response = gateway.post("/api/v1/tokens", body);
            if (gateway.json)
            {
                gateway.printJson(response);
                return 0;
            }
            final JsonNode token = gateway.json(response);
            final PrintWriter out = gateway.out();
            out.printf("token %s (%s, expires %s):%n%s%n", token.path("name").asText(), token.path("role").asText(),
                TextTable.text(token.path("expiresAt")), token.path("token").asText());
            out.println("keep it now: the gateway shows it only this once. Use it as " + GatewayOptions.TOKEN_ENV +
                " or in a --token-file.");
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a token: it stops working at once.")
    static final class Delete implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions gateway = new GatewayOptions();

        @Parameters(paramLabel = "NAME", description = "The token's name.")
        String name;

        public Integer call() throws Exception
        {
            final HttpResponse<String> response = gateway.delete("/api/v1/tokens/" + GatewayOptions.encode(name));
            if (gateway.json)
            {
                if (response.body().isBlank())
                {
                    gateway.out().println("{}");
                }
                else
                {
                    gateway.printJson(response);
                }
                return 0;
            }
            gateway.out().printf("deleted token %s%n", name);
            return 0;
        }
    }
}
