package io.odyssey.gateway.control;

import io.odyssey.gateway.Problem;
import com.hazelcast.map.IMap;
import io.odyssey.grid.ledger.CommandLedger;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Bearer tokens and the Origin allow-list. Tokens are known by the SHA-256 digest of their secret only: those from the
 * configuration ({@code name:role:secret}, from an environment variable or a file) are hashed at start, those created
 * through the API are kept in the grid as digests, so every gateway knows them and no secret is stored anywhere:
 * {@code IMap<String, String>} digest → "role name expiresAtMs seal", so
 * checking a token is one lookup by digest, never a scan, and says nothing about the secret through its timing.
 * <p>
 * The grid is storage, not a trust anchor: any process that reaches a member can write that map. So each created
 * record carries a seal ({@link RecordSeal}: HMAC-SHA256 over digest, role, name and expiry) made with the gateway key,
 * which gateways hold and the grid does not. A record without a valid seal (planted, altered, or made under another
 * key) is no token: refused, logged and counted. Without a gateway key the gateway takes configured tokens only.
 * <p>
 * A seal cannot say that a token was deleted: a grid client that kept a copy of a record could put it back. Two things
 * bound that. Each created token has a sealed expiry ({@code ODYSSEY_GATEWAY_TOKEN_MAX_LIFETIME_H} at most), so a copy
 * works at most until then; and a gateway remembers, for as long as it runs, the digests of the tokens it saw deleted
 * or expire ({@link RevokedTokens}), so a copy put back is refused by every gateway that was running at the deletion.
 * Records made before expiries existed ({@code "role name seal"}) open nothing any more: with no expiry, a copy of one
 * would have worked for ever on any gateway that did not see its deletion (counted {@code NO_EXPIRY}; recreate them).
 */
