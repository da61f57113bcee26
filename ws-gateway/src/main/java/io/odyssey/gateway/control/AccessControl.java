package io.odyssey.gateway.control;

import io.odyssey.gateway.Problem;
import com.hazelcast.map.IMap;
import io.odyssey.grid.trust.RecordSeal;
import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import io.odyssey.runtime.Setting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Bearer tokens and the Origin allow-list. Tokens are known by the SHA-256 digest of their secret only: those from the
 * configuration ({@code name:role:secret}, from an environment variable or a file) are hashed at start, those created
 * through the API are kept in the grid as digests ({@code IMap<String, String>} name → "role digest"), so every
 * gateway knows them and no secret is stored anywhere: {@code IMap<String, String>} digest → "role name seal", so
 * checking a token is one lookup by digest, never a scan, and says nothing about the secret through its timing.
 * <p>
 * The grid is storage, not a trust anchor: any process that reaches a member can write that map. So each created
 * record carries a seal ({@link RecordSeal}: HMAC-SHA256 over digest, role and name) made with the gateway key, which
 * gateways hold and the grid does not. A record without a valid seal (planted, altered, or made under another key) is
 * no token: refused, logged and counted. Without a gateway key the gateway takes configured tokens only.
 */
public final class AccessControl
{
    /** What a secret may be made of: header-, subprotocol- and shell-safe. */
    public static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{16,256}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);
    /** The seal's purpose label: a token seal never verifies as any other record's. */
    public static final String SEAL_PURPOSE = "odyssey.token.v1";

    private final Map<String, Principal> configured = new LinkedHashMap<>();
    private final IMap<String, String> created;
    private final Role anonymousRole;
    private final Set<String> allowedOrigins;
    private final RecordSeal seal;
    private final Counter forged;
    private final RateLimitedLog forgedLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(10));

    /**
     * @param tokens        "name:role:secret" entries from the configuration.
     * @param created       the grid's token map (tokens created through the API), or null for none.
     * @param anonymousRole the role of requests without a token, or null to refuse them.
     * @param seal          seals and checks the created tokens' records (the gateway key), or null when there is no
     *                      gateway key: then no token is created and no record in the grid is taken.
     * @param forged        counts token records in the grid that were presented and do not carry a valid seal.
     */
    public AccessControl(
        final List<String> tokens, final IMap<String, String> created, final Role anonymousRole,
        final Set<String> allowedOrigins, final Setting source, final RecordSeal seal, final Counter forged)
    {
        this.seal = seal;
        this.forged = forged;
        for (final String entry : tokens)
        {
            final String[] parts = entry.trim().split(":", 3);
            final Role role = parts.length == 3 ? Role.parse(parts[1]) : null;
            if (parts.length != 3 || role == null || !NAME.matcher(parts[0]).matches() ||
                !SECRET.matcher(parts[2]).matches() || parts[2].startsWith("change-me"))
            {
                // Never echo the entry: it holds a secret.
                throw source.invalid("(a token entry, not shown)",
                    "name:role:secret with role viewer, operator or admin and a secret of 16+ characters [A-Za-z0-9_-] " +
                    "(the change-me placeholders of the sample manifests are refused: replace them)");
            }
            configured.put(digest(parts[2]), new Principal(parts[0], role));
        }
        this.created = created;
        this.anonymousRole = anonymousRole;
        this.allowedOrigins = Set.copyOf(allowedOrigins);
    }

    /** Reads a token file: one {@code name:role:secret} per line, blank lines and {@code #} comments ignored. */
    public static List<String> readTokenFile(final Path file, final Setting setting)
    {
        try
        {
            final List<String> entries = new ArrayList<>();
            for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8))
            {
                final String trimmed = line.trim();
                if (!trimmed.isEmpty() && !trimmed.startsWith("#"))
                {
                    entries.add(trimmed);
                }
            }
            return entries;
        }
        catch (final IOException ex)
        {
            throw new ConfigurationException(setting.envName() + ": cannot read token file " + file + ": " + ex.getMessage());
        }
    }

    /**
     * @param secret the bearer token presented, or null when none was.
     * @return who it is; the anonymous principal (if allowed) for no token; null for an unknown token or no token
     *         when anonymous requests are refused.
     */
    public Principal authenticate(final String secret)
    {
        if (secret == null || secret.isEmpty())
        {
            return anonymousRole == null ? null : new Principal("anonymous", anonymousRole);
        }
        if (!SECRET.matcher(secret).matches())
        {
            return null;
        }
        final String digest = digest(secret);
        final Principal known = configured.get(digest);
        if (known != null)
        {
            return known;
        }
        if (created != null)
        {
            final String record = created.get(digest);
            if (record != null)
            {
                final Principal sealed = sealed(digest, record);
                if (sealed == null)
                {
                    forged.increment();
                    synchronized (forgedLog)
                    {
                        if (forgedLog.tryAcquire(System.nanoTime()))
                        {
                            // Neither the record nor the digest: the record is a grid client's text.
                            LOG.warn("refused a token whose record in the grid is not sealed by this gateway's key " +
                                "(planted or altered by a grid client, or sealed under another ODYSSEY_GATEWAY_KEY_FILE)" +
                                "; {} more since the last such line", forgedLog.suppressedSinceLast());
                        }
                    }
                }
                return sealed;
            }
        }
        return null;
    }

    /**
     * Whether the token with this digest still opens anything (configured, or created and sealed by this gateway's
     * key): open WebSocket sessions are checked again with it, as a deletion's event may be lost.
     *
     * @throws RuntimeException when the grid did not answer (the caller keeps the session).
     */
    public boolean stillValid(final String digest)
    {
        if (configured.containsKey(digest))
        {
            return true;
        }
        final String record = created == null ? null : created.get(digest);
        return record != null && sealed(digest, record) != null;
    }

    /** Whether {@code digest} is a configured token's (from the environment or a file: only a restart removes it). */
    public boolean isConfigured(final String digest)
    {
        return configured.containsKey(digest);
    }

    /** The principal of a created token's record "role name seal", or null when its seal does not verify. */
    private Principal sealed(final String digest, final String record)
    {
        final String[] parts = record.split(" ", 3);
        final Role role = parts.length == 3 ? Role.parse(parts[0]) : null;
        if (seal == null || role == null || !seal.verifies(parts[2], digest, parts[0], parts[1]))
        {
            return null;
        }
        return new Principal(parts[1], role);
    }

    /** True when a request may come from {@code origin}: no Origin (not a browser), or one on the allow-list. */
    public boolean originAllowed(final String origin)
    {
        return origin == null || allowedOrigins.contains(origin);
    }

    /** Configured tokens and created ones: name, role, source; never secrets or digests. */
    public List<Map<String, String>> list()
    {
        final List<Map<String, String>> tokens = new ArrayList<>();
        for (final Principal principal : configured.values())
        {
            tokens.add(Map.of("name", principal.name(), "role", principal.role().wireName(), "source", "configuration"));
        }
        if (created != null)
        {
            for (final Map.Entry<String, String> record : created.entrySet())
            {
                // Only what is a token: a planted record would put a grid client's text in the admin's listing.
                final Principal principal = sealed(record.getKey(), record.getValue());
                if (principal != null)
                {
                    tokens.add(Map.of("name", principal.name(), "role", principal.role().wireName(), "source", "api"));
                }
            }
        }
        return tokens;
    }

    /**
     * Creates a token in the grid.
     *
     * @return the secret, shown once.
     */
    public String create(final String name, final Role role)
    {
        if (name == null || !NAME.matcher(name).matches())
        {
            throw new Problem(400, "a token name is 1 to 64 characters of [A-Za-z0-9_.@-]");
        }
        if (created == null)
        {
            throw new Problem(503, "tokens cannot be created without the grid");
        }
        if (seal == null)
        {
            throw new Problem(503, "tokens cannot be created without a gateway key (ODYSSEY_GATEWAY_KEY_FILE); " +
                "configure tokens instead (ODYSSEY_GATEWAY_TOKENS_FILE)");
        }
        for (final Principal principal : configured.values())
        {
            if (principal.name().equals(name))
            {
                throw new Problem(409, "a configured token is named '" + name + "'");
            }
        }
        for (final String record : created.values())
        {
            final String[] parts = record.split(" ", 3);
            if (parts.length >= 2 && parts[1].equals(name))
            {
                throw new Problem(409, "a token named '" + name + "' exists; delete it first");
            }
        }
        final String secret = newSecret();
        final String digest = digest(secret);
        created.set(digest, role.wireName() + " " + name + " " + seal.seal(digest, role.wireName(), name));
        return secret;
    }

    /** @return true when a created token of that name existed. */
    public boolean delete(final String name)
    {
        if (created == null)
        {
            return false;
        }
        boolean removed = false;
        for (final Map.Entry<String, String> entry : created.entrySet())
        {
            final String[] parts = entry.getValue().split(" ", 3);
            if (parts.length >= 2 && parts[1].equals(name))
            {
                removed |= created.remove(entry.getKey()) != null;
            }
        }
        return removed;
    }

    /**
     * Calls {@code revoked} with a created token's digest when the grid loses it (deleted through the API of any
     * gateway, or by a grid client): the sessions it opened must end, not only its next request. On the grid client's
     * event thread; {@code revoked} must not block.
     *
     * @return the listener's id, or null when no token is kept in the grid (it ends with the grid connection).
     */
    public java.util.UUID onRevoked(final java.util.function.Consumer<String> revoked)
    {
        if (created == null)
        {
            return null;
        }
        return created.addEntryListener(new RevokedListener(revoked), false);
    }

    private record RevokedListener(java.util.function.Consumer<String> revoked) implements
        com.hazelcast.map.listener.EntryRemovedListener<String, String>,
        com.hazelcast.map.listener.EntryEvictedListener<String, String>,
        com.hazelcast.map.listener.EntryExpiredListener<String, String>,
        com.hazelcast.map.listener.MapClearedListener
    {
        public void entryRemoved(final com.hazelcast.core.EntryEvent<String, String> event)
        {
            revoked.accept(event.getKey());
        }

        public void entryEvicted(final com.hazelcast.core.EntryEvent<String, String> event)
        {
            revoked.accept(event.getKey());
        }

        public void entryExpired(final com.hazelcast.core.EntryEvent<String, String> event)
        {
            revoked.accept(event.getKey());
        }

        public void mapCleared(final com.hazelcast.map.MapEvent event)
        {
            revoked.accept(ALL_CREATED);
        }
    }

    /** What {@link #onRevoked} is told when the whole token map was cleared: every created token is gone. */
    public static final String ALL_CREATED = "*";

    public static String newSecret()
    {
        final byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** What identifies a token everywhere it is kept: the hex SHA-256 of its secret (never the secret itself). */
    public static String digest(final String secret)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(secret.getBytes(StandardCharsets.UTF_8)));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
