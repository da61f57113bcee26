package io.odyssey.gateway.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.odyssey.gateway.Problem;
import io.odyssey.runtime.Counter;
import io.undertow.server.HttpServerExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code /tokens} and {@code /tokens/{name}}: the API's bearer tokens, listed, created and revoked by an admin. */
final class TokensResource
{
    private static final Logger LOG = LoggerFactory.getLogger(TokensResource.class);

    private final AccessControl access;
    private final Counter textRefused;

    TokensResource(final AccessControl access, final Counter textRefused)
    {
        this.access = access;
        this.textRefused = textRefused;
    }

    void list(final HttpServerExchange exchange)
    {
        final ObjectNode result = CommandJson.JSON.createObjectNode();
        final ArrayNode tokens = result.putArray("tokens");
        access.list().forEach(token -> tokens.add(CommandJson.JSON.valueToTree(token)));
        Requests.send(exchange, 200, result);
    }

    void create(final HttpServerExchange exchange)
    {
        final Principal principal = Requests.principal(exchange);
        final JsonNode body = Requests.body(exchange);
        final Role role = Role.parse(body.path("role").asText(null));
        if (role == null)
        {
            throw new Problem(400, "role is viewer, operator or admin");
        }
        final String tokenName = Requests.textField(body, "name");
        if (tokenName != null)
        {
            Requests.checkedText(textRefused, "name", tokenName, GeofencesResource.MAX_NAME_LENGTH);
        }
        final long maxHours = java.util.concurrent.TimeUnit.MILLISECONDS.toHours(access.maxLifetimeMs());
        final Long hours = Requests.integerField(body, "expiresInHours");
        if (hours != null && (hours < 1 || hours > maxHours))
        {
            throw new Problem(400, "expiresInHours is 1 to " + maxHours + " (ODYSSEY_GATEWAY_TOKEN_MAX_LIFETIME_H), not " + hours);
        }
        final AccessControl.NewToken token = access.create(tokenName, role,
            hours == null ? access.maxLifetimeMs() : java.util.concurrent.TimeUnit.HOURS.toMillis(hours));
        LOG.info("token '{}' ({}, until {}) created by {}", tokenName, role.wireName(), token.expiresAt(), principal.name());
        final ObjectNode result = CommandJson.JSON.createObjectNode();
        result.put("name", tokenName);
        result.put("role", role.wireName());
        result.put("token", token.secret());
        result.put("expiresAt", token.expiresAt().toString());
        Requests.send(exchange, 201, result);
    }

    void delete(final HttpServerExchange exchange)
    {
        final Principal principal = Requests.principal(exchange);
        final String name = Requests.checkedText(textRefused, "the token name", Requests.pathParameter(exchange, "name"),
            GeofencesResource.MAX_NAME_LENGTH);
        if (!access.delete(name))
        {
            throw new Problem(404, "no token created through the API is named '" + name + "'");
        }
        LOG.info("token '{}' deleted by {}", name, principal.name());
        Requests.noContent(exchange);
    }
}