public final class AccessControl
{
    /** What a secret may be made of: header-, subprotocol- and shell-safe. */
    public static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{16,256}");
    /** Created tokens remembered as valid here ({@link #knownHere}): an office's worth and more, a few hundred KB. */
    static final int MAX_RECENTLY_VALID = 4_096;
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
    private final RevokedTokens revoked = new RevokedTokens(RevokedTokens.CAPACITY);
    private final RateLimitedLog revokedLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(10));
    private final LongSupplier epochMillis;
    private final long maxLifetimeMs;
    private final Counter refusedRevoked;
    private final Counter refusedExpired;
    private final Counter refusedNoExpiry;

    private final Map<String, Boolean> recentlyValid = new LinkedHashMap<>(256, 0.75f, true)
    {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(final Map.Entry<String, Boolean> eldest)
        {
            return size() > MAX_RECENTLY_VALID;
        }
    };

    /**
     * One constructor, every counter its own: a shorter one counted every refusal as forged and judged lifetimes on a
     * default rather than the configured limit, which a caller could not see from the call.
     *
     * @param tokens         "name:role:secret" entries from the configuration.
     * @param created        the grid's token map (tokens created through the API), or null for none.
     * @param anonymousRole  the role of requests without a token, or null to refuse them.
     * @param seal           seals and checks the created tokens' records (the gateway key), or null when there is no
     *                       gateway key: then no token is created and no record in the grid is taken.
     * @param forged         counts token records in the grid that were presented and do not carry a valid seal.
     * @param refusedRevoked counts presented tokens that were deleted (or expired) while this gateway ran and whose
     *                       record is in the grid again (put back by a grid client).
     * @param refusedExpired counts presented tokens whose sealed expiry has passed.
     * @param refusedNoExpiry counts presented tokens whose genuine record was made before expiries existed.
     * @param epochMillis    the wall clock expiries are set and judged on (they are shared by every gateway).
     * @param maxLifetimeMs  the longest lifetime a created token may have, and the default one.
     */
    public AccessControl(
        final List<String> tokens, final IMap<String, String> created, final Role anonymousRole,
        final Set<String> allowedOrigins, final Setting source, final RecordSeal seal, final Counter forged,
        final Counter refusedRevoked, final Counter refusedExpired, final Counter refusedNoExpiry,
        final LongSupplier epochMillis,
        final long maxLifetimeMs)
    {
        this.seal = seal;
        this.forged = forged;
        this.refusedRevoked = refusedRevoked;
        this.refusedExpired = refusedExpired;
        this.refusedNoExpiry = refusedNoExpiry;
        this.epochMillis = epochMillis;
        this.maxLifetimeMs = maxLifetimeMs;
        for (final String entry : tokens)
        {
            final String[] parts = entry.trim().split(":", 3);
            final Role role = parts.length == 3 ? Role.parse(parts[1]) : null;
            if (parts.length != 3 || role == null || !NAME.matcher(parts[0]).matches() || CommandLedger.nodeIssuer(parts[0]) ||
                !SECRET.matcher(parts[2]).matches() || parts[2].startsWith("change-me"))
            {
                // Never echo the entry: it holds a secret.
                throw source.invalid("(a token entry, not shown)",
                    "name:role:secret with role viewer, operator or admin, a name other than drone and geofence (they name " +
                    "the orders ingest nodes record themselves) and a secret of 16+ characters [A-Za-z0-9_-] " +
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
    /**
     * Whether {@code secret} is a token this gateway knows without asking the grid: configured, or created and seen to
     * open a request here lately (at most {@link #MAX_RECENTLY_VALID}, the least recent forgotten first). An address
     * refused for guessing still gets in with one: anyone sharing an operator's address (an office or carrier NAT, one
     * IPv6 /64) could otherwise lock the operator out, stop and land included, by sending wrong tokens; a guess cannot
     * hit (secrets hold 96 bits and more), so nothing is told by letting a known token through. What it opens is
     * decided by {@link #authenticate} as ever (a token deleted or expired since is refused there).
     */
    public boolean knownHere(final String secret)
    {
        if (secret == null || !SECRET.matcher(secret).matches())
        {
            return false;
        }
        final String digest = digest(secret);
        if (configured.containsKey(digest))
        {
            return true;
        }
        synchronized (recentlyValid)
        {
            return recentlyValid.containsKey(digest);
        }
    }

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
        final Principal principal = created == null ? null : createdPrincipal(digest);
        if (principal == null)
        {
            // Deleted, expired or never valid: not a token this gateway knows any more (knownHere).
            synchronized (recentlyValid)
            {
                recentlyValid.remove(digest);
            }
        }
        return principal;
    }

    /** The principal of the created token with this digest, or null (refusals counted). */
    private Principal createdPrincipal(final String digest)
    {
        final String record = created.get(digest);
        if (record != null && revoked.contains(digest))
        {
            // Deleted while this gateway ran: whatever the grid holds for it now is a copy put back.
            refusedRevoked.increment();
            synchronized (revokedLog)
            {
                if (revokedLog.tryAcquire(System.nanoTime()))
                {
                    LOG.warn("refused a token that was deleted (or expired) while this gateway ran; its record " +
                        "is presented again (put back in the grid by a grid client?); {} more since the last such line",
                        revokedLog.suppressedSinceLast());
                }
            }
            return null;
        }
        if (record != null)
        {
            final Created sealed = sealed(digest, record);
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
                return null;
            }
            if (sealed.expiresAtMs() == NO_EXPIRY)
            {
                refusedNoExpiry.increment();
                return null;
            }
            if (sealed.expiredAt(epochMillis.getAsLong()))
            {
                refusedExpired.increment();
                return null;
            }
            synchronized (recentlyValid)
            {
                recentlyValid.put(digest, Boolean.TRUE);
            }
            return sealed.principal();
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
        if (revoked.contains(digest))
        {
            return false;
        }
        final String record = created == null ? null : created.get(digest);
        final Created sealed = record == null ? null : sealed(digest, record);
        return sealed != null && !sealed.expiredAt(epochMillis.getAsLong());
    }

    /** Whether {@code digest} is a configured token's (from the environment or a file: only a restart removes it). */
    public boolean isConfigured(final String digest)
    {
        return configured.containsKey(digest);
    }

    /** The expiry of a record made before expiries existed: such a record opens nothing. */
    private static final long NO_EXPIRY = Long.MIN_VALUE;

    /** A created token as its record says, once its seal verified. */
    private record Created(Principal principal, long expiresAtMs)
    {
        boolean expiredAt(final long nowMs)
        {
            return nowMs >= expiresAtMs;
        }
    }

    /**
     * A created token's record: "role name expiresAtMs seal" (the seal over digest, role, name and expiry), or the
     * older "role name seal" (no expiry); null when its seal does not verify.
     */
    private Created sealed(final String digest, final String record)
    {
        final String[] parts = record.split(" ", 5);
        final Role role = parts.length == 3 || parts.length == 4 ? Role.parse(parts[0]) : null;
        if (seal == null || role == null)
        {
            return null;
        }
        if (parts.length == 3)
        {
            // Genuine but made before expiries existed: known (not forged), never valid (see the class comment).
            return seal.verifies(parts[2], digest, parts[0], parts[1]) ? new Created(new Principal(parts[1], role), NO_EXPIRY) : null;
        }
        if (!seal.verifies(parts[3], digest, parts[0], parts[1], parts[2]))
        {
            return null;
        }
        // The seal verified, so the expiry is the gateway's own writing: a number.
        return new Created(new Principal(parts[1], role), Long.parseLong(parts[2]));
    }

    /** True when a request may come from {@code origin}: no Origin (not a browser), or one on the allow-list. */
    public boolean originAllowed(final String origin)
    {
        return origin == null || allowedOrigins.contains(origin);
    }

    /** Configured tokens and created ones: name, role, source and a created one's expiry; never secrets or digests. */
    public List<Map<String, String>> list()
    {
        final List<Map<String, String>> tokens = new ArrayList<>();
        for (final Principal principal : configured.values())
        {
            tokens.add(Map.of("name", principal.name(), "role", principal.role().wireName(), "source", "configuration"));
        }
        if (created != null)
        {
            final long now = epochMillis.getAsLong();
            for (final Map.Entry<String, String> record : created.entrySet())
            {
                // Only what is a token: a planted record would put a grid client's text in the admin's listing.
                final Created token = sealed(record.getKey(), record.getValue());
                if (token != null && !token.expiredAt(now) && !revoked.contains(record.getKey()))
                {
                    final Map<String, String> shown = new LinkedHashMap<>();
                    shown.put("name", token.principal().name());
                    shown.put("role", token.principal().role().wireName());
                    shown.put("source", "api");
                    shown.put("expiresAt", Instant.ofEpochMilli(token.expiresAtMs()).toString());
                    tokens.add(shown);
                }
            }
        }
        return tokens;
    }

    /** The longest lifetime a created token may have (ODYSSEY_GATEWAY_TOKEN_MAX_LIFETIME_H), ms. */
    public long maxLifetimeMs()
    {
        return maxLifetimeMs;
    }

    /** A token just created: its secret (shown once) and when it stops working. */
    public record NewToken(String secret, Instant expiresAt)
    {
    }

    /**
     * Creates a token in the grid, for {@code lifetimeMs} (1 ms to {@link #maxLifetimeMs}).
     */
    public NewToken create(final String name, final Role role, final long lifetimeMs)
    {
        if (lifetimeMs <= 0 || lifetimeMs > maxLifetimeMs)
        {
            throw new Problem(400, "a token lives from 1 hour to " + TimeUnit.MILLISECONDS.toHours(maxLifetimeMs) +
                " hours (ODYSSEY_GATEWAY_TOKEN_MAX_LIFETIME_H)");
        }
        if (name == null || !NAME.matcher(name).matches())
        {
            throw new Problem(400, "a token name is 1 to 64 characters of [A-Za-z0-9_.@-]");
        }
        if (CommandLedger.nodeIssuer(name))
        {
            throw new Problem(400, "RESERVED_NAME", "'" + name + "' names the orders ingest nodes record themselves " +
                "(a drone's own, a geofence guard's): choose another token name", null);
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
        final long expiresAtMs = epochMillis.getAsLong() + lifetimeMs;
        final String expiry = Long.toString(expiresAtMs);
        // The entry's time to live removes it from the grid when it expires (its sessions end through onRevoked); the
        // sealed expiry is what refuses a copy of it put back afterwards.
        created.set(digest, role.wireName() + " " + name + " " + expiry + " " +
            seal.seal(digest, role.wireName(), name, expiry), lifetimeMs, TimeUnit.MILLISECONDS);
        return new NewToken(secret, Instant.ofEpochMilli(expiresAtMs));
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
                // Before the removal: a copy put back a moment later must already find it revoked here.
                revoked.add(entry.getKey());
                removed |= created.remove(entry.getKey()) != null;
            }
        }
        return removed;
    }

    /**
     * Calls {@code revoked} with a created token's digest when the grid loses it (deleted through the API of any
     * gateway, by a grid client, or expired): the sessions it opened must end, not only its next request; and this
     * gateway remembers the digest, so a copy of the record put back later is refused. On the grid client's event
     * thread; {@code revoked} must not block.
     *
     * @return the listener's id, or null when no token is kept in the grid (it ends with the grid connection).
     */
    public java.util.UUID onRevoked(final java.util.function.Consumer<String> revoked)
    {
        if (created == null)
        {
            return null;
        }
        // With values: only a digest whose record was a genuine token is remembered, so a grid client cannot flush the
        // bounded memory by adding and removing entries of its own.
        return created.addEntryListener(new RevokedListener((digest, record) ->
        {
            if (record != null && sealed(digest, record) != null)
            {
                this.revoked.add(digest);
            }
            synchronized (recentlyValid)
            {
                recentlyValid.remove(digest);
            }
            revoked.accept(digest);
        }, revoked), true);
    }

    private record RevokedListener(
        java.util.function.BiConsumer<String, String> gone, java.util.function.Consumer<String> cleared) implements
        com.hazelcast.map.listener.EntryRemovedListener<String, String>,
        com.hazelcast.map.listener.EntryEvictedListener<String, String>,
        com.hazelcast.map.listener.EntryExpiredListener<String, String>,
        com.hazelcast.map.listener.MapClearedListener
    {
        public void entryRemoved(final com.hazelcast.core.EntryEvent<String, String> event)
        {
            gone.accept(event.getKey(), event.getOldValue());
        }

        public void entryEvicted(final com.hazelcast.core.EntryEvent<String, String> event)
        {
            gone.accept(event.getKey(), event.getOldValue());
        }

        public void entryExpired(final com.hazelcast.core.EntryEvent<String, String> event)
        {
            gone.accept(event.getKey(), event.getOldValue());
        }

        public void mapCleared(final com.hazelcast.map.MapEvent event)
        {
            // The event names no digest: nothing to remember (the sealed expiries still bound a copy put back).
            cleared.accept(ALL_CREATED);
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
